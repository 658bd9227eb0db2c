#!/usr/bin/env python3
"""tests/fuzz.py: runs the libFuzzer targets of tests/fuzz/ (built by
`make fuzz-build` into build/fuzz/fuzz-NAME).

`tests/fuzz.py SECONDS [NAME...]` (what `make fuzz` runs) fuzzes each target
for SECONDS, one at a time, from its seeds in tests/fuzz/corpus/NAME plus
what earlier runs found (build/fuzz/corpus/NAME), and prints its execs and
execs/s; a crash is saved as build/fuzz/crash-NAME-* and fails the run.
tests/run.py calls smoke() for its `unit/fuzz-NAME` results.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build", "fuzz")
SMOKE_SECONDS = 1
DONE = re.compile(r"^Done (\d+) runs in (\d+) second")


def names():
    src = os.path.join(ROOT, "tests", "fuzz")
    return sorted(f[5:-2] for f in os.listdir(src) if f.startswith("fuzz_") and f.endswith(".c"))


def binary(name):
    return os.path.join(BUILD, "fuzz-" + name)


def run(name, seconds, workdir, seed=None):
    """Fuzzes name for seconds (from a fixed seed if given): (ok, execs, secs, last lines
    of its output)."""
    seeds = os.path.join(ROOT, "tests", "fuzz", "corpus", name)
    os.makedirs(workdir, exist_ok=True)
    cmd = [binary(name), "-max_total_time=%d" % seconds, "-timeout=10",
           "-artifact_prefix=%s/crash-%s-" % (BUILD, name), workdir]
    if os.path.isdir(seeds):
        cmd.append(seeds)
    if seed is not None:
        cmd.insert(1, "-seed=%d" % seed)
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=seconds + 120)
        out, rc = p.stdout.decode("utf-8", "replace").splitlines(), p.returncode
    except subprocess.TimeoutExpired:
        return False, 0, seconds + 120, ["libFuzzer did not stop in time"]
    secs = time.monotonic() - start
    m = next((DONE.match(l) for l in reversed(out) if DONE.match(l)), None)
    return rc == 0 and m is not None, int(m.group(1)) if m else 0, secs, out[-40:]


def smoke(name):
    """A short run for `make test`: (ok, secs, why, tail); new inputs go to a temporary dir.
    A fixed seed: the suite walks the same inputs on every run, so it does not fail
    at random; finding new crashes is `make fuzz`'s job."""
    with tempfile.TemporaryDirectory() as tmp:
        ok, execs, secs, tail = run(name, SMOKE_SECONDS, tmp, seed=1)
    why = "" if ok else next((l for l in tail if "ERROR" in l or "runtime error" in l),
                             "libFuzzer failed")
    return ok, secs, why, tail


def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    todo = sys.argv[2:] or names()
    failed = 0
    for name in todo:
        if not os.path.exists(binary(name)):
            print("fuzz-%s: not built (make fuzz-build)" % name)
            failed += 1
            continue
        ok, execs, secs, tail = run(name, seconds, os.path.join(BUILD, "corpus", name))
        print("fuzz-%-16s %12d execs in %4.0fs  %9.0f execs/s%s" % (
            name, execs, secs, execs / secs if secs else 0, "" if ok else "  CRASH"), flush=True)
        if not ok:
            failed += 1
            print("\n".join("    " + l for l in tail[-20:]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
