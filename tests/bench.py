#!/usr/bin/env python3
"""tests/bench.py: `make bench`. Boot-time figures of the Type-1 kernel.

For -smp 1 and -smp 4 (QEMU TCG -cpu max, 512 MiB), boots the GRUB ISO five
times and prints the median wall time from starting QEMU to the serial line
"N CPUs online". Then the exit-cost table (issues 4 and 5): the exitloop
guest (guest-tools/exitloop.c) times 100,000 CPUIDs and 100,000 OUTs to port
0x80 on each platform of EXIT_PLATFORMS (QEMU TCG and Bochs, each without a
hypervisor and under bivisor, then bvm), and the table shows ns per operation,
the median of three runs, and each hypervisor's ratio to its own emulator's
run without one. Figures, not pass/fail: speed goals live here, never in
timed tests. Later issues add peers (Xen) measured in the same run.
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
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


def exitloop_once(test, timeout, bochs=False):
    """Runs the exitloop guest once with run.py's QEMU or Bochs command for
    `test`; returns ({op: TSC cycles per iteration}, kHz or None).

    QEMU ends through isa-debug-exit when the guest writes port 0xf4. Under
    bivisor in Bochs, bivisor (testexit) ends Bochs through port 0x8900 when
    the domain has ended. Plain Bochs ignores port 0xf4 and the guest halts:
    Bochs is killed once the guest's SUMMARY line is in the serial log."""
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "serial.log")
        try:
            cmd = run.bochs_command(test, log) if bochs else run.qemu_command(test, log)
        except subprocess.CalledProcessError as e:
            raise BenchError("could not build the boot image (%s)" % e)
        kill_after_summary = bochs and "bare_multiboot" in test
        with open(os.path.join(d, "stdout"), "w+b") as out:
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.STDOUT)
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
        raise BenchError("emulator ended (status %s) without the '%s' line"
                         % (p.returncode, "exitloop: " + missing[0]))
    if not bochs and p.returncode != GUEST_EXIT_OK:  # Bochs's exits carry no status
        raise BenchError("emulator exit status %d, want %d" % (p.returncode, GUEST_EXIT_OK))
    khz = KHZ_LINE.search(text)
    return cycles, int(khz.group(1)) if khz else None


def exit_column(title, test, timeout, bochs=False, **column):
    """EXIT_RUNS runs of one platform, one after the other (timing figures);
    the median of the runs that worked, and why the others did not. `column`
    holds the ExitColumn's base, rate_from and emulator."""
    samples, notes = [], []
    for i in range(EXIT_RUNS):
        try:
            samples.append(exitloop_once(test, timeout, bochs))
        except BenchError as e:
            notes.append("%s, run %d of %d: %s" % (title, i + 1, EXIT_RUNS, e))
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
    return exit_column(PLAIN_BOCHS, test, 60, bochs=True, rate_from=BIVISOR_BOCHS,
                       emulator="bochs")


def exit_bivisor_bochs():
    """bivisor on Bochs's VMX: every CPUID and OUT is a VM exit. tsc=pit:
    Bochs's TSC advances with its emulated clock, ips= instructions per
    emulated second, but corei7_skylake_x's CPUID leaf 0x16 gives a nominal
    3500 MHz, which tsc=auto would believe; the PIT counts the same emulated
    time, so the rate bivisor measures against it (and gives its guest in leaf
    0x40000010) is the one Bochs's TSC really runs at."""
    test = {"cmdline": "loglevel=warn tsc=pit", "modules": EXITLOOP + ":name=exitloop"}
    return exit_column(BIVISOR_BOCHS, test, 120, bochs=True, base=PLAIN_BOCHS,
                       emulator="bochs")


def exit_bvm_kvm():
    return ExitColumn("bvm on /dev/kvm", why="not built yet (issue 3)")


def exit_bvm_lab():
    return ExitColumn("bvm in nested-KVM lab", why="not built yet")


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
    rows = [head] + exit_rows(cols)
    widths = [max(len(r[i]) for r in rows if i < len(r) and (i == 0 or len(r) > 2))
              for i in range(len(head))]
    for r in rows:
        if len(r) == 2:  # a platform without figures: its reason spans the row
            print("  " + r[0].ljust(widths[0]) + "   " + r[1])
            continue
        print("  " + "   ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
    print("  ratio: ns over the same loop's ns in the same emulator without a hypervisor\n"
          "  (%s / %s; %s / %s)" % (BIVISOR_QEMU, PLAIN_QEMU, BIVISOR_BOCHS, PLAIN_BOCHS))
    print("  TSC kHz: the rate the cycles were converted with; a guest's own is bivisor's "
          "leaf 0x40000010\n  (host /proc/cpuinfo: %s kHz). Bochs's TSC and ns are its "
          "emulated time,\n  %d instructions per emulated second (ips=)."
          % (host or "?", BOCHS_IPS))
    for c in cols:
        for n in c.notes:
            print("  " + n)


def main():
    boot_times()
    exit_costs()
    return 0


if __name__ == "__main__":
    sys.exit(main())
