#!/usr/bin/env python3
# tests/bench_linux.py: Debian's Linux under bivisor against the same kernel and
# initramfs under plain QEMU (issue 7, item 4), part of `make bench`. Both run in
# QEMU TCG -cpu max with 2 CPUs: plain QEMU boots the bzImage itself (-kernel), and
# bivisor boots it as a domain with 2 vCPUs. The figure is wall time from QEMU's
# start to the guest's /init marker; the ratio is bivisor's overhead under
# emulation. The exit counts per reason of the bivisor boot come from the line the
# hypervisor prints when the domain ends (the debug console's counters).
import os
import re
import statistics
import subprocess
import sys
import tempfile

from bench_util import serial_boot

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUEST = os.path.join(ROOT, "build", "guest")
MARKER = "GUEST: init reached"
RUNS = 3
CMDLINE = "console=ttyS0 panic=-1"
QEMU = ["qemu-system-x86_64", "-cpu", "max", "-smp", "2", "-m", "1G", "-display", "none",
        "-no-reboot", "-monitor", "none", "-device", "isa-debug-exit,iobase=0xf4,iosize=1"]


def timed_boot(args, log, until_end):
    """Seconds from QEMU's start to the marker (None if never), and the log text."""
    def done(text, found):
        return found is not None and (not until_end or "all domains ended" in text)

    return serial_boot(QEMU + ["-serial", "file:" + log] + args, log, MARKER, done, 300)


def main():
    bz, rd = os.path.join(GUEST, "bzImage"), os.path.join(GUEST, "initrd.gz")
    print()
    print("Linux to its /init marker: bivisor (SVM, 2 vCPUs) against plain QEMU, both TCG\n"
          "-cpu max -smp 2, the same bzImage and initramfs; wall time from QEMU's start,\n"
          "median of %d, taking turns" % RUNS)
    if not (os.path.exists(bz) and os.path.exists(rd)):
        print("  not measured: build/guest is missing (make guest-linux)")
        return 0
    with tempfile.TemporaryDirectory() as d:
        iso = os.path.join(d, "linux.iso")
        subprocess.run([os.path.join(ROOT, "scripts", "mkiso.sh"), iso, "",
                        "%s:name=linux mem=256M vcpus=2 initrd=linux-rd cmdline=\"%s\""
                        % (bz, CMDLINE), "%s:name=linux-rd" % rd], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times, exits = {"bivisor": [], "qemu": []}, None
        for i in range(RUNS):
            log = os.path.join(d, "b%d.log" % i)
            t, text = timed_boot(["-cdrom", iso], log, until_end=(i == 0))
            times["bivisor"].append(t)
            m = re.search(r"domain linux: exits: (.*)", text)
            exits = exits or (m.group(1) if m else None)
            log = os.path.join(d, "q%d.log" % i)
            t, _ = timed_boot(["-kernel", bz, "-initrd", rd, "-append", CMDLINE], log, False)
            times["qemu"].append(t)
    med = {k: statistics.median([t for t in v if t is not None]) if any(v) else None
           for k, v in times.items()}
    for k in ("qemu", "bivisor"):
        runs = ", ".join("%.1f" % t if t is not None else "-" for t in times[k])
        print("  %-8s %6s s   (runs: %s)" % (k, "%.1f" % med[k] if med[k] else "-", runs))
    if med["qemu"] and med["bivisor"]:
        print("  bivisor / plain QEMU: %.2fx (the hypervisor's cost under emulation)"
              % (med["bivisor"] / med["qemu"]))
    print("  exits during the boot to power-off, by reason: %s" % (exits or "not seen"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
