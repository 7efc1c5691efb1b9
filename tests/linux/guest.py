# SPDX-License-Identifier: GPL-2.0
"""Debian's own kernel and a busybox initramfs for the Linux guest tests, cached in build/linux/.

The kernel is whatever version Debian's archive serves for linux-image-cloud-amd64 today (its
dependency linux-image-6.*-cloud-amd64 holds the file); nothing pins a version. Packages are
fetched with `apt-get download` and unpacked with `dpkg -x`, never installed; a second run uses
the cache.
"""
import glob
import os
import shutil
import subprocess
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.path.join(ROOT, "build", "linux")
META = "linux-image-cloud-amd64"
_fetching = threading.Lock()  # tests build their ISOs in parallel threads: one fetch at a time


class FetchFailed(Exception):
    pass


def _run(cmd, cwd=None):
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return r.returncode, r.stdout


def _download(pkg, where):
    """The .deb of pkg in where; apt's lists are updated once if they do not know it."""
    os.makedirs(where, exist_ok=True)
    found = glob.glob(os.path.join(where, glob.escape(pkg) + "_*.deb"))
    if found:
        return found[0]
    rc, out = _run(["apt-get", "download", pkg], cwd=where)
    if rc != 0:
        _run(["apt-get", "update", "-q"])
        rc, out = _run(["apt-get", "download", pkg], cwd=where)
    found = glob.glob(os.path.join(where, glob.escape(pkg) + "_*.deb"))
    if rc != 0 or not found:
        raise FetchFailed(f"apt-get download {pkg} failed: {out.strip()[-300:]}")
    return found[0]


def _depends(deb, prefix):
    """The dependency of a .deb whose name starts with prefix (the versioned kernel package)."""
    rc, out = _run(["dpkg-deb", "-f", deb, "Depends"])
    if rc != 0:
        raise FetchFailed(f"dpkg-deb -f {deb}: {out.strip()}")
    for dep in out.replace("|", ",").split(","):
        name = dep.strip().split(" ")[0]
        if name.startswith(prefix):
            return name
    raise FetchFailed(f"{os.path.basename(deb)} depends on no {prefix}*: {out.strip()}")


def kernel():
    """Path of Debian's cloud kernel (vmlinuz), fetched once."""
    with _fetching:
        return _kernel()


def _kernel():
    link = os.path.join(CACHE, "vmlinuz")
    if os.path.exists(link):
        return link
    debs = os.path.join(CACHE, "debs")
    pkg = _depends(_download(META, debs), "linux-image-")
    tree = os.path.join(CACHE, "kernel-tree")
    shutil.rmtree(tree, ignore_errors=True)
    rc, out = _run(["dpkg-deb", "-x", _download(pkg, debs), tree])
    images = glob.glob(os.path.join(tree, "boot", "vmlinuz-*"))
    if rc != 0 or len(images) != 1:
        raise FetchFailed(f"no single vmlinuz in {pkg}: {out.strip()}")
    shutil.copy(images[0], link + ".tmp")
    os.rename(link + ".tmp", link)
    shutil.rmtree(tree, ignore_errors=True)
    return link


def busybox():
    """Path of Debian's busybox-static binary, fetched once."""
    with _fetching:
        return _busybox()


def _busybox():
    path = os.path.join(CACHE, "busybox")
    if os.path.exists(path):
        return path
    tree = os.path.join(CACHE, "busybox-tree")
    shutil.rmtree(tree, ignore_errors=True)
    rc, out = _run(["dpkg-deb", "-x", _download("busybox-static", os.path.join(CACHE, "debs")),
                    tree])
    if rc != 0 or not os.path.exists(os.path.join(tree, "bin", "busybox")):
        raise FetchFailed(f"no bin/busybox in busybox-static: {out.strip()}")
    shutil.copy(os.path.join(tree, "bin", "busybox"), path + ".tmp")
    os.rename(path + ".tmp", path)
    shutil.rmtree(tree, ignore_errors=True)
    return path


def workload():
    """Path of the TLB-shootdown workload (tests/linux/tlbstorm.c), built static."""
    src = os.path.join(ROOT, "tests", "linux", "tlbstorm.c")
    out = os.path.join(CACHE, "tlbstorm")
    with _fetching:
        if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
            os.makedirs(CACHE, exist_ok=True)
            rc, log = _run(["gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-pthread",
                            "-o", out + ".tmp", src])
            if rc != 0:
                raise FetchFailed(f"building tlbstorm failed: {log.strip()}")
            os.rename(out + ".tmp", out)
    return out


def initrd(out, init_script, extra=()):
    """An uncompressed newc cpio archive at out: busybox, /init (the script), extra files.

    extra: (path in the archive, file) pairs. Uncompressed: Bochs runs the kernel's gunzip at
    a few million instructions a second, and the archive is small.
    """
    tree = out + ".d"
    shutil.rmtree(tree, ignore_errors=True)
    for d in ("bin", "dev", "proc", "sys", "tmp"):
        os.makedirs(os.path.join(tree, d))
    shutil.copy(busybox(), os.path.join(tree, "bin", "busybox"))
    os.symlink("busybox", os.path.join(tree, "bin", "sh"))
    with open(os.path.join(tree, "init"), "w") as f:
        f.write(init_script)
    os.chmod(os.path.join(tree, "init"), 0o755)
    for dest, src in extra:
        full = os.path.join(tree, dest.lstrip("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        shutil.copy(src, full)
    files = sorted(os.path.relpath(os.path.join(d, n), tree)
                   for d, dirs, names in os.walk(tree) for n in dirs + names)
    with open(out, "wb") as f:
        r = subprocess.run(["cpio", "--quiet", "-o", "-H", "newc", "--owner=0:0"], cwd=tree,
                           input="\n".join(files) + "\n", text=True,
                           stdout=f, stderr=subprocess.PIPE)
    shutil.rmtree(tree, ignore_errors=True)
    if r.returncode != 0:
        raise FetchFailed(f"cpio failed: {r.stderr.strip()}")
    return out
