#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Boot a Kestrel ISO in Bochs or QEMU, follow its serial console, and stop when it is done.

Used by `make run`, `make run-qemu` and the system tests. The serial log decides
everything: Bochs always exits with status 1 (docs/platform.md), so its exit status
means nothing. A run ends when Kestrel prints its last line ("kestrel: halting"
or "kestrel: halted"), when the emulator exits, or at the time-out.
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

END_RE = re.compile(r"^kestrel: (halting|halted)\s*$", re.M)

BOCHSRC = """\
plugin_ctrl: unmapped=1, biosdev=1, speaker=0, extfpuirq=0, parallel=0, gameport=0, iodebug=0
megs: {mem}
cpu: model={model}, count={cpus}, ips=10000000, quantum=16, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=cdrom, path={iso}, status=inserted
boot: cdrom
clock: sync=none, time0=local
display_library: rfb, options="timeout=0"
{com1}
port_e9_hack: enabled=1
log: {log}
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
mouse: enabled=0
"""

OVMF_CANDIDATES = ["/usr/share/ovmf/OVMF.fd", "/usr/share/qemu/OVMF.fd"]


class Result:
    def __init__(self, serial, reason, seconds, workdir, screen=None):
        self.serial = serial  # the whole console text
        self.reason = reason  # "end", "exit", "timeout"
        self.seconds = seconds
        self.workdir = workdir  # kept: bochs.log and serial.txt are there
        self.screen = screen  # grab_screen's files, when asked for (QEMU only)

    def __repr__(self):
        return f"Result(reason={self.reason}, seconds={self.seconds:.1f})"


GRUB_CFG = """\
set timeout=0
set default=0
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
insmod all_video
menuentry "Kestrel" {{
	multiboot2 /boot/kestrel.elf {cmdline}
	if [ "${{grub_platform}}" = "pc" ]; then set gfxpayload=text; fi
{modules}	boot
}}
"""


# Words added to every module line that defines a VM, e.g. "apicv=on" (tests/system/run.py
# --apicv on): the whole suite on another path of Kestrel's without editing each test.
VM_WORDS_ENV = "KESTREL_TEST_VM_WORDS"
# The system-test pass under way (tests/system/run.py): ept=off on its VM lines or not, and the
# Bochs model of the tests that pin none, for a check that boots a baseline of its own.
PASS_EPT_OFF_ENV = "KESTREL_TEST_PASS_EPT_OFF"
PASS_MODEL_ENV = "KESTREL_TEST_PASS_MODEL"


def with_vm_words(words, extra):
    """A module line with extra VM words before its "--", if it defines a VM (README.md: any
    word but vm=NAME, or a "--") and does not set them itself; other lines unchanged."""
    head, sep, tail = words.partition("--")
    defining = sep or any(not w.startswith("vm=") for w in head.split())
    add = [w for w in extra.split() if w.split("=")[0] + "=" not in head]
    if not defining or not add:
        return words
    return head.rstrip() + " " + " ".join(add) + (" " + sep + tail if sep else "")


def make_iso(elf, out, cmdline, modules=()):
    """Builds an ISO like `make` does, with another command line and module2 lines.

    modules: (path inside the ISO, file to copy there, module command line) triples.
    """
    extra = os.environ.get(VM_WORDS_ENV, "")
    root = out + ".d"
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "boot", "grub"))
    shutil.copy(elf, os.path.join(root, "boot", "kestrel.elf"))
    lines = ""
    for dest, src, words in modules:
        full = os.path.join(root, dest.lstrip("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        shutil.copy(src, full)
        lines += f"\tmodule2 {dest} {with_vm_words(words, extra)}\n"
    with open(os.path.join(root, "boot", "grub", "grub.cfg"), "w") as f:
        f.write(GRUB_CFG.format(cmdline=cmdline, modules=lines))
    subprocess.run(["grub-mkrescue", "-o", out, root, "--fonts=", "--locales=", "--themes=",
                    "--install-modules=multiboot2 normal iso9660 part_msdos part_gpt fat "
                    "all_video test"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(root, ignore_errors=True)
    return out


KVM_DEV = "/dev/kvm"
CPUINFO = "/proc/cpuinfo"
KVM_INTEL_NESTED = "/sys/module/kvm_intel/parameters/nested"


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def qemu_accel(kvm_dev=KVM_DEV, cpuinfo=CPUINFO, nested=KVM_INTEL_NESTED):
    """Which QEMU accelerator can run Kestrel here, and why: ("kvm" or "tcg", reason).

    Kestrel needs VMX. KVM gives a guest VMX only when the host CPU is Intel with VMX and
    kvm_intel's nested parameter is on; /dev/kvm alone says nothing about it (on an AMD host
    `-cpu host,+vmx` makes QEMU abort). Everything else runs under TCG, which has no VMX:
    Kestrel then says so and halts.
    """
    if not os.path.exists(kvm_dev):
        return "tcg", f"{kvm_dev} does not exist"
    if not os.access(kvm_dev, os.R_OK | os.W_OK):
        return "tcg", f"{kvm_dev} is not usable by this user"
    info = _read(cpuinfo)
    if info is None:
        return "tcg", f"{cpuinfo} cannot be read"
    vendor = re.search(r"^vendor_id\s*:\s*(\S+)", info, re.M)
    vendor = vendor.group(1) if vendor else "unknown"
    if vendor != "GenuineIntel":
        return "tcg", f"the host CPU is {vendor}, not Intel: KVM cannot give a guest VMX"
    flags = re.search(r"^flags\s*:(.*)$", info, re.M)
    if not flags or "vmx" not in flags.group(1).split():
        return "tcg", "the host CPU does not report the vmx flag"
    value = _read(nested)
    if value is None:
        return "tcg", f"{nested} does not exist (kvm_intel not loaded)"
    if value.strip() not in ("Y", "y", "1"):
        return "tcg", f"nested VMX is off ({nested} is {value.strip()!r})"
    return "kvm", "Intel host with VMX and nested VMX on"


VGA_TEXT = (0xb8000, 80 * 25 * 2)  # the VGA text buffer (80x25 cells of character, attribute)


def monitor_command(sock, line):
    """Sends one human-monitor command (None: nothing) and waits for QEMU's next prompt."""
    if line is not None:
        sock.sendall(line.encode() + b"\n")
    out = b""
    while not out.endswith(b"(qemu) "):
        chunk = sock.recv(4096)
        if not chunk:
            break
        out += chunk
    return out.decode("utf-8", "replace")


def grab_screen(path, workdir):
    """Over QEMU's monitor socket: the VGA text memory and a screendump (PPM) into workdir.

    Returns {"vga_text": path, "ppm": path}; a file QEMU could not write is missing."""
    files = {"vga_text": os.path.join(workdir, "vga-text.bin"),
             "ppm": os.path.join(workdir, "screen.ppm")}
    for f in files.values():
        if os.path.exists(f):
            os.remove(f)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(path)
        monitor_command(s, None)  # the greeting and first prompt
        # Names relative to QEMU's working folder: "4000 /tmp/x" would parse as a division.
        monitor_command(s, f"pmemsave {VGA_TEXT[0]:#x} {VGA_TEXT[1]} vga-text.bin")
        monitor_command(s, "screendump screen.ppm")
    return {k: v for k, v in files.items() if os.path.exists(v)}


def command(emu, workdir, iso, cpus, mem, model, uefi, monitor=None, com1_port=None):
    """com1_port: (Bochs) COM1 connects to this TCP port on 127.0.0.1 instead of writing a file."""
    serial = os.path.join(workdir, "serial.txt")
    if emu == "bochs":
        rc = os.path.join(workdir, "bochsrc")
        com1 = f"com1: enabled=1, mode=file, dev={serial}" if com1_port is None else \
            f"com1: enabled=1, mode=socket-client, dev=127.0.0.1:{com1_port}"
        with open(rc, "w") as f:
            f.write(BOCHSRC.format(mem=mem, model=model, cpus=cpus, iso=os.path.abspath(iso),
                                   com1=com1, log=os.path.join(workdir, "bochs.log")))
        dbg = os.path.join(workdir, "dbg.rc")
        with open(dbg, "w") as f:
            f.write("c\n")
        return ["bochs", "-q", "-f", rc, "-rc", dbg], serial
    cmd = ["qemu-system-x86_64", "-smp", str(cpus), "-m", str(mem), "-cdrom", os.path.abspath(iso),
           "-serial", "file:" + serial, "-display", "none", "-no-reboot",
           "-monitor", f"unix:{monitor},server,nowait" if monitor else "none",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if qemu_accel()[0] == "kvm":
        cmd += ["-enable-kvm", "-cpu", "host,+vmx"]
    else:
        cmd += ["-accel", "tcg", "-cpu", "max"]
    if uefi:
        fw = next((p for p in OVMF_CANDIDATES if os.path.exists(p)), None)
        if not fw:
            raise SystemExit("boot.py: no OVMF firmware found (Debian package 'ovmf')")
        cmd += ["-bios", fw]
    return cmd, serial


# Bochs's headless display listens on the first free TCP port of 5900-5949; when many runs
# share a machine they can all be taken, and Bochs then stops before it starts.
RFB_BUSY = "RFB could not bind any port"


class Com1Socket:
    """COM1 over TCP (Bochs's socket-client mode): what Bochs sends goes to the serial file, as
    in file mode, and send() types at the console."""

    def __init__(self, serial):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.conn = None
        self.serial = serial
        self.thread = threading.Thread(target=self._copy, daemon=True)
        self.thread.start()

    def _copy(self):
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        self.conn = conn
        with open(self.serial, "ab", buffering=0) as f:
            while True:
                try:
                    data = conn.recv(4096)
                except OSError:
                    return
                if not data:
                    return
                f.write(data)

    def send(self, data):
        if self.conn:
            self.conn.sendall(data)
            return True
        return False

    def close(self):
        for s in (self.conn, self.listener):
            if s:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()


def boot(iso, emu="bochs", cpus=2, mem=256, model="corei7_icelake_u", uefi=False, timeout=120,
         echo=False, keep=None, screen=False, typed=()):
    """screen: (QEMU) keep a monitor socket and grab the screen before QEMU is stopped.
    typed: (Bochs) (regex, bytes) pairs, in order: once the console matches a regex, its bytes
    are typed at COM1; the next pair waits for its own regex."""
    for attempt in range(5):
        r = boot_once(iso, emu, cpus, mem, model, uefi, timeout, echo, keep, screen, typed)
        err = _read(os.path.join(r.workdir, "emulator.err")) or ""
        if not (emu == "bochs" and r.reason == "exit" and RFB_BUSY in err):
            return r
        if echo:
            print("== every display port is taken; trying again ==", flush=True)
        time.sleep(2 + 3 * attempt)
    return r


def boot_once(iso, emu, cpus, mem, model, uefi, timeout, echo, keep, screen, typed=()):
    workdir = keep or tempfile.mkdtemp(prefix=f"kestrel-{emu}-")
    os.makedirs(workdir, exist_ok=True)
    # A short path: a UNIX socket's name has at most 107 bytes.
    monitor = tempfile.mktemp(prefix="kestrel-mon-", dir="/tmp") if screen and emu == "qemu" \
        else None
    serial = os.path.join(workdir, "serial.txt")
    open(serial, "w").close()
    if typed and emu != "bochs":
        raise ValueError("boot.py: typed input needs Bochs (COM1 over a socket)")
    com1 = Com1Socket(serial) if typed else None
    cmd, serial = command(emu, workdir, iso, cpus, mem, model, uefi, monitor,
                          com1.port if com1 else None)
    steps = list(typed)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=workdir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(workdir, "emulator.err"), "w"),
                            start_new_session=True)
    text, pos, reason = "", 0, "timeout"
    with open(serial, "rb") as f:
        while True:
            chunk = f.read()
            if chunk:
                new = chunk.decode("utf-8", "replace").replace("\r", "")
                text += new
                if echo:
                    sys.stdout.write(new)
                    sys.stdout.flush()
                if END_RE.search(text):
                    reason = "end"
                    break
                # Text comes over COM1's connection when typing is asked for: it is open.
                while steps and re.search(steps[0][0], text, re.M) and com1.send(steps[0][1]):
                    steps.pop(0)
            elif proc.poll() is not None:
                reason = "exit"
                rest = f.read().decode("utf-8", "replace").replace("\r", "")
                text += rest
                if echo:
                    sys.stdout.write(rest)
                break
            if time.monotonic() - start > timeout:
                break
            time.sleep(0.05)
    grabbed = None
    if monitor and proc.poll() is None:
        time.sleep(0.2)  # the last line went to the screen first; let the CPU halt
        try:
            grabbed = grab_screen(monitor, workdir)
        except OSError as e:
            print(f"boot.py: no screen grab: {e}", file=sys.stderr)
    if monitor and os.path.exists(monitor):
        os.remove(monitor)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    if com1:
        com1.close()
    return Result(text, reason, time.monotonic() - start, workdir, grabbed)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--emu", choices=["bochs", "qemu"], default="bochs")
    ap.add_argument("--iso", default="build/kestrel.iso")
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--mem", type=int, default=256, help="MiB of guest RAM (Bochs: at most 2048)")
    ap.add_argument("--model", default="corei7_icelake_u", help="Bochs CPU model")
    ap.add_argument("--uefi", action="store_true", help="QEMU: boot with OVMF instead of the BIOS")
    ap.add_argument("--timeout", type=float, default=180)
    ap.add_argument("--echo", action="store_true", help="show the console live")
    ap.add_argument("--keep", help="working folder to keep (bochsrc, serial.txt, bochs.log)")
    a = ap.parse_args()
    if not os.path.exists(a.iso):
        raise SystemExit(f"boot.py: {a.iso} does not exist (run make)")
    if a.echo:
        if a.emu == "qemu":
            accel, why = qemu_accel()
            where = f"{accel.upper()}: {why}"
        else:
            where = a.model
        print(f"== booting {a.iso} in {a.emu} ({where}), {a.cpus} CPUs, {a.mem} MiB ==", flush=True)
    r = boot(a.iso, a.emu, a.cpus, a.mem, a.model, a.uefi, a.timeout, a.echo, a.keep)
    if a.echo:
        what = {"end": "Kestrel finished", "exit": "the emulator exited",
                "timeout": f"time-out after {a.timeout:.0f} s"}[r.reason]
        kept = a.keep or r.reason != "end"
        print(f"== {what} ({r.seconds:.1f} s)" + (f"; logs in {r.workdir} ==" if kept else " =="))
    if not a.keep and r.reason == "end":
        shutil.rmtree(r.workdir, ignore_errors=True)
    sys.exit(0 if r.reason == "end" else 1)


if __name__ == "__main__":
    main()
