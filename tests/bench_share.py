#!/usr/bin/env python3
# tests/bench_share.py: the cost of one copy-on-write break of a shared page
# (issue 18, item 6; docs/memory.md), part of `make bench`. Two domains of
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
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_util import BOCHS_IPS, COMMANDS, fmt_num, print_table  # noqa: E402
import run  # noqa: E402  (the runner's emulator commands and log reader)

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
BENCH_LINE = re.compile(r"share: bench: (\d+) cycles per CoW break \((\d+) pages\), tsc (\d+) kHz")


def run_once(kind, test, timeout):
    """One boot: the ns per CoW break each domain printed, or a reason string."""
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "serial.log")
        try:
            cmd = COMMANDS[kind](dict(test, platform="bench"), log)
        except subprocess.CalledProcessError as e:
            return "could not build the boot image (%s)" % e
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        if p.poll() is None:
            p.kill()
        p.wait()
        text = "\n".join(run.read_lines(log))
    found = [int(m.group(1)) * 1e6 / int(m.group(3)) for m in BENCH_LINE.finditer(text)]
    if "FAIL:" in text or "crashed" in text or not found:
        return "no bench line, or a failure, within %d s" % timeout
    return found


def main():
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
