#!/usr/bin/env python3
# tests/bench_sched.py: the scheduler's fairness and overhead (issue 6, item 7),
# part of `make bench`. bivisor runs in QEMU TCG on one host CPU with three
# CPU-bound domains (guest-tools/spin.c, forever=1) of weights 1:2:4; each
# domain's work units arrive at the progress port 0xf5, which bivisor counts.
# The debug console (scripted with keys=) prints the counters twice; the
# shares between the two snapshots are compared with the weights' shares, for
# sched=rr and sched=credit, in the same run. The run queue view (key r)
# gives the context switches and the time each one took.
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPIN = os.path.join(ROOT, "build", "guests", "spin.elf")
WEIGHTS = (128, 256, 512)
FIRST_MS, SECOND_MS = 3000, 11000  # snapshots, ms after the scheduler starts
GOAL = 0.05  # credit: each share within 5% (relative) of its weight's share

DOM_RE = re.compile(r"dom\d+ (\S+): \S+, \d+ vcpus, weight \d+, cap \d+, cpus \S+, progress (\d+)")
VCPU_RE = re.compile(r"  vcpu0: .* (\d+) ms, (\d+) switches")
CPU_RE = re.compile(r"cpu(\d+): running .* (\d+) switches \((\d+) ns each\)")


def run_policy(policy, smp=1):
    """Boots bivisor with the three spinners; returns the serial log text."""
    keys = "%d:d/%d:d/%d:r" % (FIRST_MS, SECOND_MS, SECOND_MS + 50)
    mods = ["%s:name=w%d weight=%d cmdline=forever=1" % (SPIN, w, w) for w in WEIGHTS]
    with tempfile.TemporaryDirectory() as d:
        iso, log = os.path.join(d, "b.iso"), os.path.join(d, "serial.log")
        subprocess.run([os.path.join(ROOT, "scripts", "mkiso.sh"), iso,
                        "sched=%s keys=%s" % (policy, keys)] + mods, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cmd = ["qemu-system-x86_64", "-cpu", "max", "-smp", str(smp), "-m", "256M",
               "-display", "none", "-no-reboot", "-monitor", "none", "-serial", "file:" + log,
               "-cdrom", iso]
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        start, text = time.monotonic(), ""
        while time.monotonic() - start < 120 and p.poll() is None:
            text = open(log, errors="replace").read() if os.path.exists(log) else ""
            if len(CPU_RE.findall(text)) >= smp:
                break
            time.sleep(0.2)
        p.kill()
        p.wait()
        return text


def snapshots(text):
    """Progress per domain name at each 'd' snapshot, in order."""
    snaps, cur = [], None
    for line in text.splitlines():
        m = DOM_RE.search(line)
        if not m:
            continue
        if cur is None or m.group(1) in cur:
            cur = {}
            snaps.append(cur)
        cur[m.group(1)] = int(m.group(2))
    return snaps


def shares(text):
    snaps = snapshots(text)
    if len(snaps) < 2:
        return None
    delta = {k: snaps[1][k] - snaps[0].get(k, 0) for k in snaps[1]}
    total = sum(delta.values())
    return {k: v / total for k, v in delta.items()} if total else None


def overhead(text):
    """(switches per second, ns per switch) from the run-queue view."""
    m = CPU_RE.findall(text)
    if not m:
        return None
    switches = sum(int(s) for _, s, _ in m)
    ns = sum(int(s) * int(n) for _, s, n in m) / max(switches, 1)
    return switches / ((SECOND_MS + 50) / 1000.0), ns


def main():
    print()
    print("Scheduler fairness: 3 CPU-bound domains (spin, forever=1) with weights %s on one\n"
          "host CPU (QEMU TCG -smp 1), work units at the progress port between %.0f s and %.0f s"
          % ("/".join(map(str, WEIGHTS)), FIRST_MS / 1000, SECOND_MS / 1000))
    if not os.path.exists(SPIN):
        print("  not measured: %s is missing (make all)" % SPIN)
        return 0
    results = {p: run_policy(p) for p in ("rr", "credit")}
    got = {p: shares(t) for p, t in results.items()}
    rows = [["domain", "weight", "weight's share", "rr share", "credit share", "credit off by"]]
    worst = 0.0
    for w in WEIGHTS:
        name, want = "w%d" % w, w / sum(WEIGHTS)
        rr = got["rr"].get(name) if got["rr"] else None
        cr = got["credit"].get(name) if got["credit"] else None
        off = abs(cr - want) / want if cr is not None else None
        worst = max(worst, off if off is not None else 1.0)
        rows.append([name, str(w), "%.1f%%" % (100 * want),
                     "%.1f%%" % (100 * rr) if rr is not None else "-",
                     "%.1f%%" % (100 * cr) if cr is not None else "-",
                     "%+.1f%%" % (100 * (cr - want) / want) if cr is not None else "-"])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  " + "  ".join(c.rjust(widths[i]) for i, c in enumerate(r)))
    print("  goal credit within +-%d%% of each weight's share: %s (worst %.1f%%)"
          % (100 * GOAL, "met" if worst <= GOAL else "NOT met", 100 * worst))
    for p in ("rr", "credit"):
        o = overhead(results[p])
        if o:
            print("  %s: %.0f context switches per second, %.0f ns per switch (pick, account,"
                  " put, VMCB/VMCS unload)" % (p, o[0], o[1]))
        else:
            print("  %s: no run-queue view in the log" % p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
