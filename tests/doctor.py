#!/usr/bin/env python3
"""tests/doctor.py: `make doctor`. One line per thing bivisor needs on this
machine, `[ok]`, `[missing]`, `[broken]` or `[info]`, with what to do about
it; then which test platforms `make test` will run, skip or fail, and why
(the runner's own probes, tests/platforms.py). The hosted part (/dev/kvm and
its kind) comes from `bvm doctor` (hosted/doctor.c). Doctor never fails on a
missing part: it reports it and exits 0.
"""
import os
import re
import shutil
import subprocess
import sys

import platforms
from platforms import BUILD, ROOT, run_quiet

TO_ENABLE = {
    "qemu": "install qemu-system-x86 (make deps does)",
    "svm-qemu": "a QEMU whose TCG offers -cpu max with SVM and NPT (Debian 12's 7.2 does)",
    "vmx-bochs": "install bochs, bochsbios and vgabios (make deps does)",
    "uefi-ovmf": "install ovmf (make deps does)",
    "kvm-hosted": "a machine with VT-x or AMD-V (vmx or svm in /proc/cpuinfo) and kvm_intel "
                  "or kvm_amd loaded, /dev/kvm readable and writable by you (group kvm); "
                  "meanwhile its guest tests run in the lab as kvm-lab/NAME",
    "kvm-lab": "make guest-linux and make lab (make test does both)",
    "unit": "install libcmocka-dev and run make unit-tests (make test does)",
}


def line(state, what, detail):
    print("[%s] %s: %s" % (state, what, detail))


def cpu_line():
    try:
        info = open("/proc/cpuinfo").read()
    except OSError as e:
        return line("missing", "CPU", "cannot read /proc/cpuinfo: %s" % e)
    vendor = re.search(r"^vendor_id\s*: (.*)$", info, re.M)
    model = re.search(r"^model name\s*: (.*)$", info, re.M)
    flags = re.search(r"^flags\s*: (.*)$", info, re.M)
    flags = set(flags.group(1).split()) if flags else set()
    virt = [f for f in ("vmx", "svm") if f in flags]
    what = "%s %s" % (vendor.group(1) if vendor else "?", model.group(1) if model else "?")
    if virt:
        return line("ok", "CPU", "%s with %s: bivisor can run on this CPU itself" %
                    (what, virt[0]))
    line("info", "CPU", "%s, no vmx or svm flag: bivisor runs here only inside QEMU "
         "(SVM) and Bochs (VMX); hardware KVM needs one of them" % what)


def bvm_lines():
    """`bvm doctor`'s own lines, the CPU's among them (bvm is built first if
    need be); the CPU and the runner's KVM probe when bvm cannot answer."""
    bvm = os.path.join(BUILD, "bvm")
    subprocess.run(["make", "-s", "build/bvm"], cwd=ROOT, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    rc, out = run_quiet([bvm, "doctor"], timeout=60) if os.path.exists(bvm) else (None, "")
    if rc == 0 and out.strip():
        print(out.rstrip())
        return
    cpu_line()
    p = platforms.kvm_create_vm()
    line(p.state, "/dev/kvm", p.why + " (bvm doctor did not answer, so its kind is not probed)")


def tool_lines():
    v = platforms.qemu_version()
    line("ok" if v else "missing", "QEMU", "qemu-system-x86_64 %s" % v if v else
         "no qemu-system-x86_64: install qemu-system-x86")
    svm = platforms.probe_svm_qemu()
    line(svm.state, "QEMU TCG with SVM+NPT", svm.why)
    bochs = platforms.probe_bochs()
    line(bochs.state, "Bochs with VMX", bochs.why)
    ovmf = os.path.exists(platforms.OVMF)
    line("ok" if ovmf else "missing", "OVMF", platforms.OVMF if ovmf else
         "no %s: install ovmf" % platforms.OVMF)
    for build, what in (("i386-pc", "BIOS"), ("x86_64-efi", "EFI")):
        d = "/usr/lib/grub/" + build
        there = os.path.isdir(d) and shutil.which("grub-mkrescue")
        line("ok" if there else "missing", "GRUB %s build" % what, d if there else
             "no %s or grub-mkrescue: install grub-%s-bin" %
             (d, "pc" if build == "i386-pc" else "efi-amd64"))
    rc, out = run_quiet(["iasl", "-v"])
    m = re.search(r"version (\S+)", out or "")
    line("ok" if rc is not None and m else "missing", "iasl", "ACPI compiler %s" % m.group(1)
         if m and rc is not None else "no iasl: install acpica-tools")
    lab_kernel_line()


def lab_kernel_line():
    try:
        kver = open(os.path.join(BUILD, "guest", "kernel-version")).read().strip()
    except OSError:
        return line("missing", "the lab's kernel", "no build/guest/bzImage: make guest-linux "
                    "downloads Debian's cloud kernel (make test does)")
    kvm = os.path.join(BUILD, "debs", "root", "lib", "modules", kver, "kernel", "arch", "x86",
                       "kvm", "kvm-amd.ko")
    lab = os.path.exists(os.path.join(BUILD, "lab", "initrd.gz"))
    state = "ok" if os.path.exists(kvm) and lab else "missing"
    line(state, "the lab's kernel", "Debian's %s%s%s" % (
        kver, "" if os.path.exists(kvm) else ", but no kvm-amd.ko beside it",
        "" if lab else "; no build/lab/initrd.gz yet: make lab"))


def platform_lines():
    print("test platforms (what make test will do):")
    for name, p in platforms.probe_all().items():
        verdict = {"ok": "run ", "missing": "skip", "broken": "FAIL"}[p.state]
        todo = "" if p.state == "ok" else "; to enable: " + TO_ENABLE[name]
        print("  %s %-10s %s%s" % (verdict, name, p.why, todo))


def main():
    print("bivisor doctor: what this machine offers for building, running and testing")
    bvm_lines()
    tool_lines()
    platform_lines()
    return 0


if __name__ == "__main__":
    sys.exit(main())
