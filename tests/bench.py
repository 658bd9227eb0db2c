#!/usr/bin/env python3
"""tests/bench.py: `make bench`. Boot-time figures of the Type-1 kernel.

For -smp 1 and -smp 4 (QEMU TCG -cpu max, 512 MiB), boots the GRUB ISO five
times and prints the median wall time from starting QEMU to the serial line
"N CPUs online". Then the exit-cost table (issue 4): the exitloop guest
(guest-tools/exitloop.c) times 100,000 CPUIDs and 100,000 OUTs to port 0x80
on each platform of EXIT_PLATFORMS, and the table shows ns per operation, the
median of three runs. Figures, not pass/fail: speed goals live here, never in
timed tests. Later issues add peers (Xen, plain QEMU) measured in the same run.
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


# Exit cost (issue 4, item 6): the same guest on every platform, one table.
# A platform is a runner function returning an ExitColumn; bvm's columns are
# filled by replacing their runners with real ones (they may use exit_column).

EXIT_RUNS = 3
EXITLOOP = "build/guests/exitloop.elf"
EXIT_OPS = (("cpuid", "CPUID leaf 0"), ("pio", "OUT to port 0x80"))
EXIT_LINE = re.compile(r"exitloop: (\w+) (\d+) iterations, (\d+) tsc cycles")
KHZ_LINE = re.compile(r"exitloop: tsc (\d+) kHz")
GUEST_EXIT_OK = 1  # QEMU's isa-debug-exit status for a guest writing 0 to port 0xf4


class BenchError(Exception):
    pass


class ExitColumn:
    """One platform: median TSC cycles per iteration of each loop and the TSC
    rate (kHz) its guest was told, or `why` there are no numbers."""

    def __init__(self, title, cycles=None, khz=None, why=None, notes=()):
        self.title, self.cycles, self.khz, self.why = title, cycles, khz, why
        self.notes = list(notes)
        self.ns = None


def exitloop_once(test, timeout):
    """Runs the exitloop guest once with run.py's QEMU command for `test`;
    returns ({op: TSC cycles per iteration}, kHz or None)."""
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "serial.log")
        try:
            cmd = run.qemu_command(test, log)
        except subprocess.CalledProcessError as e:
            raise BenchError("could not build the boot image (%s)" % e)
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise BenchError("no result within %d s" % timeout)
        text = "\n".join(run.read_lines(log))
    for bad in ("FAIL:", "EXCEPTION", "panic", "crashed"):
        if bad in text:
            line = next(l for l in text.split("\n") if bad in l)
            raise BenchError("serial output has '%s'" % line.strip()[:120])
    cycles = {m.group(1): int(m.group(3)) / int(m.group(2)) for m in EXIT_LINE.finditer(text)
              if int(m.group(2))}
    missing = [op for op, _ in EXIT_OPS if op not in cycles]
    if missing:
        raise BenchError("emulator ended (status %d) without the '%s' line"
                         % (p.returncode, "exitloop: " + missing[0]))
    if p.returncode != GUEST_EXIT_OK:
        raise BenchError("emulator exit status %d, want %d" % (p.returncode, GUEST_EXIT_OK))
    khz = KHZ_LINE.search(text)
    return cycles, int(khz.group(1)) if khz else None


def exit_column(title, test, timeout):
    """EXIT_RUNS runs of one platform, one after the other (timing figures);
    the median of the runs that worked, and why the others did not."""
    samples, notes = [], []
    for i in range(EXIT_RUNS):
        try:
            samples.append(exitloop_once(test, timeout))
        except BenchError as e:
            notes.append("%s, run %d of %d: %s" % (title, i + 1, EXIT_RUNS, e))
    if not samples:
        return ExitColumn(title, why="failed (see below)", notes=notes)
    cycles = {op: statistics.median(s[0][op] for s in samples) for op, _ in EXIT_OPS}
    khz = [s[1] for s in samples if s[1]]
    return ExitColumn(title, cycles, statistics.median(khz) if khz else None, notes=notes)


def exit_plain_qemu():
    """The baseline, no hypervisor: TCG translates CPUID inline and port 0x80
    is QEMU's own device, so nothing here is an exit."""
    return exit_column("plain QEMU TCG", {"kernel": EXITLOOP, "qemu": "-smp 1 -m 128M"}, 30)


def exit_bivisor():
    """bivisor on TCG's emulated SVM: every CPUID and OUT is a #VMEXIT that
    bivisor handles (port 0x80 is unclaimed there: the write is dropped)."""
    test = {"qemu": "-smp 1 -m 128M", "cmdline": "loglevel=warn",
            "modules": EXITLOOP + ":name=exitloop"}
    return exit_column("bivisor in QEMU TCG", test, 90)


def exit_bvm_kvm():
    return ExitColumn("bvm on /dev/kvm", why="not built yet (issue 3)")


def exit_bvm_lab():
    return ExitColumn("bvm in nested-KVM lab", why="not built yet")


# The first column is the baseline of the "x plain QEMU" rows.
EXIT_PLATFORMS = (exit_plain_qemu, exit_bivisor, exit_bvm_kvm, exit_bvm_lab)


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
    """Cycles to ns. A column whose guest got no TSC rate (plain QEMU has no
    timing leaf) borrows the first rate a guest did get, bivisor's. That is
    sound under TCG: QEMU's RDTSC is the host TSC plus a fixed offset
    (cpu_get_ticks() reads cpu_get_host_ticks() unless -icount is given), so
    both columns count the same counter, and bivisor measured its rate against
    QEMU's PIT, which runs on the host clock, in the emulator the guest ran
    in. /proc/cpuinfo's "cpu MHz" is the core clock, the TSC rate only on
    constant-TSC machines without frequency scaling: it is the last resort."""
    ref = next((c for c in cols if c.cycles and c.khz), None)
    host = host_cpuinfo_khz()
    for c in cols:
        if not c.cycles:
            continue
        khz = c.khz
        if not khz and ref:
            khz = ref.khz
            c.notes.append("%s: its guest has no timing leaf; the TSC rate is %s's "
                           "(TCG's RDTSC is the host TSC)" % (c.title, ref.title))
        elif not khz and host:
            khz = host
            c.notes.append("%s: no guest got a TSC rate; converted with the host's "
                           "/proc/cpuinfo %d kHz (approximate)" % (c.title, khz))
        if not khz:
            c.why = "no TSC rate to convert with"
            continue
        c.khz = khz
        c.ns = {op: cyc * 1e6 / khz for op, cyc in c.cycles.items()}
    return host


def fmt_num(x):
    return "%.0f" % x if x >= 100 else "%.1f" % x


def exit_rows(cols):
    base = cols[0] if cols[0].ns else None
    rows = []
    for op, label in EXIT_OPS:
        rows.append([label + ", ns"] + [fmt_num(c.ns[op]) if c.ns else "" for c in cols])
    for op, label in EXIT_OPS:
        cells = []
        for c in cols:
            if c is base:
                cells.append("baseline")
            else:
                cells.append(fmt_num(c.ns[op] / base.ns[op]) + "x" if c.ns and base else "")
        rows.append([label.split()[0] + ", x " + cols[0].title] + cells)
    rows.append(["TSC kHz"] + ["%d" % c.khz if c.ns else "" for c in cols])
    for c in cols:  # why there is no number: in the column's first cell
        if not c.ns:
            rows[0][1 + cols.index(c)] = c.why or "no result"
    return rows


def exit_costs():
    cols = [runner() for runner in EXIT_PLATFORMS]
    host = exit_convert(cols)
    print()
    print("Exit cost: ns per operation, exitloop guest timing 100,000 CPUIDs and 100,000 "
          "OUTs\n(median of %d runs; QEMU: TCG -cpu max -smp 1, 128 MiB)" % EXIT_RUNS)
    rows = [[""] + [c.title for c in cols]] + exit_rows(cols)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  " + "   ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
    print("  TSC kHz: the rate the cycles were converted with; a guest's own is bivisor's "
          "leaf 0x40000010\n  (host /proc/cpuinfo: %s kHz)" % (host or "?"))
    for c in cols:
        for n in c.notes:
            print("  " + n)


def main():
    boot_times()
    exit_costs()
    return 0


if __name__ == "__main__":
    sys.exit(main())
