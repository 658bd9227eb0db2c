#!/usr/bin/env python3
"""tests/bench.py: `make bench`. Boot-time figures of the Type-1 kernel.

For -smp 1 and -smp 4 (QEMU TCG -cpu max, 512 MiB), boots the GRUB ISO five
times and prints the median wall time from starting QEMU to the serial line
"N CPUs online". Then the exit-cost table (issues 4 and 5): the exitloop
guest (guest-tools/exitloop.c) times 100,000 CPUIDs and 100,000 OUTs to port
0x80 on each platform of EXIT_PLATFORMS (QEMU TCG and Bochs, each without a
hypervisor and under bivisor, then bvm), and the table shows ns per operation,
the median of three runs, and each hypervisor's ratio to its own emulator's
run without one. Then tests/bench_ioreq.py: the ioreq round trip through the
service guest beside a port exit answered in bivisor (issue 14). Then tests/bench_bvm.py: bvm on this machine's /dev/kvm
against QEMU -accel kvm and a raw KVM_RUN loop (tests/bench/kvm_raw.c), issue
3 item 6: (a) VM start, (b) exit round trip, (c) virtio-blk sequential reads,
(d) Linux in the lab; each prints its goal and whether this run met it. Last,
the scheduler (tests/bench_sched.py), Linux (tests/bench_linux.py) and the
Linux service guest against Xen 4.17 (tests/bench_xen.py), and page sharing:
the memory four Linux domains from the same kernel save, and the cost of one
copy-on-write break (tests/bench_share.py), and the time to inflate a Linux
guest's balloon by 128 MiB (tests/bench_balloon.py). Arguments name the parts
to run alone: boot exits ioreq bvm sched linux xen share balloon. What
they share is in tests/bench_util.py. Figures, not pass/fail: speed goals
live here, never in timed tests.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_bvm  # noqa: E402  (bvm against QEMU on /dev/kvm)
import bench_ioreq  # noqa: E402  (the service guest's ioreq round trip)
import bench_linux  # noqa: E402  (Linux under bivisor against plain QEMU)
import bench_sched  # noqa: E402  (the scheduler's fairness table)
import bench_balloon  # noqa: E402  (the time to inflate a balloon by 128 MiB)
import bench_share  # noqa: E402  (the cost of one copy-on-write break)
import bench_xen  # noqa: E402  (the Linux service guest against Xen 4.17)
from bench_util import (BOCHS_IPS, EXIT_OPS, EXIT_RUNS, EXITLOOP, BenchError,  # noqa: E402
                        ExitColumn, exit_convert, exit_samples_column, exitloop_once,
                        fmt_num, print_table)
import run  # noqa: E402  (the test runner's ISO builder)

RUNS = 5


def boot_time(iso, smp):
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "serial.log")
        cmd = ["qemu-system-x86_64", "-cpu", "max", "-smp", str(smp), "-m", "512M",
               "-display", "none", "-no-reboot", "-monitor", "none", "-serial", "file:" + log,
               "-device", "isa-debug-exit,iobase=0xf4,iosize=1", "-cdrom", iso]
        want = "%d CPUs online" % smp
        start = time.monotonic()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        found = None
        while time.monotonic() - start < 120 and found is None:
            if os.path.exists(log) and want in open(log, errors="replace").read():
                found = time.monotonic() - start
                break
            if p.poll() is not None:
                break
            time.sleep(0.01)
        p.kill()
        p.wait()
        return found


def boot_times():
    iso = run.make_iso({"cmdline": "loglevel=warn"})
    print("bivisor boot time, QEMU start to 'N CPUs online' (TCG -cpu max, 512 MiB, "
          "median of %d)" % RUNS)
    for smp in (1, 4):
        times = [boot_time(iso, smp) for _ in range(RUNS)]
        ok = [t for t in times if t is not None]
        if len(ok) < RUNS:
            print("  -smp %d: %d of %d boots did not reach the line" % (smp, RUNS - len(ok), RUNS))
        if ok:
            print("  -smp %d: %.2f s (min %.2f, max %.2f)" % (smp, statistics.median(ok),
                                                            min(ok), max(ok)))


# Exit cost (issue 4, item 6; issue 5, item 5): the same guest on every
# platform, one table. A platform is a runner function returning an
# ExitColumn; bvm's rows are filled by replacing their runners with real ones
# (they may use exit_column). QEMU TCG and Bochs run guests at very different
# speeds, so each hypervisor's figures are divided by the same loop run in the
# same emulator without a hypervisor (its column's `base`).

PLAIN_QEMU = "plain QEMU TCG"
BIVISOR_QEMU = "bivisor in QEMU TCG"
PLAIN_BOCHS = "plain Bochs (no hypervisor)"
BIVISOR_BOCHS = "bivisor in Bochs (VMX)"


def exit_column(title, test, timeout, kind="qemu", **column):
    """EXIT_RUNS runs of one platform, one after the other (timing figures);
    the median of the runs that worked, and why the others did not. `column`
    holds the ExitColumn's base, rate_from and emulator."""
    samples, notes = [], []
    for i in range(EXIT_RUNS):
        try:
            samples.append(exitloop_once(test, timeout, kind))
        except BenchError as e:
            notes.append("%s, run %d of %d: %s" % (title, i + 1, EXIT_RUNS, e))
    return exit_samples_column(title, samples, notes, **column)


def exit_plain_qemu():
    """The baseline, no hypervisor: TCG translates CPUID inline and port 0x80
    is QEMU's own device, so nothing here is an exit."""
    return exit_column(PLAIN_QEMU, {"kernel": EXITLOOP, "qemu": "-smp 1 -m 128M"}, 30,
                       rate_from=BIVISOR_QEMU, emulator="qemu")


def exit_bivisor():
    """bivisor on TCG's emulated SVM: every CPUID and OUT is a #VMEXIT that
    bivisor handles (port 0x80 is unclaimed there: the write is dropped)."""
    test = {"qemu": "-smp 1 -m 128M", "cmdline": "loglevel=warn",
            "modules": EXITLOOP + ":name=exitloop"}
    return exit_column(BIVISOR_QEMU, test, 90, base=PLAIN_QEMU, emulator="qemu")


def exit_plain_bochs():
    """Bochs's baseline, no hypervisor: Bochs cannot take -kernel, so GRUB
    boots the guest from an ISO with its Multiboot 1 command. Same bochsrc as
    the vmx-bochs tests (run.BOCHSRC: corei7_skylake_x, one CPU, 256 MiB)."""
    test = {"bare_multiboot": EXITLOOP}
    return exit_column(PLAIN_BOCHS, test, 60, kind="bochs", rate_from=BIVISOR_BOCHS,
                       emulator="bochs")


def exit_bivisor_bochs():
    """bivisor on Bochs's VMX: every CPUID and OUT is a VM exit. tsc=pit:
    Bochs's TSC advances with its emulated clock, ips= instructions per
    emulated second, but corei7_skylake_x's CPUID leaf 0x16 gives a nominal
    3500 MHz, which tsc=auto would believe; the PIT counts the same emulated
    time, so the rate bivisor measures against it (and gives its guest in leaf
    0x40000010) is the one Bochs's TSC really runs at."""
    test = {"cmdline": "loglevel=warn tsc=pit", "modules": EXITLOOP + ":name=exitloop"}
    return exit_column(BIVISOR_BOCHS, test, 120, kind="bochs", base=PLAIN_BOCHS,
                       emulator="bochs")


def exit_bvm_lab():
    """bvm on real KVM over QEMU TCG's emulated SVM, inside L1 Linux (the lab):
    the same exitloop guest, 100,000 of each. The TSC rate is the guest's
    leaf 0x40000010, which bvm takes from L1's KVM_GET_TSC_KHZ."""
    if not os.path.exists(os.path.join(run.BUILD, "lab", "initrd.gz")):
        return ExitColumn("bvm in nested-KVM lab", why="not built (make lab)")
    return exit_column("bvm in nested-KVM lab",
                       {"lab": "run --kernel /guests/exitloop.elf --mem 16M"}, 240, kind="lab")


NESTED_COUNT = 10000  # each exit passes three levels: hundreds of us under the lab's KVM


def exit_bivisor_nested(clean):
    """bivisor under QEMU with KVM in the lab (issue 20): L1's KVM runs its
    nested SVM on QEMU TCG's SVM, bivisor is L2 and exitloop an L3 domain.
    KVM offers L2 the VMCB clean bits; clean=off is the same run without them."""
    title = "bivisor under lab KVM" + ("" if clean else ", clean=off")
    if not os.path.exists(os.path.join(run.BUILD, "lab", "initrd-qemu.gz")):
        return ExitColumn(title, why="not built (make build/lab/initrd-qemu.gz)")
    test = {"qemu": "-smp 1 -m 256M", "cmdline": "loglevel=warn" + ("" if clean else " clean=off"),
            "modules": "'%s:name=exitloop cmdline=count=%d'" % (EXITLOOP, NESTED_COUNT)}
    col = exit_column(title, test, 300, kind="nested")
    col.notes.append("%s: %d of each (count=%d), not 100,000" % (title, NESTED_COUNT, NESTED_COUNT))
    return col


EXIT_PLATFORMS = (exit_plain_qemu, exit_bivisor, exit_plain_bochs, exit_bivisor_bochs,
                  bench_bvm.exit_bvm_kvm, exit_bvm_lab, lambda: exit_bivisor_nested(True),
                  lambda: exit_bivisor_nested(False))


def exit_rows(cols):
    """One row per platform: ns of each loop, the ratio of each to its base
    platform ("baseline" on a platform another one is divided by), the TSC
    rate and the number of runs."""
    by_title = {c.title: c for c in cols}
    bases = {c.base for c in cols if c.base}
    rows = []
    for c in cols:
        if not c.ns:  # why there is no number: in the row's first cell
            rows.append([c.title, c.why or "no result"])
            continue
        row = [c.title] + [fmt_num(c.ns[op]) for op, _ in EXIT_OPS]
        base = by_title.get(c.base)
        for op, _ in EXIT_OPS:
            if c.title in bases:
                row.append("baseline")
            elif base and base.ns:
                row.append(fmt_num(c.ns[op] / base.ns[op]) + "x")
            else:
                row.append("")
        row += ["%d" % c.khz, "%d" % c.runs]
        rows.append(row)
    return rows


def exit_costs():
    cols = [runner() for runner in EXIT_PLATFORMS]
    host = exit_convert(cols)
    print()
    print("Exit cost: ns per operation, exitloop guest timing 100,000 CPUIDs and 100,000 "
          "OUTs\n(median of the runs, %d tried per platform; QEMU: TCG -cpu max -smp 1, "
          "128 MiB;\nBochs: corei7_skylake_x, 1 CPU, ips=%d, 256 MiB)" % (EXIT_RUNS, BOCHS_IPS))
    head = [""] + ["%s, ns" % label.split()[0] for _, label in EXIT_OPS] + \
        ["%s, ratio" % label.split()[0] for _, label in EXIT_OPS] + ["TSC kHz", "runs"]
    print_table([head] + exit_rows(cols))
    print("  ratio: ns over the same loop's ns in the same emulator without a hypervisor\n"
          "  (%s / %s; %s / %s)" % (BIVISOR_QEMU, PLAIN_QEMU, BIVISOR_BOCHS, PLAIN_BOCHS))
    print("  TSC kHz: the rate the cycles were converted with; a guest's own is bivisor's "
          "leaf 0x40000010\n  (host /proc/cpuinfo: %s kHz). Bochs's TSC and ns are its "
          "emulated time,\n  %d instructions per emulated second (ips=)."
          % (host or "?", BOCHS_IPS))
    for c in cols:
        for n in c.notes:
            print("  " + n)


PARTS = {"boot": boot_times, "exits": exit_costs, "ioreq": bench_ioreq.main,
         "bvm": bench_bvm.main, "sched": bench_sched.main, "linux": bench_linux.main,
         "xen": bench_xen.main, "share": bench_share.main, "balloon": bench_balloon.main}


def main(argv):
    """All parts in order, or only those named (`make bench BENCH="xen"`)."""
    unknown = [a for a in argv if a not in PARTS]
    if unknown:
        print("bench.py: no part %s; the parts: %s" % (unknown[0], " ".join(PARTS)))
        return 2
    for name, part in PARTS.items():
        if not argv or name in argv:
            part()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
