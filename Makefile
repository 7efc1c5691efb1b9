# SPDX-License-Identifier: GPL-2.0
# Kestrel: one build, no generated configuration. `make help` lists the targets.

BUILD     := build
CC        := gcc
NASM      := nasm
LD        := ld
PYTHON    := python3

# No frame pointers: they cost 3 instructions per call on every exit path, and a debugger
# unwinds from the call-frame information -g writes (docs/design.md, "Exits").
CFLAGS    := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -nostdlib -fno-common \
             -fno-pie -fno-stack-protector -fomit-frame-pointer -mno-red-zone \
             -mno-sse -mno-mmx -mno-sse2 -mgeneral-regs-only -mcmodel=small -m64 -I.
LDFLAGS   := -nostdlib -static -no-pie -z max-page-size=4096 -z noexecstack -T linker.ld
NASMFLAGS := -f elf64 -g

# Every hypervisor source, by folder (the layout of README.md).
SRCS_C    := $(wildcard boot/*.c arch/x86/*.c arch/x86/vmx/*.c arch/x86/vmx/exits/*.c mm/*.c \
             hv/*.c hv/dev/*.c hv/sched/*.c pv/*.c lib/*.c)
SRCS_ASM  := $(wildcard boot/*.asm arch/x86/*.asm arch/x86/vmx/*.asm)
OBJS      := $(SRCS_C:%.c=$(BUILD)/obj/%.o) $(SRCS_ASM:%.asm=$(BUILD)/obj/%.asm.o) \
             $(BUILD)/obj/gen/font.o

ELF       := $(BUILD)/kestrel.elf
ISO       := $(BUILD)/kestrel.iso
DEMO_ISO  := $(BUILD)/kestrel-demo.iso
DEMO_ELF  := $(BUILD)/demo/demo.elf
ISO_CMDLINE ?= console=com1,vga loglevel=info

PREFIX    ?= /usr/local

.PHONY: all iso run run-qemu run-linux test test-long unit system guests bench deps clean help check-layers install \
        demo FORCE fuzz-smoke fuzz-host fuzz
all: $(ISO)
demo: $(DEMO_ELF)
FORCE:

help:
	@echo "make            build $(ELF) and $(ISO)"
	@echo "make run        boot the ISO in Bochs (2 CPUs, headless) and show the console"
	@echo "make run-qemu   boot it in QEMU: KVM on an Intel host with nested VMX on, else TCG"
	@echo "make run-linux  Debian's kernel on Kestrel in Bochs, live: tlbstorm with KVM's PV"
	@echo "                features and without, and the pair (LINUX_ARGS='--vcpus 4 ...')"
	@echo "                (it says which and why)"
	@echo "make test       host unit tests (cmocka), the harness's tests and system tests"
	@echo "make test-long  the system tests with apicv=off, on shadow paging (ept=off), and on"
	@echo "                core2_penryn_t9600"
	@echo "make check-layers  fail when an #include points up the layers (docs/design.md)"
	@echo "make fuzz-host  libFuzzer on every decoder, FUZZ_SECONDS (60) each"
	@echo "make fuzz       the hostile-guest fuzzer beside a victim VM in Bochs, with progress:"
	@echo "                FUZZ_OPS operations (100000) from FUZZ_SEED (1), FUZZ_CLASSES"
	@echo "                (0x1fff, every class: tests/guests/hostile-fuzz/tests.py)"
	@echo "make unit       host unit tests only (UNIT_TESTS='frame vlapic' picks some)"
	@echo "make system     system tests only (SYSTEM_TESTS='vm-ipi ...' picks some;"
	@echo "                tests/system/run.py --list names them)"
	@echo "make bench      measured pairs, plain against PV (SCENARIOS='ept ...' picks some)"
	@echo "make deps       install the Debian packages the above need (as root)"
	@echo "make install    PREFIX/share/kestrel/kestrel.elf and the guest SDK (PREFIX=$(PREFIX))"
	@echo "make clean      remove $(BUILD)/"

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/%.asm.o: %.asm
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	@$(NASM) $(NASMFLAGS) $< -o $@

# The screen console's glyphs, from a PSF font of a Debian package (tools/psffont.py).
$(BUILD)/gen/font.c: tools/psffont.py
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@$(PYTHON) tools/psffont.py $@

$(BUILD)/obj/gen/font.o: $(BUILD)/gen/font.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(ELF): $(OBJS) linker.ld
	@echo "  LD      $@"
	@$(LD) $(LDFLAGS) -o $@ $(OBJS)

# The ISO boots from BIOS and UEFI alike when grub-efi-amd64-bin is installed.
$(ISO): $(ELF) boot/grub.cfg.in
	@echo "  ISO     $@"
	@rm -rf $(BUILD)/iso && mkdir -p $(BUILD)/iso/boot/grub
	@cp $(ELF) $(BUILD)/iso/boot/kestrel.elf
	@sed 's|@CMDLINE@|$(ISO_CMDLINE)|' boot/grub.cfg.in > $(BUILD)/iso/boot/grub/grub.cfg
	@grub-mkrescue -o $@ $(BUILD)/iso --fonts= --locales= --themes= \
		--install-modules="multiboot2 normal iso9660 part_msdos part_gpt fat all_video test" \
		2> $(BUILD)/grub-mkrescue.log || { cat $(BUILD)/grub-mkrescue.log; exit 1; }

# The demo guest (guest-sdk/examples/demo), built here with the SDK's in-tree flags (rt.mk).
include guest-sdk/rt.mk
$(DEMO_ELF): guest-sdk/examples/demo/demo.c FORCE
	@$(MAKE) -s --no-print-directory -C guest-sdk
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(RT_CFLAGS) -c $< -o $(BUILD)/demo/demo.o
	@echo "  LD      $@"
	@$(LD) $(RT_LDFLAGS) -o $@ $(BUILD)/demo/demo.o $(KESTREL_LIB) $(RT_LIB)

# The demo ISO: Kestrel and two VMs running the demo guest (boot/grub-demo.cfg).
$(DEMO_ISO): $(ELF) $(DEMO_ELF) boot/grub-demo.cfg
	@echo "  ISO     $@"
	@rm -rf $(BUILD)/demo-iso && mkdir -p $(BUILD)/demo-iso/boot/grub $(BUILD)/demo-iso/guests
	@cp $(ELF) $(BUILD)/demo-iso/boot/kestrel.elf
	@cp $(DEMO_ELF) $(BUILD)/demo-iso/guests/demo.elf
	@cp boot/grub-demo.cfg $(BUILD)/demo-iso/boot/grub/grub.cfg
	@grub-mkrescue -o $@ $(BUILD)/demo-iso --fonts= --locales= --themes= \
		--install-modules="multiboot2 normal iso9660 part_msdos part_gpt fat all_video test" \
		2> $(BUILD)/grub-mkrescue.log || { cat $(BUILD)/grub-mkrescue.log; exit 1; }

deps:
	@tools/ensure-deps

# What an OS author needs outside this tree: Kestrel itself where kestrel-mkiso looks for it,
# and the guest SDK (headers, libraries, pkg-config files, kestrel-mkiso).
install: $(ELF)
	@install -d $(DESTDIR)$(PREFIX)/share/kestrel
	@install -m 644 $(ELF) $(DESTDIR)$(PREFIX)/share/kestrel/kestrel.elf
	@$(MAKE) -s --no-print-directory -C guest-sdk install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

run: deps
	@$(MAKE) -s --no-print-directory $(DEMO_ISO)
	$(PYTHON) tests/harness/boot.py --emu bochs --cpus 2 --iso $(DEMO_ISO) --echo

run-qemu: deps
	@$(MAKE) -s --no-print-directory $(DEMO_ISO)
	$(PYTHON) tests/harness/boot.py --emu qemu --cpus 2 --iso $(DEMO_ISO) --echo

# Two boots of Debian's kernel (fetched with apt-get download into build/linux/): about ten
# minutes of Bochs. tests/linux/run.py --help lists LINUX_ARGS.
run-linux: deps all
	$(PYTHON) tests/linux/run.py $(LINUX_ARGS)

test: deps
	$(MAKE) check-layers
	$(MAKE) unit
	$(MAKE) fuzz-smoke
	$(MAKE) system

# libFuzzer on every decoder of guest and boot input (tests/fuzz/): a short run of each in
# make test, as long as FUZZ_SECONDS (or FUZZ_EXECS runs) per target with make fuzz-host.
fuzz-smoke:
	@$(MAKE) -s --no-print-directory -C tests/fuzz smoke

fuzz-host: deps
	@$(MAKE) -s --no-print-directory -C tests/fuzz run \
		$(if $(FUZZ_SECONDS),FUZZ_SECONDS=$(FUZZ_SECONDS)) $(if $(FUZZ_EXECS),FUZZ_EXECS=$(FUZZ_EXECS))

# The hostile-guest fuzzer (tests/guests/hostile-fuzz) and its victim, as long as asked.
fuzz: deps $(ISO) guests
	$(PYTHON) tests/guests/hostile-fuzz/fuzz.py $(if $(FUZZ_OPS),--ops $(FUZZ_OPS)) \
		$(if $(FUZZ_SEED),--seed $(FUZZ_SEED)) \
		$(if $(FUZZ_CLASSES),--classes $(FUZZ_CLASSES))

# Every #include points down the layers (docs/design.md); the checker is checked too.
check-layers:
	$(PYTHON) tools/check-layers
	$(PYTHON) tools/check-layers --self-test

# Unit and system tests are picked by names of their own: a command-line variable reaches every
# sub-make, so one shared name would hand system test names to the unit-test Makefile.
ifeq ($(origin TESTS),command line)
$(error TESTS= is ambiguous: use SYSTEM_TESTS='vm-ipi ...' or UNIT_TESTS='frame ...')
endif

unit:
	$(MAKE) -s --no-print-directory -C guest-sdk check
	$(MAKE) -C tests/unit $(if $(UNIT_TESTS),UNIT_TESTS='$(UNIT_TESTS)')
	$(PYTHON) tests/harness/test_boot.py

# The system tests again: with the emulated local APIC (apicv=off), then without EPT: every VM
# line ept=off on the default model, then on core2_penryn_t9600 (no EPT, VPID, unrestricted
# guest or preemption timer). About 4 minutes each without EPT, 10 with apicv=off: make test
# runs the two without EPT on each test guest's first test only (tests/system/run.py --passes).
test-long: deps $(ISO) guests $(DEMO_ELF)
	$(PYTHON) tests/system/run.py --passes apicv-off,shadow,penryn $(if $(SYSTEM_TESTS),--only $(SYSTEM_TESTS))

system: $(ISO) guests $(DEMO_ELF)
	$(PYTHON) tests/system/run.py $(if $(SYSTEM_TESTS),--only $(SYSTEM_TESTS))
	$(if $(SYSTEM_TESTS),,$(PYTHON) tests/system/run.py --passes shadow,penryn --one-per-guest)

guests:
	@$(MAKE) -s --no-print-directory -C tests/guests

# Measured pairs, plain against Kestrel's way; the table also goes to build/bench.txt.
bench: deps $(ELF) guests
	$(PYTHON) tests/bench/run.py $(if $(SCENARIOS),--only $(SCENARIOS))

clean:
	rm -rf $(BUILD)
	$(MAKE) -C tests/unit clean
	$(MAKE) -C tests/fuzz clean
	$(MAKE) -C tests/guests clean
	$(MAKE) -C guest-sdk clean

-include $(OBJS:.o=.d)
