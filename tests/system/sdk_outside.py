# SPDX-License-Identifier: GPL-2.0
"""The installed SDK, used from outside the tree as an OS author would."""
from checks import *  # noqa: F401,F403
import os
import shutil
import subprocess
import tempfile


def run(cmd, cwd=None, env=None, what=None):
    """Runs cmd; a failure is a CheckFailed that quotes what the command said."""
    r = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if r.returncode:
        out = "\n    ".join(r.stdout.strip().splitlines()[-12:])
        raise CheckFailed(f"{what or ' '.join(cmd)} failed (status {r.returncode}):\n    {out}")
    return r.stdout


def sdk_outside_iso(path):
    tmp = tempfile.mkdtemp(prefix="kestrel-sdk-outside-")
    try:
        sdk_outside_build(tmp, path)
    except CheckFailed as e:
        raise CheckFailed(f"{e}\n  (files kept in {tmp})")
    shutil.rmtree(tmp, ignore_errors=True)
    return path


def sdk_outside_build(tmp, path):
    """What an OS author does outside this tree, with the installed SDK alone: install Kestrel
    and the SDK, build the example guest with pkg-config's flags (-Werror, fatal link warnings,
    and a stack protector on by default as some toolchains have it), check its stack is not
    executable, make the ISO with the installed kestrel-mkiso."""
    prefix = os.path.join(tmp, "prefix")
    run(["make", "-s", "-C", ROOT, "install", f"PREFIX={prefix}"], what="make install")
    # Nothing of the tree from here on: a clean environment and the installed files only.
    env = {"PATH": os.path.join(prefix, "bin") + ":/usr/bin:/bin", "HOME": tmp,
           "PKG_CONFIG_PATH": os.path.join(prefix, "lib", "pkgconfig")}
    src = os.path.join(tmp, "hello")
    shutil.copytree(os.path.join(prefix, "share", "kestrel", "examples", "hello"), src)
    cflags = run(["pkg-config", "--cflags", "kestrel-rt"], env=env).split()
    libs = run(["pkg-config", "--libs", "kestrel-rt"], env=env).split()
    run(["gcc", "-fstack-protector-strong", "-O2", "-g", "-Wall", "-Wextra", "-Werror"] + cflags +
        ["-c", "hello.c", "-o", "hello.o"], cwd=src, env=env, what="compiling hello.c")
    run(["gcc", "-Wl,--fatal-warnings", "-o", "hello.elf", "hello.o"] + libs, cwd=src, env=env,
        what="linking hello.elf")
    stack = [line.split() for line in run(["readelf", "-lW", "hello.elf"], cwd=src,
                                          env=env).splitlines() if "GNU_STACK" in line]
    if not stack:
        raise CheckFailed("hello.elf has no GNU_STACK program header")
    flags = "".join(stack[0][6:-1])  # type, offset, addresses, sizes, flags, alignment
    if "E" in flags:
        raise CheckFailed(f"hello.elf's stack is executable (GNU_STACK {flags})")
    # The example's own Makefile, as shipped, builds it the same way.
    shutil.copytree(os.path.join(prefix, "share", "kestrel", "examples", "hello"), src + "-make")
    run(["make", "-s", "-C", src + "-make"], env=env, what="the example's Makefile")
    # kestrel-mkiso refuses bad input with a message that names it.
    for args, says in ((["--vm", "name=x vcpus=0", "hello.elf"], "vcpus=0: must be 1 to 16384"),
                       (["--vm", "name=x mem=3M", "hello.elf"], "must be a multiple of 2 MiB"),
                       (["--vm", "name=x cpu=1", "hello.elf"], "unknown word 'cpu=1'"),
                       (["--vm", "name=x ept=maybe", "hello.elf"],
                        "ept=maybe: must be on or off"),
                       (["--vm", "name=x", "nothere.elf"], "'nothere.elf' does not exist"),
                       (["--vm", "name=x", "hello.c"], "is not a multiboot kernel"),
                       (["--kestrel", "hello.elf", "--vm", "name=x", "hello.elf"],
                        "is not Kestrel's kestrel.elf")):
        r = subprocess.run(["kestrel-mkiso"] + args + ["-o", "x.iso"], cwd=src, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 1 or says not in r.stdout:
            raise CheckFailed(f"kestrel-mkiso {' '.join(args)}: status {r.returncode}, "
                              f"expected 1 and {says!r}; it said {r.stdout.strip()!r}")
    run(["kestrel-mkiso", "--vm", "name=hello vcpus=2 mem=16M -- cpus=2", "hello.elf",
         "-o", path], cwd=src, env=env, what="kestrel-mkiso")


def check_sdk_outside(log):
    expect(log, r"^hello: hello: on Kestrel, ABI 2, 2 vCPUs, lazy deadline yes$",
           "the example finding Kestrel and its lazy deadline")
    expect(log, r"^hello: TEST hello-deadline: PASS$", "hello-deadline passing")
    expect(log, r"^hello: hello: 2 cpus each took one deadline interrupt$", "both vCPUs' timers")


TESTS = {
    "sdk-outside": ("bochs", 2, {"iso": sdk_outside_iso},
                    all_of(vm_passed("hello"), no_panic_and_end, check_sdk_outside)),
}

# The passes without EPT (tests/system/run.py --passes): the ISO is kestrel-mkiso's own, with
# the VM line it writes; what it tests (the installed SDK, pkg-config, the ISO) has no paging.
EPT_ONLY = {"sdk-outside": "boots the ISO the installed kestrel-mkiso made: no line to change"}
