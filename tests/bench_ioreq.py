#!/usr/bin/env python3
# tests/bench_ioreq.py: the ioreq round trip (issue 14, item 5), part of
# `make bench`. The service guest (guest-tools/svc.c, role=service) runs the
# exitloop guest as its client and forwards the client's port 0x700
# (fwdport=1792); exitloop (fwd=1) times OUTs to port 0x80, which bivisor
# answers itself, and OUTs to port 0x700, each of which blocks the client's
# vCPU, wakes svc through its event channel, is answered in the ioreq page and
# resumes the client after svc's NOTIFY. The table gives ns per OUT of each,
# on SVM in QEMU TCG and on VMX in Bochs: the price of a Type-1 design's hop
# through a service guest. Two vCPUs, so svc and its client each have one.
import statistics
import sys

from bench_util import (BOCHS_IPS, EXITLOOP, BenchError, exitloop_once, fmt_num,  # noqa: E402
                        fmt_ratio, print_table, svc_modules)

COUNT = 2000  # each of the loops; a forwarded OUT costs thousands of emulated instructions
RUNS = 3
MODULES = svc_modules(EXITLOOP, "count=%d fwd=1" % COUNT, "fwdport=1792")
PLATFORMS = (
    ("bivisor in QEMU TCG (SVM)", "qemu",
     {"qemu": "-smp 2 -m 256M", "cmdline": "loglevel=warn", "modules": MODULES}, 120),
    ("bivisor in Bochs (VMX)", "bochs",
     {"cpus": "2", "cmdline": "loglevel=warn tsc=pit", "modules": MODULES}, 600),
)


def measure(kind, test, timeout):
    """RUNS runs: the median ns per in-hypervisor OUT and per forwarded OUT, or why not."""
    pio, fwd, notes = [], [], []
    for i in range(RUNS):
        try:
            cycles, khz = exitloop_once(test, timeout, kind)
        except BenchError as e:
            notes.append("run %d of %d: %s" % (i + 1, RUNS, e))
            continue
        if not khz or "fwd" not in cycles:
            notes.append("run %d of %d: no %s" % (i + 1, RUNS,
                                                  "TSC rate" if not khz else "'fwd' line"))
            continue
        pio.append(cycles["pio"] * 1e6 / khz)
        fwd.append(cycles["fwd"] * 1e6 / khz)
    if not pio:
        return None, notes
    return (statistics.median(pio), statistics.median(fwd), len(pio)), notes


def main():
    rows = [["", "OUT in bivisor, ns", "OUT through svc, ns", "ratio", "runs"]]
    notes = []
    for title, kind, test, timeout in PLATFORMS:
        figures, why = measure(kind, test, timeout)
        notes += ["%s, %s" % (title, n) for n in why]
        if not figures:
            rows.append([title, "failed (see below)"])
            continue
        pio, fwd, runs = figures
        rows.append([title, fmt_num(pio), fmt_num(fwd), fmt_ratio(fwd / pio), "%d" % runs])
    print()
    print("ioreq round trip: ns per OUT, exitloop as svc's client timing %d OUTs to port 0x80\n"
          "(answered inside bivisor) and %d to port 0x700 (forwarded to the service guest);\n"
          "median of %d runs, 2 vCPUs" % (COUNT, COUNT, RUNS))
    print_table(rows)
    print("  Bochs's ns are its emulated time, %d instructions per emulated second (ips=)."
          % BOCHS_IPS)
    for n in notes:
        print("  " + n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
