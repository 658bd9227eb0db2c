#!/usr/bin/env python3
"""tests/bench.py: `make bench`. Boot-time figures of the Type-1 kernel.

For -smp 1 and -smp 4 (QEMU TCG -cpu max, 512 MiB), boots the GRUB ISO five
times and prints the median wall time from starting QEMU to the serial line
"N CPUs online". Figures, not pass/fail: speed goals live here, never in
timed tests. Later issues add peers (Xen, plain QEMU) measured in the same run.
"""
import os
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


def main():
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
