#!/usr/bin/env python3
"""scripts/kvm_unit_tests.py: runs kvm-unit-tests' x86_64 kernels (built by
scripts/kvm-unit-tests.sh) on plain QEMU TCG, the way its x86/run and
scripts/runtime.bash do, and as domains of bivisor on QEMU's SVM (AMD APM
vol. 2, 15), several to one boot. A kernel ends by writing its status to port
0xf4 (lib/x86/io.c:exit): 0 is PASS, 38 (77 >> 1, report_summary's "all
skipped") is SKIP, anything else FAIL. Prints the project's result lines, a
summary and a table; logs go to OUT/logs. docs/kvm-unit-tests.md explains it.
"""
import argparse
import concurrent.futures
import configparser
import os
import re
import shlex
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLATFORMS = ("qemu", "svm-qemu")
SKIP_STATUS = 77 >> 1
DEFAULT_TIMEOUT = 90  # scripts/runtime.bash's
SLOW = 3  # bivisor's timeouts are this many times the cfg's: TCG's SVM is slower
QEMU_SLOW = 2  # plain QEMU's: TCG on a machine shared with other emulators
BOOT_SECS = 40  # GRUB, bivisor and loading the modules before the first domain
MAX_MEM = 512  # MiB a domain gets at most, whatever its -m


def duration(text):
    m = re.fullmatch(r"(\d+)([smh]?)", text.strip())
    if not m:
        return DEFAULT_TIMEOUT
    return int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def expand(text):
    """Backticks in the cfg (kvmclock_test's `date +%s`) are for the shell."""
    if "`" not in text:
        return text
    return subprocess.run(["bash", "-c", "echo " + text], stdout=subprocess.PIPE,
                          check=True).stdout.decode().strip()


def read_cfg(path):
    cfg = configparser.RawConfigParser(strict=False)
    cfg.read(path)
    tests = []
    for name in cfg.sections():
        s = cfg[name]
        tests.append({"name": name, "file": s.get("file", ""), "smp": int(s.get("smp", "1")),
                      "args": expand(s.get("test_args", s.get("extra_params", ""))).strip("'\""),
                      "qemu": expand(s.get("qemu_params", "")), "arch": s.get("arch", ""),
                      "accel": s.get("accel", ""), "groups": s.get("groups", "").split(),
                      "check": s.get("check", ""),
                      "timeout": duration(s.get("timeout", str(DEFAULT_TIMEOUT)))})
    return tests


def skip_reason(t, flat_dir):
    """Why a test is not run at all, as run_tests.sh would decide on TCG."""
    if t["arch"] and t["arch"] != "x86_64":
        return "%s only" % t["arch"]
    if t["accel"] == "kvm" or "-enable-kvm" in t["qemu"] or "-cpu host" in t["qemu"]:
        return "needs KVM (accel = kvm, -cpu host or -enable-kvm)"
    if t["check"]:
        return "needs a KVM module parameter of the host (%s)" % t["check"]
    if "nodefault" in t["groups"]:
        return "nodefault group: run_tests.sh leaves it out"
    if "vmx" in t["groups"]:
        return "needs VMX, which QEMU TCG does not emulate"
    if not os.path.exists(os.path.join(flat_dir, t["file"])):
        return "%s was not built" % t["file"]
    return None


def mem_mib(t):
    """The RAM a test asks for with -m (QEMU's default 128 MiB without)."""
    words = shlex.split(t["qemu"])
    for i, w in enumerate(words[:-1]):
        if w == "-m":
            v = words[i + 1].lower()
            return int(v[:-1]) * 1024 if v.endswith("g") else int(v.rstrip("m"))
    return 128


class Result:
    def __init__(self, test, platform, verdict, secs=0.0, why="", started=False):
        self.test, self.platform, self.verdict = test, platform, verdict
        self.secs, self.why, self.started = secs, why, started

    def line(self):
        name = "%s/kut-%s" % (self.platform, self.test)
        if self.verdict == "PASS":
            return "PASS %s (%.1fs)" % (name, self.secs)
        return "%s %s: %s" % (self.verdict, name, self.why)


def verdict_of(status, last_line):
    if status == 0:
        return "PASS", ""
    if status == SKIP_STATUS:
        return "SKIP", "the kernel skipped it (status 38): " + last_line
    return "FAIL", "status %d; %s" % (status, last_line)


def last_words(lines, n=1):
    lines = [l.strip() for l in lines if l.strip()]
    return " | ".join(lines[-n:])[:200] if lines else "no output"


# What every kernel prints in lib/x86's start-up, before its main() runs.
STARTUP = re.compile(r"\s*(enabling apic|smp: waiting for \d+ APs|setup: CPU \d+ online|"
                     r"paging enabled|cr[034] = )")


def past_startup(lines, ended=False):
    """The kernel reached its main(): it ended through the exit port, or printed
    a line of its own before any exception."""
    for l in lines:
        if l.lstrip().startswith("Unhandled"):
            return ended
        if l.strip() and not STARTUP.match(l):
            return True
    return ended


def stall(lines):
    """Where a kernel that never ended stopped: its first FAIL, its last line."""
    fail = first_fail(lines)
    return ("first %s; " % fail if fail else "") + "last: " + last_words(lines)


def first_fail(lines):
    """The first FAIL line, or the exception that ended the kernel (lib/x86/desc.c)."""
    return next((l.strip() for l in lines if l.lstrip().startswith(("FAIL", "Unhandled"))),
                None)


def qemu_command(t, flat_dir, log):
    """x86/run's command line, with TCG (scripts/arch-run.bash adds no -m)."""
    cmd = ["nice", "-n", "10", "qemu-system-x86_64", "--no-reboot", "-nodefaults",
           "-device", "pc-testdev", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x4",
           "-display", "none", "-serial", "file:" + log, "-device", "pci-testdev",
           "-machine", "accel=tcg", "-kernel", os.path.join(flat_dir, t["file"]),
           "-smp", str(t["smp"])] + shlex.split(t["qemu"])
    return cmd + (["-append", t["args"]] if t["args"] else [])


def run_qemu(t, flat_dir, logs):
    log = os.path.join(logs, "qemu-%s.log" % t["name"])
    start = time.monotonic()
    try:
        p = subprocess.run(qemu_command(t, flat_dir, log), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=QEMU_SLOW * t["timeout"])
    except subprocess.TimeoutExpired:
        lines = read_lines(log)
        return Result(t["name"], "qemu", "FAIL", 0, "no end in %ds; %s" % (
            QEMU_SLOW * t["timeout"], stall(lines)), past_startup(lines))
    secs = time.monotonic() - start
    lines = read_lines(log)
    if p.returncode & 1 == 0:  # QEMU itself ended, not the test's exit port
        return Result(t["name"], "qemu", "FAIL", secs, "QEMU status %d: %s" % (
            p.returncode, last_words(p.stdout.decode("utf-8", "replace").splitlines())))
    verdict, why = verdict_of(p.returncode >> 1, first_fail(lines) or last_words(lines))
    return Result(t["name"], "qemu", verdict, secs, why, past_startup(lines, True))


def read_lines(path):
    try:
        with open(path, errors="replace") as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def domain_names(batch):
    """bivisor's name= takes up to 31 letters, digits, - and _."""
    names = {}
    for i, t in enumerate(batch):
        n = re.sub(r"[^A-Za-z0-9_-]", "_", t["name"])
        names[t["name"]] = n if len(n) <= 31 else "%s-%d" % (n[:27], i)
    return names


def module_arg(t, flat_dir, dom):
    opts = "name=%s vcpus=%d mem=%dM" % (dom, t["smp"], min(mem_mib(t), MAX_MEM))
    if t["args"]:
        opts += ' cmdline="%s"' % t["args"]
    return "%s:%s" % (os.path.join(flat_dir, t["file"]), opts)


def svm_command(iso, log, batch):
    mem = 512 + sum(min(mem_mib(t), MAX_MEM) for t in batch)
    return ["nice", "-n", "10", "qemu-system-x86_64", "-cpu", "max", "-display", "none",
            "-no-reboot", "-monitor", "none", "-device", "isa-debug-exit,iobase=0xf4,iosize=1",
            "-serial", "file:" + log, "-smp", "2", "-m", "%dM" % mem, "-cdrom", iso]


END_LINE = re.compile(r"domain (\S+): (exited with status (-?\d+)|not created.*)$|"
                      r"domain (\S+) crashed(.*)$")


def domain_ends(lines):
    """{domain: (status or None, the line)} for every domain that ended."""
    ends = {}
    for l in lines:
        m = END_LINE.search(l)
        if m and m.group(1):
            ends.setdefault(m.group(1), (int(m.group(3)) if m.group(3) else None, l.strip()))
        elif m:
            ends.setdefault(m.group(4), (None, l.strip()))
    return ends


def wait_batch(proc, log, batch, names):
    """Polls the log until every domain ended or passed its own deadline (after
    boot); returns {domain: seconds until its end line, or None}."""
    start = time.monotonic()
    deadline = {names[t["name"]]: start + BOOT_SECS + SLOW * t["timeout"] for t in batch}
    seen = {}
    while proc.poll() is None:
        now = time.monotonic()
        for d in domain_ends(read_lines(log)):
            seen.setdefault(d, now - start)
        if all(d in seen or now > dl for d, dl in deadline.items()):
            break
        time.sleep(0.5)
    for d in domain_ends(read_lines(log)):
        seen.setdefault(d, time.monotonic() - start)
    return seen


def judge_domain(t, dom, lines, seen):
    own = [l[len(dom) + 3:] for l in lines if l.startswith("[%s] " % dom)]
    end, started = domain_ends(lines).get(dom), past_startup(own)
    if end is None:
        return Result(t["name"], "svm-qemu", "FAIL", 0, "no end in %ds; %s" % (
            SLOW * t["timeout"], stall(own)), started)
    status, line = end
    if status is None:
        return Result(t["name"], "svm-qemu", "FAIL", seen.get(dom, 0), line, started)
    verdict, why = verdict_of(status, first_fail(own) or last_words(own))
    started = past_startup(own, True)
    return Result(t["name"], "svm-qemu", verdict, seen.get(dom, 0), why, started)


def run_batch(batch, flat_dir, logs, index):
    """Several kernels as domains of one bivisor boot; they run side by side."""
    names = domain_names(batch)
    iso = os.path.join(logs, "batch%d.iso" % index)
    log = os.path.join(logs, "svm-qemu-batch%d.log" % index)
    if os.path.exists(log):
        os.unlink(log)
    mods = [module_arg(t, flat_dir, names[t["name"]]) for t in batch]
    subprocess.run([os.path.join(ROOT, "scripts", "mkiso.sh"), iso, "testexit"] + mods,
                   check=True, cwd=ROOT)
    proc = subprocess.Popen(svm_command(iso, log, batch), stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        seen = wait_batch(proc, log, batch, names)
    finally:
        proc.kill()
        proc.wait()
    lines = read_lines(log)
    for t in batch:
        d = names[t["name"]]
        own = [l for l in lines if "[%s] " % d in l or re.search(r"domain %s\b" % d, l)]
        with open(os.path.join(logs, "svm-qemu-%s.log" % t["name"]), "w") as f:
            f.write("\n".join(own) + "\n")
    return [judge_domain(t, names[t["name"]], lines, seen) for t in batch]


def batches(tests, size):
    """Tests of like timeouts together, so a boot is not held by one slow kernel."""
    order = sorted(tests, key=lambda t: (t["timeout"], t["name"]))
    return [order[i:i + size] for i in range(0, len(order), size)]


def table(tests, results):
    """NAME | qemu | svm-qemu | whether the kernel reached its tests under bivisor."""
    by = {(r.test, r.platform): r for r in results}
    rows = ["| test | qemu | svm-qemu | past start-up under bivisor |", "|---|---|---|---|"]
    for t in tests:
        q, s = by.get((t["name"], "qemu")), by.get((t["name"], "svm-qemu"))
        ran = s and s.verdict != "SKIP" or s and s.started
        rows.append("| %s | %s | %s | %s |" % (t["name"], q.verdict if q else "-",
                                               s.verdict if s else "-",
                                               ("yes" if s.started else "no") if ran else "-"))
    return rows


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cfg", required=True)
    ap.add_argument("--flat", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default=os.environ.get("KUT_ONLY", ""))
    ap.add_argument("--platforms", default=os.environ.get("KUT_PLATFORMS", ",".join(PLATFORMS)))
    ap.add_argument("--batch", type=int, default=int(os.environ.get("KUT_BATCH", "4")))
    args = ap.parse_args()
    if not set(args.platforms.split(",")) <= set(PLATFORMS) or args.batch < 1:
        ap.error("platforms are %s; the batch is at least 1" % ",".join(PLATFORMS))
    return args


def plan(args, tests, logs):
    """(skip results, jobs); each job returns a list of results."""
    skips, run, platforms = [], [], args.platforms.split(",")
    for t in tests:
        why = skip_reason(t, args.flat)
        if why:
            skips += [Result(t["name"], p, "SKIP", 0, why) for p in platforms]
        else:
            run.append(t)
    jobs = []
    if "svm-qemu" in platforms:
        jobs += [lambda b=b, i=i: run_batch(b, args.flat, logs, i)
                 for i, b in enumerate(batches(run, args.batch))]
    if "qemu" in platforms:
        jobs += [lambda t=t: [run_qemu(t, args.flat, logs)] for t in run]
    return skips, jobs


def main():
    args = parse_args()
    tests = read_cfg(args.cfg)
    if args.only:
        tests = [t for t in tests if t["name"] in args.only.split()]
    logs = os.path.join(args.out, "logs")
    os.makedirs(logs, exist_ok=True)
    skips, jobs = plan(args, tests, logs)
    results = list(skips)
    for r in skips:
        print(r.line(), flush=True)
    lock = threading.Lock()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:  # 2 emulators at most
        for rs in pool.map(lambda job: job(), jobs):
            with lock:
                for r in rs:
                    print(r.line(), flush=True)
                results += rs
    count = {v: sum(r.verdict == v for r in results) for v in ("PASS", "FAIL", "SKIP")}
    print("%d passed, %d failed, %d skipped" % (count["PASS"], count["FAIL"], count["SKIP"]))
    started = [r for r in results if r.platform == "svm-qemu" and r.started]
    print("%d kernels got past their start-up under bivisor" % len(started))
    print("\n".join(table(tests, results)))
    return 1 if count["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
