# SPDX-License-Identifier: GPL-2.0
"""The pv-deadline guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403
import re


def check_pv_deadline(log):
    """Kestrel's own count of TSC-deadline writes: far fewer than re-arms lazily, all of them
    plainly; and the guest's count agrees."""
    writes = [int(x) for x in re.findall(r"^  pv: IPI calls \d+ \(targets \d+\), TSC-deadline "
                                         r"writes (\d+)", log, re.M)]
    if len(writes) < 4:
        raise CheckFailed(f"expected 4 statistics tables around the modes, got {len(writes)}")
    for mode, delta in (("lazy", writes[1] - writes[0]), ("plain", writes[3] - writes[2])):
        expect(log, rf"^dl: TEST pv-deadline-{mode}: PASS$", f"pv-deadline-{mode} passing")
        m = expect(log, rf"^dl: pv-deadline: mode {mode} +\d+ cpus: (\d+) re-arms, (\d+) "
                   r"TSC-deadline writes", f"mode {mode}'s figures")
        rearms, guest = int(m.group(1)), int(m.group(2))
        print(f"  vm-pv-deadline: {mode}: {rearms} re-arms, {delta} TSC-deadline exits "
              f"(the guest counted {guest})", flush=True)
        if delta < guest or delta > guest + 64:
            raise CheckFailed(f"{mode}: Kestrel counted {delta} writes, the guest {guest}")
        if mode == "lazy" and delta * 10 >= rearms:
            raise CheckFailed(f"lazy: {delta} exits for {rearms} re-arms")
        if mode == "plain" and delta < rearms:
            raise CheckFailed(f"plain: {delta} exits for {rearms} re-arms")


TESTS = {
    "vm-pv-deadline": ("bochs", 2, {"modules": [vm_line(
        "pv-deadline", "vm=dl vcpus=3 mem=32M debug=on -- cpus=3")]},
        all_of(vm_passed("dl"), no_panic_and_end, check_pv_deadline)),
}
