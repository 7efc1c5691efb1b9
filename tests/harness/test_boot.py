#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The harness's own tests: which QEMU accelerator boot.py picks, from crafted host files."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boot  # noqa: E402

INTEL = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Gold 6142 CPU @ 2.60GHz
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic vmx ept vpid
"""
INTEL_NO_VMX = INTEL.replace(" vmx", "")
AMD = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic hypervisor
"""
# An AMD host whose CPU offers SVM: still no VMX for a guest.
AMD_SVM = AMD.replace("hypervisor", "svm")
# A vmx-looking word that is not the flag.
INTEL_VMX_WORD = INTEL.replace(" vmx", " vmxfoo")


class Host:
    """A crafted host: /dev/kvm (present or not), /proc/cpuinfo and kvm_intel's nested."""

    def __init__(self, cpuinfo, nested=None, kvm=True):
        self.dir = tempfile.TemporaryDirectory()
        self.kvm = os.path.join(self.dir.name, "kvm")
        if kvm:
            open(self.kvm, "w").close()
        self.cpuinfo = os.path.join(self.dir.name, "cpuinfo")
        with open(self.cpuinfo, "w") as f:
            f.write(cpuinfo)
        self.nested = os.path.join(self.dir.name, "nested")
        if nested is not None:
            with open(self.nested, "w") as f:
                f.write(nested + "\n")

    def accel(self):
        return boot.qemu_accel(self.kvm, self.cpuinfo, self.nested)

    def close(self):
        self.dir.cleanup()


class QemuAccel(unittest.TestCase):
    def check(self, host, want, reason_part):
        try:
            accel, why = host.accel()
        finally:
            host.close()
        self.assertEqual(accel, want, why)
        self.assertIn(reason_part, why)

    def test_intel_nested_y(self):
        self.check(Host(INTEL, "Y"), "kvm", "nested VMX on")

    def test_intel_nested_1(self):
        self.check(Host(INTEL, "1"), "kvm", "nested VMX on")

    def test_intel_nested_off(self):
        self.check(Host(INTEL, "N"), "tcg", "nested VMX is off")

    def test_intel_nested_0(self):
        self.check(Host(INTEL, "0"), "tcg", "nested VMX is off")

    def test_intel_without_kvm_intel(self):
        self.check(Host(INTEL, None), "tcg", "kvm_intel not loaded")

    def test_intel_without_vmx_flag(self):
        self.check(Host(INTEL_NO_VMX, "Y"), "tcg", "vmx flag")

    def test_intel_vmx_must_be_a_whole_flag(self):
        self.check(Host(INTEL_VMX_WORD, "Y"), "tcg", "vmx flag")

    def test_amd_with_dev_kvm(self):
        self.check(Host(AMD, "Y"), "tcg", "AuthenticAMD, not Intel")

    def test_amd_with_svm(self):
        self.check(Host(AMD_SVM), "tcg", "AuthenticAMD")

    def test_no_dev_kvm(self):
        self.check(Host(INTEL, "Y", kvm=False), "tcg", "does not exist")

    def test_unreadable_cpuinfo(self):
        h = Host(INTEL, "Y")
        os.unlink(h.cpuinfo)
        self.check(h, "tcg", "cannot be read")

    def test_this_host_answers(self):
        accel, why = boot.qemu_accel()
        self.assertIn(accel, ("kvm", "tcg"))
        self.assertTrue(why)


class VmWords(unittest.TestCase):
    """run.py --apicv: extra words go on the lines that define a VM, before their "--"."""

    def test_before_the_guest_command_line(self):
        self.assertEqual(boot.with_vm_words("vm=a vcpus=2 -- x=1", "apicv=off"),
                         "vm=a vcpus=2 apicv=off -- x=1")

    def test_without_a_guest_command_line(self):
        self.assertEqual(boot.with_vm_words("vm=a mem=16M", "apicv=off"), "vm=a mem=16M apicv=off")

    def test_extra_module_line_unchanged(self):
        self.assertEqual(boot.with_vm_words("vm=a", "apicv=off"), "vm=a")

    def test_a_line_that_sets_the_word_keeps_it(self):
        self.assertEqual(boot.with_vm_words("vm=a apicv=on -- y", "apicv=off"),
                         "vm=a apicv=on -- y")

    def test_the_guest_command_line_does_not_count(self):
        self.assertEqual(boot.with_vm_words("vm=a -- apicv=on", "apicv=off"),
                         "vm=a apicv=off -- apicv=on")


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=0).result
    bad = len(result.failures) + len(result.errors)
    print(f"harness: {result.testsRun - bad} passed, {bad} failed")
    sys.exit(1 if bad else 0)
