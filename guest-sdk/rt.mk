# SPDX-License-Identifier: MIT
# Make variables for building a guest with the runtime: include this file, then compile with
# $(RT_CFLAGS) and link with $(RT_LDFLAGS) your objects followed by $(RT_LIB).

RT_SDK     := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
RT_LIB     := $(RT_SDK)/build/libkestrel-rt.a
# The PV library (include/kestrel/kestrel.h): link it before $(RT_LIB).
KESTREL_LIB := $(RT_SDK)/build/libkestrel.a
# -fno-tree-loop-distribute-patterns: GCC must not turn the runtime's memset loop into a call
# to memset.
RT_CFLAGS  := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -nostdlib -fno-common \
              -fno-pie -fno-stack-protector -mno-red-zone -mno-sse -mno-mmx -mgeneral-regs-only \
              -mcmodel=small -m64 -fno-tree-loop-distribute-patterns -I$(RT_SDK)/include
RT_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=4096 -z noexecstack \
              -T $(RT_SDK)/runtime/guest.ld
