#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Kestrel's system tests: boot the ISO in Bochs and QEMU and check what the serial log says.

Each test boots once and runs its checks on the console text; a check that
fails names what it expected. Two emulators run at a time (Bochs uses one host
thread each). Logs of failed tests are kept in build/test-logs/NAME/.

Tests live beside what they test: tests/guests/NAME/tests.py for a test guest's,
tests/system/*_tests.py and sdk_outside.py for Kestrel's own. Each has a TESTS dict,
name: (emulator, CPUs, options, check); this runner finds and merges them.

--passes runs the list more than once (PASSES below): "ept" as the tests say, "apicv-off" with
apicv=off on every VM line that does not set apicv= (the emulated local APIC), "shadow" with
ept=off on every VM line, "penryn" on Bochs's core2_penryn_t9600 (no EPT, VPID, unrestricted
guest or VMX-preemption timer) with ept=off. A test that cannot apply in a pass is skipped only
by a marker in its module, with the reason: EPT_ONLY = {name: why} skips it in every pass
without EPT, SKIP = {name: {pass: why}} in the passes named. A test a pass cannot apply
(no module lines, or its own model in a pass that sets one) and that has no marker fails.
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
        for t, why in getattr(mod, "EPT_ONLY", {}).items():
            SKIP.setdefault(t, {}).update({p: why for p, v in PASSES.items() if v["ept_off"]})
        for t, by_pass in getattr(mod, "SKIP", {}).items():
            SKIP.setdefault(t, {}).update(by_pass)
    for t, by_pass in SKIP.items():
        if t not in tests or set(by_pass) - set(PASSES):
            raise SystemExit(f"run.py: a skip marker names an unknown test or pass: {t} {by_pass}")
    return tests, where


# A pass: the suite once, with ept=off added to every VM line that does not set ept= itself,
# and on another Bochs model for the tests that do not pin theirs. The log folder and ISO of a
# test are NAME and NAME.iso in the "ept" pass (as before passes existed), NAME-PASS otherwise.
PASSES = {
    "ept": {"ept_off": False, "model": None},
    # The emulated local APIC where the CPU could virtualize it: every test both ways.
    "apicv-off": {"ept_off": False, "model": None, "vm_words": "apicv=off"},
    "shadow": {"ept_off": True, "model": None},
    # VMX without EPT, VPID, unrestricted guest or the preemption timer: shadow paging,
    # virtual-8086 mode for real mode, the host LAPIC timer (docs/design.md, "Testing").
    "penryn": {"ept_off": True, "model": "core2_penryn_t9600"},
}
OPT_IN = set()
SKIP = {}  # test -> {pass: why}, from the modules' EPT_ONLY and SKIP
TESTS, WHERE = discover()
DEFAULT_MODEL = "corei7_icelake_u"


def with_ept_off(words):
    """A module line's words with ept=off added when the line defines a VM (any word but vm=,
    or a "--") and sets no ept= itself; a line naming only vm= is an extra module."""
    return boot.with_vm_words(words, "ept=off")


def suffix(pass_name):
    return "" if pass_name == "ept" else "-" + pass_name


def run_one(name, extra="", keep=False, pass_name="ept", model=None):
    """One test in one pass: (name, "pass" | "fail" | "skip", why, seconds)."""
    emu, cpus, opts, check = TESTS[name]
    ps = PASSES[pass_name]
    if pass_name in SKIP.get(name, {}):
        return name, "skip", SKIP[name][pass_name], 0.0
    if extra:
        # Words added to the hypervisor's command line (--append): its own ISO then.
        opts = dict(opts, cmdline=opts.get("cmdline", DEFAULT) + " " + extra)
    iso = ISO
    logdir = os.path.join(BUILD, "test-logs", name + suffix(pass_name))
    if ps["ept_off"]:
        if "modules" not in opts or "iso" in opts:
            return name, "fail", f"pass {pass_name} needs module lines: mark the test", 0.0
        opts = dict(opts, modules=[(d, src, with_ept_off(w)) for d, src, w in opts["modules"]])
    model = ps["model"] or model
    if model and "model" in opts and opts["model"] != model:
        return name, "fail", f"the test pins model {opts['model']}: mark it for {model}", 0.0
    model = opts.get("model", model or DEFAULT_MODEL)
    shutil.rmtree(logdir, ignore_errors=True)
    if "cmdline" in opts or "modules" in opts or "iso" in opts:
        os.makedirs(os.path.join(BUILD, "test-isos"), exist_ok=True)
        tag = "".join(c if c.isalnum() else "-" for c in extra)
        iso = os.path.join(BUILD, "test-isos", name + suffix(pass_name) +
                           (f"+{tag}" if tag else "") + ".iso")
    try:
        if "iso" in opts:
            opts["iso"](iso)
        elif iso != ISO:
            boot.make_iso(ELF, iso, opts.get("cmdline", DEFAULT), opts.get("modules", ()))
    except CheckFailed as e:
        return name, "fail", str(e), 0.0
    r = boot.boot(iso, emu=emu, cpus=cpus, mem=opts.get("mem", 256),
                  model=model,
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
        return name, "fail", str(e), r.seconds
    if not keep:
        shutil.rmtree(logdir, ignore_errors=True)
    return name, "pass", "", r.seconds


def one_per_guest(names, pass_name):
    """Of names, each test guest's first test (in its tests.py's order) that pass_name does
    not skip; Kestrel's own test files (tests/system/) are left out."""
    chosen, seen = [], set()
    for t in names:
        where = WHERE[t]
        if not where.startswith("tests/guests/") or where in seen:
            continue
        if pass_name in SKIP.get(t, {}):
            continue
        seen.add(where)
        chosen.append(t)
    return chosen


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
                    help="every VM line gets ept=off: the same guests on shadow page tables "
                         "(the same as --passes shadow)")
    ap.add_argument("--model", help="the Bochs CPU model of the tests that do not set their own "
                                    f"(default {DEFAULT_MODEL})")
    ap.add_argument("--passes", default="ept",
                    help="comma list of passes over the tests: " + ", ".join(PASSES) +
                         " (default ept; each with its own summary)")
    ap.add_argument("--apicv", choices=("on", "off"),
                    help="apicv=on|off on every VM line that does not set it")
    ap.add_argument("--one-per-guest", action="store_true",
                    help="in each pass, only the first test of each test guest's tests.py that "
                         "the pass does not skip (every guest once, in a few minutes)")
    a = ap.parse_args()
    passes = a.passes.split(",")
    if a.ept_off:
        passes = ["shadow" if p == "ept" else p for p in passes]
    if any(p not in PASSES for p in passes) or len(set(passes)) != len(passes):
        print(f"run.py: --passes {a.passes}: each of {', '.join(PASSES)} at most once",
              file=sys.stderr)
        return 2
    if a.list:
        width = max(len(t) for t in TESTS)
        for t in TESTS:
            skips = "".join(f"  [not in {p}: {why}]" for p, why in SKIP.get(t, {}).items())
            print(f"{t:<{width}}  {WHERE[t]}{skips}")
        return 0
    names = a.only or [t for t in TESTS if t not in OPT_IN]
    unknown = [n for n in names if n not in TESTS]
    if unknown:
        print(f"run.py: unknown test(s): {' '.join(unknown)}; --list shows them", file=sys.stderr)
        return 2
    start = time.monotonic()
    totals = []
    for p in passes:
        pass_start = time.monotonic()
        passed = failed = skipped = 0
        label = p if len(passes) > 1 or p != "ept" else ""
        # Words for every VM line that does not set them: --apicv's, else the pass's.
        words = "apicv=" + a.apicv if a.apicv else PASSES[p].get("vm_words", "")
        if words:
            os.environ[boot.VM_WORDS_ENV] = words
        else:
            os.environ.pop(boot.VM_WORDS_ENV, None)
        os.environ[boot.PASS_EPT_OFF_ENV] = "1" if PASSES[p]["ept_off"] else ""
        os.environ[boot.PASS_MODEL_ENV] = PASSES[p]["model"] or a.model or DEFAULT_MODEL
        todo = one_per_guest(names, p) if a.one_per_guest else names
        with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
            for name, res, why, secs in pool.map(
                    lambda n: run_one(n, a.append, a.keep_logs, p, a.model), todo):
                tag = f"[{label}] " if label else ""
                if res == "pass":
                    passed += 1
                    print(f"PASS {tag}{name} ({secs:.1f} s)", flush=True)
                elif res == "skip":
                    skipped += 1
                    print(f"SKIP {tag}{name}: {why}", flush=True)
                else:
                    failed += 1
                    print(f"FAIL {tag}{name} ({secs:.1f} s): {why}; log in build/test-logs/"
                          f"{name}{suffix(p)}/", flush=True)
        line = (f"system{f' ({label})' if label else ''}: {passed} passed, {failed} failed"
                + (f", {skipped} skipped" if skipped else "")
                + f" in {time.monotonic() - pass_start:.0f} s")
        totals.append((line, failed))
        if len(passes) > 1:
            print(line, flush=True)
    print(f"system tests took {time.monotonic() - start:.0f} s")
    for line, _ in totals:
        print(line)
    return 1 if any(f for _, f in totals) else 0


if __name__ == "__main__":
    sys.exit(main())
