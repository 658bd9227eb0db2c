#!/usr/bin/env python3
# tests/bench_share.py: page sharing in `make bench` (issue 18, item 6;
# docs/memory.md): the memory four Linux domains booted from the same kernel
# save, and the cost of one copy-on-write break of a shared page.
#
# Four Linux domains: Debian's kernel and the test initramfs, 128 MiB and
# share=1 each, held up (hold=) while the debug key 'm' prints the sharing
# totals every 10 s; the table has the most frames saved seen while all four
# ran, on SVM in QEMU TCG. The peer, in the same run: the same four guests
# under bvm in the nested-KVM lab, with KSM off and on (tests/lab/share-linux.sh).
#
# CoW break: two domains of
# guest-tools/share.c with share=1 and bench=1 wait until their common pages
# are merged, then each times the first writes to its slice of 32 pages
# (each a nested page fault that bivisor answers with a fresh frame and a
# copy, kernel/share.c:share_break) against the same writes again, and
# prints the difference per merged page. The table gives ns per CoW break,
# the median over the domains of RUNS runs, on SVM in QEMU TCG and on VMX in
# Bochs (Bochs's ns are its emulated time). Two CPUs, one per domain, so the
# other domain does not run inside the timed writes; the scanner's batches
# that ride on those exits (at most 200 us a millisecond) are in the figure.
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_util import (BOCHS_IPS, BenchError, fmt_num, guest_once, lab_script_once,  # noqa: E402
                        print_table)

RUNS = 3
SHARE = "build/guests/share.elf"
MODULES = " ".join("'%s:name=share%d mem=4M share=1 cmdline=\"slot=%d bench=1\"'" % (SHARE, i, i)
                   for i in range(2))
PLATFORMS = (
    ("bivisor in QEMU TCG (SVM)", "qemu",
     {"qemu": "-smp 2 -m 256M", "cmdline": "loglevel=warn", "modules": MODULES}, 180),
    ("bivisor in Bochs (VMX)", "bochs",
     {"cpus": "2", "cmdline": "loglevel=warn", "modules": MODULES}, 600),
)
LINUX_DOMAINS = 4
LINUX_MIB = 128
LINUX_HOLD_S = 90
LINUX_TIMEOUT = 400
# No panic=-1 on the guests' command lines: bench_util.guest_once fails a run whose
# serial output says "panic" anywhere, and bivisor prints each module's line.
LINUX_TEST = {
    "qemu": "-smp 2 -m 1G",
    "cmdline": "keys=" + "/".join("%d:m" % (t * 1000) for t in range(20, 400, 10)),
    "modules": " ".join(
        "'build/guest/bzImage:name=linux%d mem=%dM share=1 initrd=rd "
        "cmdline=\"console=ttyS0 hold=%d\"'" % (i, LINUX_MIB, LINUX_HOLD_S)
        for i in range(LINUX_DOMAINS)) + " build/guest/initrd.gz:name=rd",
}
LINUX_SAVED = re.compile(r"^sharing: \d+ pages scanned, \d+ shared in \d+ frames, (-?\d+) frames saved",
                         re.M)
LAB_TEST = {"name": "share-linux-bench", "lab-script": "tests/lab/share-linux.sh",
            "timeout": "600", "exit": "0", "expect": "LAB: bench: ; LAB: done",
            "reject": "LAB: FAIL"}
LAB_LINE = re.compile(r"LAB: bench: rss_kib=(\d+) (?:pages_sharing=(\d+) )?ksm=(on|off)")
BENCH_LINE = re.compile(r"share: bench: (\d+) cycles per CoW break \((\d+) pages\), tsc (\d+) kHz")


def run_once(kind, test, timeout):
    """One boot: the ns per CoW break each domain printed, or a reason string."""
    try:
        text = guest_once(test, timeout, kind)
    except BenchError as e:
        return str(e)
    found = [int(m.group(1)) * 1e6 / int(m.group(3)) for m in BENCH_LINE.finditer(text)]
    return found or "no bench line within %d s" % timeout


def linux_sharing():
    """Four Linux domains: the most frames saved while all ran, or a reason string."""
    try:
        text = guest_once(LINUX_TEST, LINUX_TIMEOUT)
    except BenchError as e:
        return str(e)
    up = [text.find("[linux%d] GUEST: init reached" % i) for i in range(LINUX_DOMAINS)]
    first_end = min([p for p in (text.find("domain linux%d: exited" % i)
                                 for i in range(LINUX_DOMAINS)) if p >= 0] or [len(text)])
    if min(up) < 0:
        return "not every Linux domain reached its init within %d s" % LINUX_TIMEOUT
    saved = [int(m.group(1)) for m in LINUX_SAVED.finditer(text, max(up), first_end)]
    if not saved:
        return "no sharing totals while all %d domains ran" % LINUX_DOMAINS
    return max(saved)


def lab_sharing():
    """The same four guests under bvm in the lab (tests/lab/share-linux.sh): the RSS
    they hold with KSM off, and with it on less what KSM saved, in KiB; or a reason."""
    try:
        found = {m.group(3): m for m in LAB_LINE.finditer(lab_script_once(LAB_TEST, 90))}
    except BenchError as e:
        return str(e)
    if set(found) != {"on", "off"}:
        return "no bench lines from the lab"
    saved = int(found["on"].group(2)) * 4
    return int(found["off"].group(1)), int(found["on"].group(1)) - saved, saved


def linux_table():
    ram = LINUX_DOMAINS * LINUX_MIB
    head = ["", "MiB given", "MiB held", "MiB saved by sharing"]
    rows = [head]
    got = linux_sharing()
    name = "bivisor in QEMU TCG (SVM), share=1"
    if isinstance(got, str):
        rows.append([name, got])
    else:
        rows.append([name, "%d" % ram, fmt_num(ram - got / 256), fmt_num(got / 256)])
    lab = lab_sharing()
    if isinstance(lab, str):
        rows.append(["bvm in the lab, KSM", lab])
    else:
        rows.append(["bvm in the lab, KSM off", "%d" % ram, fmt_num(lab[0] / 1024), "0"])
        rows.append(["bvm in the lab, KSM on", "%d" % ram, fmt_num(lab[1] / 1024),
                     fmt_num(lab[2] / 1024)])
    print()
    print("page sharing: %d Linux domains booted from the same kernel and initramfs,\n"
          "%d MiB each, held up: the host memory they hold, and what sharing saved\n"
          "(bivisor: the most frames saved seen while all ran, debug key 'm' every 10 s;\n"
          "bvm: the four processes' RSS, less KSM's pages_sharing, its best in 60 s)"
          % (LINUX_DOMAINS, LINUX_MIB))
    print_table(rows)
    print("  bivisor gives each domain all its frames at start, and merges the untouched\n"
          "  (zero) ones; bvm's RSS counts only the pages its guest touched, and KSM\n"
          "  merges those (zero pages too: use_zero_pages is off).")


def main():
    linux_table()
    rows = [["", "ns per CoW break", "samples"]]
    notes = []
    for title, kind, test, timeout in PLATFORMS:
        samples = []
        for i in range(RUNS):
            got = run_once(kind, test, timeout)
            if isinstance(got, str):
                notes.append("%s, run %d of %d: %s" % (title, i + 1, RUNS, got))
            else:
                samples += got
        if samples:
            rows.append([title, fmt_num(statistics.median(samples)), "%d" % len(samples)])
        else:
            rows.append([title, "failed (see below)"])
    print()
    print("page sharing: the cost of one copy-on-write break (a write to a merged page:\n"
          "nested page fault, a fresh frame, a 4 KiB copy, remap), share.c's first writes\n"
          "to 32 merged pages less the same writes again (the scanner's batches on those\n"
          "exits included); median over 2 domains x %d runs, one CPU each"
          % RUNS)
    print_table(rows)
    print("  Bochs's ns are its emulated time, %d instructions per emulated second (ips=)."
          % BOCHS_IPS)
    for n in notes:
        print("  " + n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
