# SPDX-License-Identifier: MIT
# Make variables for building a guest with the runtime: include this file, then compile with
# $(RT_CFLAGS) and link with $(RT_LDFLAGS) your objects followed by $(RT_LIB).

RT_SDK     := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
RT_LIB     := $(RT_SDK)/build/libkestrel-rt.a
# The PV library (include/kestrel/kestrel.h): link it before $(RT_LIB).
KESTREL_LIB := $(RT_SDK)/build/libkestrel.a

# What all code linked with the runtime must be compiled and linked with. `make install` writes
# the same flags into kestrel-rt.pc, so a guest built with pkg-config gets exactly these.
# -fno-stack-protector: nothing provides __stack_chk_fail or a canary at %fs:0x28, and some
# toolchains turn the protector on by default. -fno-tree-loop-distribute-patterns: GCC must not
# turn the runtime's memset loop into a call to memset.
RT_ABI_CFLAGS := -ffreestanding -fno-common -fno-pie -fno-stack-protector -mno-red-zone -mno-sse \
                 -mno-mmx -mgeneral-regs-only -mcmodel=small -m64 -fno-tree-loop-distribute-patterns
RT_ABI_LDFLAGS := -nostdlib -static -no-pie
# Linker -z keywords (ld takes `-z X`, the compiler driver `-Wl,-z,X`). noexecstack: a guest's
# stack is data.
RT_LD_Z    := max-page-size=4096 noexecstack

RT_CFLAGS  := -std=gnu11 -O2 -g -Wall -Wextra -Werror -nostdlib $(RT_ABI_CFLAGS) \
              -I$(RT_SDK)/include
RT_LDFLAGS := $(RT_ABI_LDFLAGS) $(foreach z,$(RT_LD_Z),-z $(z)) -T $(RT_SDK)/runtime/guest.ld
