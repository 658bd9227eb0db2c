#!/usr/bin/env python3
# tests/bench_balloon.py: the time to inflate a Linux guest's balloon by 128 MiB
# and to deflate it again, part of `make bench` (issue 18, item 6;
# docs/memory.md). Debian's kernel and the test initramfs, 256 MiB, its own
# virtio_balloon driver. bivisor: a Type-1 domain with balloon=256M on SVM in
# QEMU TCG, the target moved by debug keys (b1,128m at 40 s, b1,256m at 70 s);
# bvm, in the same run: `bvm create` and `bvm mem-set` in the nested-KVM lab
# (tests/lab/balloon-time.sh). The device model (drivers/virtio_balloon.c)
# logs when the driver reached each target and how long after it was set.
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_util import BenchError, guest_once, lab_script_once, print_table  # noqa: E402

KEYS_S = (40, 70)
# No panic=-1 (bench_util.guest_once fails a log that says "panic"; bivisor prints
# each module's command line).
TEST = {
    "qemu": "-smp 2 -m 1G",
    "cmdline": "keys=%d:b1,128m/%d:b1,256m" % (KEYS_S[0] * 1000, KEYS_S[1] * 1000),
    "modules": "'build/guest/bzImage:name=linux mem=256M balloon=256M initrd=rd "
               "cmdline=\"console=ttyS0 quiet hold=100\"' build/guest/initrd.gz:name=rd",
}
LAB_TEST = {"name": "balloon-time-bench", "lab-script": "tests/lab/balloon-time.sh",
            "timeout": "500", "exit": "0", "expect": "LAB: done", "reject": "LAB: FAIL"}
REACHED = re.compile(r"balloon at its target of (\d+) pages \(\d+ MiB\), (\d+) ms after")


def times(text):
    """{pages: ms} of the model's lines in text."""
    return {int(m.group(1)): int(m.group(2)) for m in REACHED.finditer(text)}


def bivisor_times():
    try:
        text = guest_once(TEST, 400)
    except BenchError as e:
        return str(e)
    up = text.find("[linux] GUEST: init reached")
    key = text.find("balloon target 128 MiB")
    if up < 0 or key < 0 or up > key:
        return "the guest's init did not run before the first key (%d s)" % KEYS_S[0]
    return times(text)


def bvm_times():
    try:
        return times(lab_script_once(LAB_TEST, 91))
    except BenchError as e:
        return str(e)


def row(name, got):
    if isinstance(got, str):
        return [name, got]
    cell = [("%d ms" % got[p]) if p in got else "not reached" for p in (32768, 0)]
    return [name] + cell


def main():
    rows = [["", "inflate 256 -> 128 MiB", "deflate 128 -> 256 MiB"],
            row("bivisor in QEMU TCG (SVM), in the hypervisor", bivisor_times()),
            row("bvm in the lab (nested KVM)", bvm_times())]
    print()
    print("balloon: a Linux guest of 256 MiB with Debian's virtio_balloon driver, the\n"
          "time from the host moving the target to the driver reporting it reached\n"
          "(`actual` = `num_pages`; drivers/virtio_balloon.c logs it)")
    print_table(rows)
    print("  Both are emulated machines on this host; the driver gives or takes 256 pages\n"
          "  per request, so the figure is mostly the guest's own work and its exits.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
