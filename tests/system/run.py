#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Kestrel's system tests: boot the ISO in Bochs and QEMU and check what the serial log says.

Each test boots once and runs its checks on the console text; a check that
fails names what it expected. Two emulators run at a time (Bochs uses one host
thread each). Logs of failed tests are kept in build/test-logs/NAME/.

Tests live beside what they test: tests/guests/NAME/tests.py for a test guest's,
tests/system/*_tests.py and sdk_outside.py for Kestrel's own. Each has a TESTS dict,
name: (emulator, CPUs, options, check); this runner finds and merges them.
"""
import argparse
import concurrent.futures
import glob
import importlib.util
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import BUILD, DEFAULT, ELF, ISO, ROOT, CheckFailed, boot  # noqa: E402
import screen  # noqa: E402


def discover():
    """Every TESTS dict of the tree, merged; a name defined twice is an error. A module's
    OPT_IN names run only when asked for by --only (known failures, or too slow for the suite)."""
    files = sorted(glob.glob(os.path.join(ROOT, "tests", "system", "*_tests.py")))
    files += [os.path.join(ROOT, "tests", "system", "sdk_outside.py")]
    files += sorted(glob.glob(os.path.join(ROOT, "tests", "guests", "*", "tests.py")))
    tests, where = {}, {}
    for path in files:
        name = "kestrel_tests_" + os.path.relpath(path, ROOT).replace("/", "_").replace("-", "_")
        spec = importlib.util.spec_from_file_location(name[:-3], path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for t, v in mod.TESTS.items():
            if t in tests:
                raise SystemExit(f"run.py: test {t} is defined in {where[t]} and {path}")
            tests[t], where[t] = v, os.path.relpath(path, ROOT)
        OPT_IN.update(getattr(mod, "OPT_IN", ()))
    return tests, where


OPT_IN = set()
TESTS, WHERE = discover()


def with_ept_off(words):
    """A module line's words with ept=off added when the line defines a VM (any word but vm=,
    or a "--"); a line naming only vm= is an extra module and stays as it is."""
    w = words.split()
    if "--" in w:
        i = w.index("--")
        return " ".join(w[:i] + ["ept=off"] + w[i:])
    if any(not x.startswith("vm=") for x in w):
        return words + " ept=off"
    return words


EPT_OFF = False


def run_one(name, extra="", keep=False):
    emu, cpus, opts, check = TESTS[name]
    if extra:
        # Words added to the hypervisor's command line (--append): its own ISO then.
        opts = dict(opts, cmdline=opts.get("cmdline", DEFAULT) + " " + extra)
    iso = ISO
    logdir = os.path.join(BUILD, "test-logs", name + ("-ept-off" if EPT_OFF else ""))
    if EPT_OFF:
        if "modules" not in opts or "iso" in opts:
            return name, False, "--ept-off needs a test with module lines", 0.0
        opts = dict(opts, modules=[(d, src, with_ept_off(w)) for d, src, w in opts["modules"]])
    shutil.rmtree(logdir, ignore_errors=True)
    if "cmdline" in opts or "modules" in opts or "iso" in opts:
        os.makedirs(os.path.join(BUILD, "test-isos"), exist_ok=True)
        tag = "".join(c if c.isalnum() else "-" for c in extra)
        iso = os.path.join(BUILD, "test-isos", name + ("-ept-off" if EPT_OFF else "") +
                           (f"+{tag}" if tag else "") + ".iso")
    try:
        if "iso" in opts:
            opts["iso"](iso)
        elif iso != ISO:
            boot.make_iso(ELF, iso, opts.get("cmdline", DEFAULT), opts.get("modules", ()))
    except CheckFailed as e:
        return name, False, str(e), 0.0
    r = boot.boot(iso, emu=emu, cpus=cpus, mem=opts.get("mem", 256),
                  model=opts.get("model", "corei7_icelake_u"),
                  uefi=opts.get("uefi", False), timeout=opts.get("timeout", 300), keep=logdir,
                  screen="screen" in opts, typed=opts.get("typed", ()))
    try:
        if r.reason == "timeout":
            raise CheckFailed(f"no final line within {r.seconds:.0f} s")
        check(r.serial)
        if "screen" in opts:
            if not r.screen:
                raise CheckFailed("no screen grabbed over QEMU's monitor")
            try:
                opts["screen"](r, name)
            except screen.Mismatch as e:
                raise CheckFailed(str(e))
    except CheckFailed as e:
        return name, False, str(e), r.seconds
    if not keep:
        shutil.rmtree(logdir, ignore_errors=True)
    return name, True, "", r.seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="test names (default: all)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--append", default="", metavar="WORDS",
                    help="add WORDS to each test's Kestrel command line "
                         "(e.g. preemption_timer=off)")
    ap.add_argument("--keep-logs", action="store_true",
                    help="keep build/test-logs/NAME/ of passing tests too")
    ap.add_argument("--ept-off", action="store_true",
                    help="every VM line gets ept=off: the same guests on shadow page tables")
    ap.add_argument("--apicv", choices=("on", "off"),
                    help="apicv=on|off on every VM line that does not set it")
    a = ap.parse_args()
    if a.apicv:
        os.environ[boot.VM_WORDS_ENV] = "apicv=" + a.apicv
    global EPT_OFF
    EPT_OFF = a.ept_off
    if a.list:
        width = max(len(t) for t in TESTS)
        print("\n".join(f"{t:<{width}}  {WHERE[t]}" for t in TESTS))
        return 0
    names = a.only or [t for t in TESTS if t not in OPT_IN]
    unknown = [n for n in names if n not in TESTS]
    if unknown:
        print(f"run.py: unknown test(s): {' '.join(unknown)}; --list shows them", file=sys.stderr)
        return 2
    start = time.monotonic()
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        for name, ok, why, secs in pool.map(lambda n: run_one(n, a.append, a.keep_logs), names):
            if ok:
                passed += 1
                print(f"PASS {name} ({secs:.1f} s)", flush=True)
            else:
                failed += 1
                print(f"FAIL {name} ({secs:.1f} s): {why}; log in build/test-logs/{name}"
                      f"{'-ept-off' if EPT_OFF else ''}/",
                      flush=True)
    print(f"system tests took {time.monotonic() - start:.0f} s")
    print(f"system: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
