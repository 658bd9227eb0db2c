# tests/bench_util.py: what the parts of `make bench` share (tests/bench.py's
# exit-cost table, issues 4 and 5, and tests/bench_bvm.py's bvm against QEMU,
# issue 3 item 6): running the exitloop guest and turning its TSC cycles into
# ns, running a command with a time limit, interleaving the runs of several
# platforms, and printing a table.
import os
import re
import statistics
import subprocess
import tempfile
import time

import lab_batch  # the nested-KVM lab's batches (lab-script= tests)
import run  # the test runner's commands for QEMU, Bochs, bvm and the lab

EXIT_RUNS = 3
EXITLOOP = "build/guests/exitloop.elf"
SVC = "build/guests/svc.elf"
EXIT_OPS = (("cpuid", "CPUID leaf 0"), ("pio", "OUT to port 0x80"))
EXIT_LINE = re.compile(r"exitloop: (\w+) (\d+) iterations, (\d+) tsc cycles")
KHZ_LINE = re.compile(r"exitloop: tsc (\d+) kHz")
SUMMARY_LINE = re.compile(r"SUMMARY: \d+ passed, \d+ failed\r?\n")
GUEST_EXIT_OK = 1  # QEMU's isa-debug-exit status for a guest writing 0 to port 0xf4
BOCHS_IPS = int(re.search(r"ips=(\d+)", run.BOCHSRC).group(1))
COMMANDS = {"qemu": run.qemu_command, "bochs": run.bochs_command, "bvm": run.bvm_command,
            "lab": run.lab_command, "nested": run.nested_command}

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


def guest_once(test, timeout, kind="qemu"):
    """Runs a test guest once with run.py's QEMU, Bochs, bvm or lab command
    (`kind`) for `test`; returns its serial text, or raises BenchError with why.

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
    want = GUEST_EXIT_OK if kind == "qemu" else 0
    if not bochs and p.returncode != want:  # Bochs's exits carry no status
        raise BenchError("exit status %d, want %d%s" % (p.returncode, want,
                                                       " (it said '%s')" % said[-1].strip()[:120]
                                                       if said else ""))
    return text


def lab_script_once(test, index):
    """Runs a lab-script= test (a shell script of bvm commands, tests/lab/) in one
    L1 boot; returns its part of the log, or raises BenchError with why."""
    res = lab_batch.run_batch([dict(test, platform="kvm-lab")], index)[0]
    if not res.ok:
        raise BenchError("the lab run failed: %s" % res.why)
    with open(os.path.join(run.BUILD, "tests", "logs", "kvm-lab-%s.log" % test["name"])) as f:
        return f.read()


def exitloop_once(test, timeout, kind="qemu", ops=tuple(op for op, _ in EXIT_OPS)):
    """One exitloop run (guest_once); returns ({op: TSC cycles per iteration},
    kHz or None). Each of ops must have its line."""
    text = guest_once(test, timeout, kind)
    cycles = {m.group(1): int(m.group(3)) / int(m.group(2)) for m in EXIT_LINE.finditer(text)
              if int(m.group(2))}
    missing = [op for op in ops if op not in cycles]
    if missing:
        raise BenchError("ended without the '%s' line" % ("exitloop: " + missing[0]))
    khz = KHZ_LINE.search(text)
    return cycles, int(khz.group(1)) if khz else None


def svc_modules(client, client_cmdline, svc_cmdline):
    """GRUB modules: the svc service domain serving one client guest (ELF path client,
    tests/manifest's svc-* lines), each with its command line."""
    return ("'%s:name=svc role=service mem=64M modules=c cmdline=\"client=%s %s\"' "
            "'%s:name=c cmdline=\"%s\"'" % (SVC, os.path.basename(client)[:-4], svc_cmdline,
                                             client, client_cmdline))


def exit_samples_column(title, samples, notes, **column):
    """The column of exitloop_once()'s samples: the median of each loop."""
    if not samples:
        return ExitColumn(title, why="failed (see below)", notes=notes, **column)
    cycles = {op: statistics.median(s[0][op] for s in samples) for op, _ in EXIT_OPS}
    khz = [s[1] for s in samples if s[1]]
    return ExitColumn(title, cycles, statistics.median(khz) if khz else None, notes=notes,
                      runs=len(samples), **column)


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


def serial_boot(cmd, log, marker, done, timeout):
    """Runs an emulator whose serial port writes to the file log until done(text,
    found) says so, it ends, or timeout s pass; returns (seconds from its start to
    the first line holding marker, None if none came; the log's text)."""
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    start, found, text = time.monotonic(), None, ""
    while time.monotonic() - start < timeout and p.poll() is None:
        text = open(log, errors="replace").read() if os.path.exists(log) else ""
        if found is None and marker in text:
            found = time.monotonic() - start
        if done(text, found):
            break
        time.sleep(0.05)
    p.kill()
    p.wait()
    return found, open(log, errors="replace").read() if os.path.exists(log) else text


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


def fmt_ratio(r):
    return "%.2fx" % r if r >= 0.1 else "%.2gx" % r
