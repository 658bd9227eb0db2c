#!/usr/bin/env python3
"""tests/bench.py: `make bench`. Boot-time figures of the Type-1 kernel.

For -smp 1 and -smp 4 (QEMU TCG -cpu max, 512 MiB), boots the GRUB ISO five
times and prints the median wall time from starting QEMU to the serial line
"N CPUs online". Then the exit-cost table (issues 4 and 5): the exitloop
guest (guest-tools/exitloop.c) times 100,000 CPUIDs and 100,000 OUTs to port
0x80 on each platform of EXIT_PLATFORMS (QEMU TCG and Bochs, each without a
hypervisor and under bivisor, then bvm), and the table shows ns per operation,
the median of three runs, and each hypervisor's ratio to its own emulator's
run without one. Last, bvm on this machine's /dev/kvm against QEMU
-accel kvm and a raw KVM_RUN loop (tests/bench/kvm_raw.c), issue 3 item 6:
(a) VM start, (b) exit round trip, (c) virtio-blk sequential reads, (d) Linux
in the lab; each prints its goal and whether this run met it. Figures, not
pass/fail: speed goals live here, never in timed tests. Later issues add
peers (Xen) measured in the same run.
"""
import functools
import os
import re
import select
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_linux  # noqa: E402  (Linux under bivisor against plain QEMU)
import bench_sched  # noqa: E402  (the scheduler's fairness table)
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

EXIT_RUNS = 3
EXITLOOP = "build/guests/exitloop.elf"
EXIT_OPS = (("cpuid", "CPUID leaf 0"), ("pio", "OUT to port 0x80"))
EXIT_LINE = re.compile(r"exitloop: (\w+) (\d+) iterations, (\d+) tsc cycles")
KHZ_LINE = re.compile(r"exitloop: tsc (\d+) kHz")
SUMMARY_LINE = re.compile(r"SUMMARY: \d+ passed, \d+ failed\r?\n")
GUEST_EXIT_OK = 1  # QEMU's isa-debug-exit status for a guest writing 0 to port 0xf4
BOCHS_IPS = int(re.search(r"ips=(\d+)", run.BOCHSRC).group(1))
COMMANDS = {"qemu": run.qemu_command, "bochs": run.bochs_command, "bvm": run.bvm_command,
            "lab": run.lab_command}

PLAIN_QEMU = "plain QEMU TCG"
BIVISOR_QEMU = "bivisor in QEMU TCG"
PLAIN_BOCHS = "plain Bochs (no hypervisor)"
BIVISOR_BOCHS = "bivisor in Bochs (VMX)"


class BenchError(Exception):
    pass


class ExitColumn:
    """One platform: median TSC cycles per iteration of each loop and the TSC
    rate (kHz) its guest was told, or `why` there are no numbers. `base` is
    the title of the platform its ratio is to (None: no ratio), `rate_from`
    the one whose TSC rate it borrows when its guest has none, `emulator`
    "qemu" or "bochs" (which last-resort rate fits), `runs` how many worked."""

    def __init__(self, title, cycles=None, khz=None, why=None, notes=(), base=None,
                 rate_from=None, emulator=None, runs=0):
        self.title, self.cycles, self.khz, self.why = title, cycles, khz, why
        self.notes = list(notes)
        self.base, self.rate_from, self.emulator, self.runs = base, rate_from, emulator, runs
        self.ns = None


def read_raw(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


def exitloop_once(test, timeout, kind="qemu"):
    """Runs the exitloop guest once with run.py's QEMU, Bochs or bvm command
    (`kind`) for `test`; returns ({op: TSC cycles per iteration}, kHz or None).

    QEMU ends through isa-debug-exit when the guest writes port 0xf4, bvm
    exits with the status the guest wrote there. Under
    bivisor in Bochs, bivisor (testexit) ends Bochs through port 0x8900 when
    the domain has ended. Plain Bochs ignores port 0xf4 and the guest halts:
    Bochs is killed once the guest's SUMMARY line is in the serial log."""
    bochs = kind == "bochs"
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "serial.log")
        try:
            cmd = COMMANDS[kind](test, log)
        except subprocess.CalledProcessError as e:
            raise BenchError("could not build the boot image (%s)" % e)
        kill_after_summary = bochs and "bare_multiboot" in test
        with open(os.path.join(d, "stdout"), "w+b") as out:
            try:
                p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=subprocess.STDOUT)
            except OSError as e:
                raise BenchError("cannot run %s: %s" % (cmd[0], e.strerror))
            deadline = time.monotonic() + timeout
            summary = False
            while p.poll() is None and time.monotonic() < deadline:
                if kill_after_summary and SUMMARY_LINE.search(read_raw(log)):
                    summary = True
                    break
                time.sleep(0.05)
            ended = p.poll() is not None
            if not ended:
                p.kill()
            p.wait()
            out.seek(0)
            said = [l for l in out.read().decode("utf-8", "replace").split("\n") if l.strip()]
        text = "\n".join(run.read_lines(log))
    if not ended and not summary:
        raise BenchError("no result within %d s" % timeout)
    for bad in ("FAIL:", "EXCEPTION", "panic", "crashed"):
        if bad in text:
            line = next(l for l in text.split("\n") if bad in l)
            raise BenchError("serial output has '%s'" % line.strip()[:120])
    cycles = {m.group(1): int(m.group(3)) / int(m.group(2)) for m in EXIT_LINE.finditer(text)
              if int(m.group(2))}
    missing = [op for op, _ in EXIT_OPS if op not in cycles]
    if missing:
        raise BenchError("ended (status %s) without the '%s' line%s"
                         % (p.returncode, "exitloop: " + missing[0],
                            " (it said '%s')" % said[-1].strip()[:120] if said else ""))
    want = GUEST_EXIT_OK if kind == "qemu" else 0
    if not bochs and p.returncode != want:  # Bochs's exits carry no status
        raise BenchError("exit status %d, want %d" % (p.returncode, want))
    khz = KHZ_LINE.search(text)
    return cycles, int(khz.group(1)) if khz else None


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


def exit_samples_column(title, samples, notes, **column):
    """The column of exitloop_once()'s samples: the median of each loop."""
    if not samples:
        return ExitColumn(title, why="failed (see below)", notes=notes, **column)
    cycles = {op: statistics.median(s[0][op] for s in samples) for op, _ in EXIT_OPS}
    khz = [s[1] for s in samples if s[1]]
    return ExitColumn(title, cycles, statistics.median(khz) if khz else None, notes=notes,
                      runs=len(samples), **column)


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


def exit_bvm_lab():
    """bvm on real KVM over QEMU TCG's emulated SVM, inside L1 Linux (the lab):
    the same exitloop guest, 100,000 of each. The TSC rate is the guest's
    leaf 0x40000010, which bvm takes from L1's KVM_GET_TSC_KHZ."""
    if not os.path.exists(os.path.join(run.BUILD, "lab", "initrd.gz")):
        return ExitColumn("bvm in nested-KVM lab", why="not built (make lab)")
    return exit_column("bvm in nested-KVM lab",
                       {"lab": "run --kernel /guests/exitloop.elf --mem 16M"}, 240, kind="lab")


EXIT_PLATFORMS = (exit_plain_qemu, exit_bivisor, exit_plain_bochs, exit_bivisor_bochs,
                  exit_bvm_kvm, exit_bvm_lab)


def host_cpuinfo_khz():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("cpu MHz"):
                    return int(float(line.split(":")[1]) * 1000)
    except (OSError, ValueError):
        pass
    return None


def exit_convert(cols):
    """Cycles to ns. A column whose guest got no TSC rate (no hypervisor, so
    no timing leaf) borrows the rate bivisor's guest got in the same emulator
    (its `rate_from`). That is sound:
    - under TCG, QEMU's RDTSC is the host TSC plus a fixed offset
      (cpu_get_ticks() reads cpu_get_host_ticks() unless -icount is given), so
      both columns count the same counter, and bivisor measured its rate
      against QEMU's PIT, which runs on the host clock;
    - under Bochs, RDTSC counts Bochs's emulated clock, which the ips= of
      run.BOCHSRC drives in both runs (the same bochsrc), and bivisor measured
      it against Bochs's PIT, which runs on that same clock. Bochs's ns are
      thus emulated time, not the host's.
    Last resorts when bivisor's run failed: for QEMU, /proc/cpuinfo's "cpu
    MHz" (the core clock, the TSC rate only on constant-TSC machines without
    frequency scaling); for Bochs, ips= itself (what bivisor's PIT
    measurement finds: 50001 kHz for ips=50000000)."""
    by_title = {c.title: c for c in cols}
    host = host_cpuinfo_khz()
    for c in cols:
        if not c.cycles:
            continue
        khz = c.khz
        ref = by_title.get(c.rate_from)
        if not khz and ref and ref.cycles and ref.khz:
            khz = ref.khz
            c.notes.append("%s: its guest has no timing leaf; the TSC rate is %s's "
                           "(the same emulator's TSC)" % (c.title, ref.title))
        elif not khz and c.emulator == "qemu" and host:
            khz = host
            c.notes.append("%s: no guest got a TSC rate; converted with the host's "
                           "/proc/cpuinfo %d kHz (approximate)" % (c.title, khz))
        elif not khz and c.emulator == "bochs":
            khz = BOCHS_IPS // 1000
            c.notes.append("%s: no guest got a TSC rate; converted with Bochs's ips=%d"
                           % (c.title, BOCHS_IPS))
        if not khz:
            c.why = "no TSC rate to convert with"
            continue
        c.khz = khz
        c.ns = {op: cyc * 1e6 / khz for op, cyc in c.cycles.items()}
    return host


def fmt_num(x):
    return "%.0f" % x if x >= 100 else "%.1f" % x


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


def print_table(rows):
    """Prints rows (the first one the head) in aligned columns, two spaces in.
    A two-cell row is a name and why it has no figures; the reason spans the row."""
    widths = [max(len(r[i]) for r in rows if i < len(r) and (i == 0 or len(r) > 2))
              for i in range(len(rows[0]))]
    for r in rows:
        if len(r) == 2:
            print("  " + r[0].ljust(widths[0]) + "   " + r[1])
            continue
        print("  " + "   ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())


# bvm against QEMU (-accel kvm) and a raw KVM_RUN loop on this machine's
# /dev/kvm (issue 3, item 6): (a) VM start, (b) exit round trip, (c) virtio-blk
# sequential reads, (d) Linux in the lab. The platforms of a comparison take
# turns, one run each per round, so a slow spell of the host falls on all of
# them alike; a platform that fails is not run again (one timeout at most) and
# its row says why. /dev/kvm here may be PVM (PLATFORMS.md §3), which runs
# small guests only: all of these are small.

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


def run_bounded(cmd, timeout):
    """Runs cmd to its end (killed after timeout s); returns (exit status,
    wall seconds, stdout, the last line of stderr)."""
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BenchError("no end within %d s" % timeout)
    except OSError as e:
        raise BenchError("cannot run %s: %s" % (cmd[0], e.strerror))
    secs = time.monotonic() - start
    err = [l.strip() for l in p.stderr.decode("utf-8", "replace").split("\n") if l.strip()]
    return p.returncode, secs, p.stdout.decode("utf-8", "replace"), err[-1][:160] if err else ""


def interleaved(n, runners):
    """n rounds, each one call of every runner in turn. `runners` is a list of
    (title, once), once a function returning one figure or a string saying
    why that platform cannot run. Returns {title: (figures, why or None)}."""
    out = {title: ([], once if isinstance(once, str) else None) for title, once in runners}
    for i in range(n):
        for title, once in runners:
            figures, why = out[title]
            if why:
                continue
            try:
                figures.append(once())
            except BenchError as e:
                out[title] = (figures, "run %d of %d: %s" % (i + 1, n, e))
    return out


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


def fmt_ratio(r):
    return "%.2fx" % r if r >= 0.1 else "%.2gx" % r


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
    boot_times()
    exit_costs()
    bvm_comparisons()
    bench_sched.main()
    bench_linux.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
