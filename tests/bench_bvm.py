#!/usr/bin/env python3
# tests/bench_bvm.py: bvm against QEMU (-accel kvm) and a raw KVM_RUN loop on
# this machine's /dev/kvm (issue 3, item 6), part of `make bench`: (a) VM start,
# (b) exit round trip, (c) virtio-blk sequential reads, (d) Linux in the lab;
# each prints its goal and whether this run met it. The platforms of a
# comparison take turns, one run each per round, so a slow spell of the host
# falls on all of them alike; a platform that fails is not run again (one
# timeout at most) and its row says why. /dev/kvm here may be PVM (PLATFORMS.md
# §3), which runs small guests only: all of these are small. The runs of (b)
# also fill the exit-cost table's bvm row (exit_bvm_kvm, tests/bench.py).
import functools
import os
import re
import select
import statistics
import subprocess
import sys
import tempfile
import time

from bench_util import (BenchError, EXIT_RUNS, EXITLOOP, ExitColumn, GUEST_EXIT_OK,
                        exit_convert, exit_samples_column, exitloop_once, fmt_num, fmt_ratio,
                        host_cpuinfo_khz, interleaved, print_table, run_bounded)
import run  # the test runner's commands for QEMU and bvm

BVM_KVM = "bvm on /dev/kvm"
RAW_KVM = "raw KVM_RUN loop (kvm_raw)"
QEMU_MICROVM = "QEMU -accel kvm -M microvm"
QEMU_PC = "QEMU -accel kvm -M pc"
QUICKEXIT = "build/guests/quickexit.elf"
BLKBENCH = "build/guests/blkbench.elf"
GUEST_MEM = "64M"
START_RUNS = 10
START_GOAL = 0.1  # bvm's start <= 0.1 x QEMU's
EXIT_COUNT = 1000000
EXIT_GOAL = 1.05  # bvm's exit <= 1.05 x the raw loop's
BLK_RUNS = 3
BLK_IMAGE_MIB = 64
BLK_READ_MIB = 256  # four passes over the image
BLK_READ_LINE = re.compile(r"blkbench: read (\d+) bytes, (\d+) tsc cycles")
BLK_KHZ_LINE = re.compile(r"blkbench: [\d.]+ MiB/s \(tsc (\d+) kHz\)")
RAW_LINE = re.compile(r"kvm_raw: (\d+) exits in (\d+) ns")
RAW_KHZ_LINE = re.compile(r"kvm_raw: tsc (\d+) kHz")


@functools.lru_cache(maxsize=None)
def kvm_unusable():
    """Why no guest can run on /dev/kvm here, or None."""
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC))
    except OSError as e:
        return "/dev/kvm: %s" % e.strerror
    return None


def not_measured(why):
    """A runner for interleaved() of a platform that cannot run here, or None."""
    return "not measured: " + why if why else None


@functools.lru_cache(maxsize=None)
def exit_bvm_kvm():
    """bvm on this machine's /dev/kvm: CPUID is answered inside KVM, each OUT
    to port 0x80 goes out to bvm (unclaimed there: dropped). EXIT_COUNT of
    each, from the runs of the exit round trip (b)."""
    col = exit_kvm_column(BVM_KVM)
    if col.cycles:
        col.notes.append("%s: %s of each (count=%d on its command line), not 100,000; "
                         "the runs of (b) below" % (BVM_KVM, "{:,}".format(EXIT_COUNT),
                                                    EXIT_COUNT))
    return col


def guest_run(kind, test, log, timeout):
    """One run of a guest under bvm or QEMU (`kind`, GUEST_MEM of RAM);
    returns (wall seconds, serial text) or raises BenchError."""
    if kind == "bvm":
        cmd = run.bvm_command(dict(test, bvm="--mem %s %s" % (GUEST_MEM, test.get("bvm", ""))),
                              log)
        want = 0
    else:
        cmd = run.qemu_command(dict(test, qemu="-m %s %s" % (GUEST_MEM, test["qemu"])), log)
        want = GUEST_EXIT_OK
    rc, secs, _, err = run_bounded(cmd, timeout)
    if kind == "qemu" and err.startswith("qemu-system") and "warning" not in err:
        raise BenchError(err)  # QEMU's own errors end it with the guest's status 1 too
    text = "\n".join(run.read_lines(log))
    bad = [l for l in text.split("\n") if "FAIL:" in l]
    if bad:
        raise BenchError("serial output has '%s'" % bad[0].strip()[:120])
    if rc != want:
        raise BenchError("exit status %d, want %d%s" % (rc, want, ": " + err if err else ""))
    return secs, text


@functools.lru_cache(maxsize=None)
def qemu_kvm_problem():
    """Why QEMU -accel kvm cannot run the quickexit guest here, or None."""
    if kvm_unusable():
        return kvm_unusable()
    with tempfile.TemporaryDirectory() as d:
        try:
            guest_run("qemu", {"kernel": QUICKEXIT, "qemu": "-accel kvm -M microvm"},
                      os.path.join(d, "serial.log"), 60)
        except BenchError as e:
            return "QEMU -accel kvm fails here: %s" % e
    return None


def ratio_goal(ratio, goal, at_most):
    """'0.37x, not met': a ratio that must be at most (or at least) goal."""
    met = ratio <= goal if at_most else ratio >= goal
    return "%s, %s" % (fmt_ratio(ratio), "met" if met else "not met")


def figure_rows(results, fmt, bvm_over):
    """Rows of median, min, max, runs and, under QEMU, bvm's median over this
    one (`bvm_over`: the column's title) from interleaved()'s results."""
    bvm = results.get(BVM_KVM, ([], None))[0]
    rows = [["", fmt[0], "min", "max", "runs", bvm_over]]
    for title, (v, why) in results.items():
        if not v:
            rows.append([title, why or "no result"])
            continue
        med = statistics.median(v)
        ratio = fmt_ratio(statistics.median(bvm) / med) if bvm and title != BVM_KVM else ""
        rows.append([title] + [fmt[1] % x for x in (med, min(v), max(v))] + ["%d" % len(v), ratio])
    return rows


def print_partial(results):
    """Why a platform stopped after some runs had worked."""
    for title, (v, why) in results.items():
        if v and why:
            print("  %s: stopped at %s" % (title, why))


def bvm_start_times():
    """(a) whole runs of the quickexit guest, START_RUNS each."""
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "serial.log")

        def start(kind, machine=None):
            test = {"kernel": QUICKEXIT, "qemu": "-accel kvm -M %s" % machine}
            return lambda: guest_run(kind, test, log, 60)[0] * 1000
        res = interleaved(START_RUNS, [
            (BVM_KVM, not_measured(kvm_unusable()) or start("bvm")),
            (QEMU_MICROVM, not_measured(qemu_kvm_problem()) or start("qemu", "microvm")),
            (QEMU_PC, not_measured(qemu_kvm_problem()) or start("qemu", "pc"))])
    print()
    print("(a) VM start: wall time of one whole run of the quickexit guest, which exits at "
          "once\n(median of %d; %s of RAM; QEMU with -cpu max, -kernel, COM1 to a file and "
          "isa-debug-exit)" % (START_RUNS, GUEST_MEM[:-1] + " MiB"))
    print_table(figure_rows(res, ("median, ms", "%.1f"), "bvm / this"))
    bvm, goals = res[BVM_KVM][0], []
    for title in (QEMU_MICROVM, QEMU_PC):
        if bvm and res[title][0]:
            ratio = statistics.median(bvm) / statistics.median(res[title][0])
            goals.append("vs -M %s %s" % (title.split()[-1], ratio_goal(ratio, START_GOAL, True)))
    print("  goal bvm <= %g x QEMU: %s" % (START_GOAL, "; ".join(goals) or "not measured"))
    print_partial(res)


def raw_once():
    """(b) one run of kvm_raw: (ns per exit, KVM's TSC kHz or None)."""
    rc, _, out, err = run_bounded([os.path.join(run.BUILD, "kvm_raw"), str(EXIT_COUNT)], 120)
    m, k = RAW_LINE.search(out), RAW_KHZ_LINE.search(out)
    if rc or not m:
        raise BenchError("exit status %d%s" % (rc, ": " + err if err else ""))
    return int(m.group(2)) / int(m.group(1)), int(k.group(1)) if k else None


@functools.lru_cache(maxsize=None)
def kvm_exit_runs():
    """(b) EXIT_RUNS rounds of kvm_raw and of the exitloop guest (count=
    EXIT_COUNT) under bvm and under QEMU -accel kvm -M microvm."""
    test = {"kernel": EXITLOOP, "cmdline": "count=%d" % EXIT_COUNT}
    bvm_test = dict(test, bvm="--mem " + GUEST_MEM)
    qemu_test = dict(test, qemu="-accel kvm -M microvm -m " + GUEST_MEM)
    raw = not_measured(kvm_unusable())
    if not raw and subprocess.run(["make", "-s", "-C", run.ROOT, "build/kvm_raw"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
        raw = "build/kvm_raw did not build (make build/kvm_raw)"
    return interleaved(EXIT_RUNS, [
        (RAW_KVM, raw or raw_once),
        (BVM_KVM, not_measured(kvm_unusable()) or (lambda: exitloop_once(bvm_test, 120, "bvm"))),
        (QEMU_MICROVM, not_measured(qemu_kvm_problem()) or
         (lambda: exitloop_once(qemu_test, 120, "qemu")))])


def exit_kvm_column(title, khz=None):
    """A column of kvm_exit_runs(), in ns: with its guest's TSC rate, else khz."""
    samples, why = kvm_exit_runs()[title]
    if not samples:
        return ExitColumn(title, why=why or "no result")
    col = exit_samples_column(title, samples, [], emulator="qemu")
    col.khz = col.khz or khz
    if why:
        col.notes.append("%s: stopped at %s" % (title, why))
    exit_convert([col])
    return col


def kvm_tsc_khz():
    """The guest TSC rate under KVM: bvm's guest's leaf 0x40000010, else
    KVM_GET_TSC_KHZ from kvm_raw; None without either."""
    raw = [k for _, k in kvm_exit_runs()[RAW_KVM][0] if k]
    return exit_bvm_kvm().khz or (statistics.median(raw) if raw else None)


def bvm_exit_round_trip():
    raw = kvm_exit_runs()[RAW_KVM]
    raw_ns = statistics.median(ns for ns, _ in raw[0]) if raw[0] else None
    # QEMU's guest has no timing leaf: it reads the same host TSC as bvm's
    bvm, qemu = exit_bvm_kvm(), exit_kvm_column(QEMU_MICROVM, kvm_tsc_khz())
    rows = [[RAW_KVM, fmt_num(raw_ns), "baseline", "", "%d" % len(raw[0])] if raw_ns
            else [RAW_KVM, raw[1] or "no result"]]
    for c in (bvm, qemu):
        rows.append([c.title, fmt_num(c.ns["pio"]),
                     fmt_ratio(c.ns["pio"] / raw_ns) if raw_ns else "",
                     fmt_num(c.ns["cpuid"]), "%d" % c.runs] if c.ns
                    else [c.title, c.why or "no result"])
    print()
    print("(b) Exit round trip: %s OUTs to port 0x80 per run (nothing claims it), ns per exit\n"
          "(median of %d)" % ("{:,}".format(EXIT_COUNT), EXIT_RUNS))
    print_table([["", "OUT, ns", "x raw", "CPUID, ns", "runs"]] + rows)
    goal = ratio_goal(bvm.ns["pio"] / raw_ns, EXIT_GOAL, True) if bvm.ns and raw_ns \
        else "not measured"
    print("  goal bvm <= %g x raw: %s" % (EXIT_GOAL, goal))
    print("  raw: wall clock around kvm_raw's KVM_RUN loop (real mode, no irqchip); bvm and\n"
          "  QEMU: the exitloop guest's TSC around its loop (long mode), converted with bvm's\n"
          "  guest's leaf 0x40000010 (%s kHz; QEMU's guest has none). CPUID is answered\n"
          "  inside KVM, without an exit to user space; kvm_raw runs none."
          % (kvm_tsc_khz() or "?"))
    print_partial({RAW_KVM: raw})
    for n in qemu.notes:
        print("  " + n)


def blk_once(kind, test):
    """(c) one run of the blkbench guest: MiB/s."""
    with tempfile.TemporaryDirectory() as d:
        _, text = guest_run(kind, test, os.path.join(d, "serial.log"), 120)
    m, k = BLK_READ_LINE.search(text), BLK_KHZ_LINE.search(text)
    if not m or not k:
        raise BenchError("no '%s' line" % ("blkbench: read" if not m else "MiB/s"))
    return int(m.group(1)) / float(1 << 20) / (int(m.group(2)) / (int(k.group(1)) * 1e3))


def bvm_blk_reads():
    """(c) the blkbench guest under bvm and under QEMU's virtio-mmio (KVM, else
    TCG), BLK_RUNS each. QEMU's guest has no timing leaf: it is given the TSC
    rate on its command line (tsc_khz=)."""
    qemu_title, khz, accel = QEMU_MICROVM, kvm_tsc_khz(), "-accel kvm "
    if qemu_kvm_problem():  # under TCG the guest's RDTSC reads the host's TSC
        qemu_title, khz, accel = "QEMU TCG -M microvm", host_cpuinfo_khz(), ""
    cmdline = "mib=%d" % BLK_READ_MIB
    with tempfile.TemporaryDirectory(dir=run.BUILD) as d:
        image = os.path.join(d, "blk.img")
        with open(image, "wb") as f:
            f.truncate(BLK_IMAGE_MIB << 20)
        with open(image, "rb") as f:  # into the page cache: no run is the cold one
            while f.read(1 << 20):
                pass
        bvm = {"kernel": BLKBENCH, "bvm": "--disk " + image, "cmdline": cmdline}
        qemu = {"kernel": BLKBENCH, "cmdline": cmdline + (" tsc_khz=%d" % khz if khz else ""),
                "qemu": accel + "-M microvm -global virtio-mmio.force-legacy=false -drive "
                "file=%s,format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0" % image}
        res = interleaved(BLK_RUNS, [
            (BVM_KVM, not_measured(kvm_unusable()) or (lambda: blk_once("bvm", bvm))),
            (qemu_title, lambda: blk_once("qemu", qemu))])
    print()
    print("(c) virtio-blk sequential read: the blkbench guest reads %d MiB in 64 KiB requests, "
          "one\nat a time, over a %d MiB sparse raw image (median of %d; QEMU: virtio-mmio, "
          "version 2)" % (BLK_READ_MIB, BLK_IMAGE_MIB, BLK_RUNS))
    print_table(figure_rows(res, ("MiB/s", "%.0f"), "bvm / this"))
    v, q = res[BVM_KVM][0], res[qemu_title][0]
    goal = ratio_goal(statistics.median(v) / statistics.median(q), 1.0, False) if v and q \
        else "not measured"
    print("  goal bvm >= QEMU: %s" % goal)
    if qemu_kvm_problem():
        print("  QEMU ran under TCG, its KVM cannot: %s" % qemu_kvm_problem())
    print_partial(res)


LAB_UPTIME = re.compile(r"GUEST: init reached: nproc \d+ uptime ([0-9.]+)")
LAB_RUNS = 3
LAB_QEMU_INITRD = os.path.join(run.BUILD, "lab", "initrd-qemu.gz")  # scripts/mklab.sh --qemu
LAB_VMMS = (  # the L1 commands (tests/lab/init: "qemu ARGS" runs QEMU), the same L2 guest
    ("bvm in the lab", "run --kernel /guest/bzImage --initrd /guest/initrd.gz --mem 256M --cpus 1"),
    ("QEMU -M pc in the lab",
     "qemu -M pc -accel kvm -cpu host -smp 1 -m 256M -kernel /guest/bzImage -initrd "
     "/guest/initrd.gz -display none -vga none -nic none -serial stdio -monitor none -no-reboot"))


def lab_marker_once(lab, timeout=240):
    """One lab run of L2 Linux under the VMM command `lab` in L1, L1's serial
    read as it comes: returns (host seconds from L1's "LAB: running" line to
    the guest's /init marker, the guest's own uptime there). Both VMMs run in
    the same lab initramfs (the one with QEMU), so L1 is the same."""
    cmd = run.lab_command({"lab": lab, "guest": "console=ttyS0 quiet panic=-1"}, "/dev/null")
    cmd[cmd.index("file:/dev/null")] = "stdio"
    cmd[cmd.index(os.path.join(run.BUILD, "lab", "initrd.gz"))] = LAB_QEMU_INITRD
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    deadline, started, buf = time.monotonic() + timeout, None, b""
    try:
        while time.monotonic() < deadline:
            if not select.select([p.stdout], [], [], 1)[0]:
                continue
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                raise BenchError("the lab ended before the /init marker")
            now = time.monotonic()
            *lines, buf = (buf + chunk).split(b"\n")
            for line in lines:
                text = line.decode("utf-8", "replace")
                m = LAB_UPTIME.search(text)
                if "LAB: running" in text:
                    started = now
                elif m and started is not None:
                    return now - started, float(m.group(1))
        raise BenchError("no /init marker within %d s" % timeout)
    finally:
        p.kill()
        p.wait()


def lab_linux_times():
    """(d) Linux to its /init marker under bvm and under QEMU -M pc, both on
    the lab's real KVM, LAB_RUNS turns each."""
    why = None
    if not os.path.exists(LAB_QEMU_INITRD):
        why = "not measured: the lab with QEMU is not built (make %s)" % LAB_QEMU_INITRD
    res = interleaved(LAB_RUNS, [(title, why or functools.partial(lab_marker_once, lab))
                                 for title, lab in LAB_VMMS])
    rows = [["", "start to /init, s", "min", "max", "guest uptime, s", "runs", "bvm / this"]]
    bvm = [t for t, _ in res[LAB_VMMS[0][0]][0]]
    for title, (v, why) in res.items():
        if not v:
            rows.append([title, why or "no result"])
            continue
        wall = [t for t, _ in v]
        med = statistics.median(wall)
        ratio = fmt_ratio(statistics.median(bvm) / med) if bvm and title != LAB_VMMS[0][0] else ""
        rows.append([title] + ["%.2f" % x for x in (med, min(wall), max(wall))] +
                    ["%.2f" % statistics.median([u for _, u in v]), "%d" % len(v), ratio])
    print_table(rows)
    qemu = [t for t, _ in res[LAB_VMMS[1][0]][0]]
    goal = ratio_goal(statistics.median(bvm) / statistics.median(qemu), 1.0, True) \
        if bvm and qemu else "not measured"
    print("  goal bvm <= QEMU (start to /init): %s" % goal)
    print_partial(res)


def bvm_comparisons():
    print()
    print("bvm against QEMU and a raw KVM_RUN loop on this machine's /dev/kvm (issue 3, item 6)")
    bvm_start_times()
    bvm_exit_round_trip()
    bvm_blk_reads()
    print()
    print("(d) Linux to its /init marker in the nested-KVM lab (Debian's cloud kernel, 1 vCPU,\n"
          "256 MiB; host wall time from L1 starting the VMM to the marker, median of %d;\n"
          "QEMU's includes SeaBIOS, which bvm does not have; uptime is the guest's own)"
          % LAB_RUNS)
    lab_linux_times()


def main():
    bvm_comparisons()
    return 0


if __name__ == "__main__":
    sys.exit(main())
