"""tests/lab_batch.py: kvm-lab tests, several per boot of the nested-KVM lab.

The lab (PLATFORMS.md 4) is Debian's kernel as L1 under QEMU TCG with KVM on
the emulated SVM. One L1 boot runs a batch of bvm commands in a row: the
runner appends a small cpio archive with /lab/batch (one `lab_run` line per
test, see tests/lab/init) to the lab's initramfs (Linux unpacks concatenated
archives: Documentation/driver-api/early-userspace/buffer-format.rst), reads
the serial log as it grows, and cuts it into one segment per test between
`LAB: begin NAME` and `LAB: end NAME`.

Every kvm-hosted guest test also runs here (from_hosted), so bvm and the
shared device models are tested on every machine, with or without /dev/kvm.
The lab_run tests run bvm-san, bvm built with ASan and UBSan (lab_bvm).
L1 runs on one CPU: with two, multi-threaded TCG froze L1 now and then in
Linux's int3 path (live code patching of static keys as VMs come and go), and
single-threaded TCG broke L2 Linux's GS base in about half its boots; see
docs/testing.md. L1 boots with nokaslr, so the RIPs of a stall report match
the addresses of the kernel's System.map (from Debian's linux-image-*-dbg
package).
"""
import os
import re
import shlex
import subprocess
import time

import emulator
from emulator import BUILD, Result, TAIL_LINES, split_list

LAB_BOOT_SECS = 60  # L1's boot to its first run, and its power-off after the last
BATCH_SIZE = 6
WATCHDOG_MARGIN = 10  # bvm's --watchdog ends a stuck guest this long before the runner would


def batch_lab(tests):
    """The lab tests in batches of at most BATCH_SIZE, in manifest order, spread
    evenly (two batches of 4, not one of 6 and one of 2)."""
    n = -(-len(tests) // BATCH_SIZE)
    return [tests[i::n] for i in range(n)] if tests else []


def from_hosted(t):
    """A kvm-hosted guest test as a lab test: the same image, options and
    expectations, with the disk, socket peers and console inside L1."""
    bvm = t.get("bvm", "")
    peer = ""
    if "net" in t:
        bvm, peer = bvm.replace("{net}", "3"), "echo"
    if "vconsole" in t:
        bvm, peer = bvm.replace("{vconsole}", "3"), "pong"
    bvm = bvm.replace("{disk}", "/tmp/%s.img" % t["name"])
    args = ["run", "--kernel", "/guests/" + os.path.basename(t["kernel"])] + shlex.split(bvm)
    lab = dict(t, platform="kvm-lab", lab=shlex.join(args), peer=peer)
    if t.get("cmdline"):
        lab["guest"] = t["cmdline"]
    return lab


def peer_of(t):
    """netpeer's mode for the test (tests/lab/netpeer.c), or '' for none."""
    if "peer" in t:
        return t["peer"]
    return "arp" if " --net socket=3" in " %s " % t.get("lab", "") else ""


def run_line(t):
    if "lab-script" in t:  # a shell script of bvm commands (tests/lab/init: lab_script)
        return "lab_script %s %s\n" % (shlex.quote(t["name"]), shlex.quote(script_path(t)))
    args = shlex.split(t.get("lab", ""))
    if args[:1] == ["run"] and "--watchdog" not in args:
        args += ["--watchdog", str(max(5, int(float(t["timeout"])) - WATCHDOG_MARGIN))]
    words = [t["name"], peer_of(t) or "-", t.get("disk", "0"), t.get("signal", "-"),
             t.get("guest", "")] + args
    return "BVM=%s; lab_run %s\n" % (lab_bvm(t), " ".join(shlex.quote(w) for w in words))


def lab_bvm(t):
    """Which bvm L1 runs for a lab_run test: the sanitizer build (scripts/mklab.sh), whose
    ASan or UBSan report fails the test (emulator.SAN_REJECT); LAB_BVM=bvm gives the
    plain one, to compare the two. A signal= test keeps the plain bvm: L1's shell starts
    bvm with SIGQUIT ignored (POSIX, for a background command) until bvm blocks it for
    sigtimedwait, and bvm-san's slower start in L1 let the signal land before that."""
    if "signal" in t:
        return "bvm"
    return os.environ.get("LAB_BVM", "bvm-san")


def script_path(t):
    """Where a lab-script= test's script lies in L1."""
    return "/lab/%s.sh" % t["name"]


def batch_files(tests):
    """/lab/batch, one line per test, the scripts of the lab-script= tests and the
    functions they share (tests/lab/lib.sh)."""
    files = {"lab/batch": ("# written by tests/lab_batch.py\n" +
                           "".join(run_line(t) for t in tests)).encode()}
    with open(os.path.join(emulator.ROOT, "tests", "lab", "lib.sh"), "rb") as f:
        files["lab/lib.sh"] = f.read()
    for t in tests:
        if "lab-script" in t:
            with open(os.path.join(emulator.ROOT, t["lab-script"]), "rb") as f:
                files[script_path(t)[1:]] = f.read()
    return files


def cpio_newc(files):
    """A newc cpio archive (no compression) of {path: bytes} with their
    directories, and its trailer (the kernel creates no parent directories)."""
    out, ino = bytearray(), 1
    dirs = sorted({os.path.dirname(p) for p in files} - {""})
    for path, data, mode in [(d, b"", 0o40755) for d in dirs] + \
            [(p, d, 0o100755) for p, d in files.items()] + [("TRAILER!!!", b"", 0)]:
        name = path.encode() + b"\0"
        fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name), 0)
        out += b"070701" + b"".join(b"%08x" % v for v in fields) + name
        out += b"\0" * (-len(out) % 4) + data
        out += b"\0" * (-len(out) % 4)
        ino += 1
    return bytes(out)


def batch_initrd(tests, path):
    """The lab's initramfs (with gdb when a test has gdb=1: scripts/mklab.sh
    --gdb) followed by an archive with this batch's /lab/batch and scripts."""
    base = "initrd-gdb.gz" if any(t.get("gdb") for t in tests) else "initrd.gz"
    with open(os.path.join(BUILD, "lab", base), "rb") as f:
        base = f.read()
    with open(path, "wb") as f:
        f.write(base + b"\0" * (-len(base) % 512))  # zeros between archives are skipped
        f.write(cpio_newc(batch_files(tests)))
    return path


def l1_command(initrd, serial, append):
    """L1: Debian's kernel on one CPU under TCG, -cpu max (SVM for KVM), with
    the serial options given. LAB_TCG=multi|single, LAB_SMP=N and LAB_CPU=MODEL
    change the CPU side, for loops that compare (docs/testing.md). no_timer_check:
    on a loaded host L1's Linux sometimes missed the timer ticks its boot check
    counts and panicked ("IO-APIC + timer doesn't work!") before any test ran;
    its timer works, it is only late, as on any emulated machine."""
    accel = "tcg,thread=%s" % os.environ.get("LAB_TCG", "single")
    append += " no_timer_check"
    return ["qemu-system-x86_64", "-accel", accel, "-cpu", os.environ.get("LAB_CPU", "max"),
            "-smp", os.environ.get("LAB_SMP", "1"),
            "-m", "1G", "-display", "none", "-no-reboot", "-monitor", "none"] + serial + \
        ["-kernel", os.path.join(BUILD, "guest", "bzImage"), "-initrd", initrd,
         "-append", append]


def lab_command(initrd, socks):
    """L1 running this batch, its serial port in the log, QMP for a stall."""
    return l1_command(initrd, socks.qemu_options(keys=False),
                      "console=ttyS0 quiet panic=-1 nokaslr lab=batch")


BEGIN = re.compile(r"LAB: begin (\S+)$")
END = re.compile(r"LAB: end (\S+)$")
STATUS = re.compile(r"LAB: \S+ exited with status (\d+)")


class Progress:
    """Where the batch is: when each test began and ended, and the last marker."""

    def __init__(self):
        self.began, self.ended = {}, {}
        self.last = time.monotonic()

    def update(self, lines):
        for l in lines:
            for pattern, seen in ((BEGIN, self.began), (END, self.ended)):
                m = pattern.search(l)
                if m and m.group(1) not in seen:
                    seen[m.group(1)] = self.last = time.monotonic()

    def overdue(self, tests):
        """The test that ran past its time, 'boot' when L1 went quiet between
        runs (booting, powering off) for LAB_BOOT_SECS, else None."""
        now = time.monotonic()
        for t in tests:
            began = self.began.get(t["name"])
            if began is not None and t["name"] not in self.ended:
                return t["name"] if now > began + float(t["timeout"]) else None
        return "boot" if now > self.last + LAB_BOOT_SECS else None

    def secs(self, name):
        if name in self.began:
            return self.ended.get(name, time.monotonic()) - self.began[name]
        return 0.0


def wait_batch(proc, tests, log, socks):
    """Follows the log until L1 powers off or a test overruns; then diagnoses.
    Returns the progress, what stalled (or None) and the diagnosis."""
    progress = Progress()
    while proc.poll() is None:
        time.sleep(0.2)
        progress.update(emulator.read_lines(log))
        late = progress.overdue(tests)
        if late:
            notes = emulator.diagnose(socks)
            proc.kill()
            proc.wait()
            return progress, late, notes
    return progress, None, []


def segment(lines, name):
    """The lines of one test's run, and whether its end marker came."""
    out, inside = [], False
    for l in lines:
        b, e = BEGIN.search(l), END.search(l)
        if b and b.group(1) == name:
            inside = True
        elif inside and e and e.group(1) == name:
            return out, True
        elif inside:
            out.append(l)
    return out, False


def judge_unfinished(name, t, seg, lines, stalled, notes):
    if not seg:
        why = "not run: L1 %s before it" % ("stalled in %s" % stalled if stalled else "ended")
        return Result(name, False, 0, why, lines[-TAIL_LINES:] + notes)
    why = "timeout after %ss" % t["timeout"] if stalled == t["name"] else "L1 stopped"
    return Result(name, False, 0, "its run in the lab did not end (%s)" % why,
                  seg[-TAIL_LINES:] + notes)


def judge(t, lines, progress, stalled, notes):
    """One test's result from its segment of the log."""
    name = "kvm-lab/" + t["name"]
    seg, done = segment(lines, t["name"])
    if not done:
        return judge_unfinished(name, t, seg, lines, stalled, notes)
    secs, tail = progress.secs(t["name"]), seg[-TAIL_LINES:]
    missing, rejected = emulator.check(seg, split_list(t.get("expect")),
                                       split_list(t.get("reject")) + emulator.SAN_REJECT)
    status = [int(m.group(1)) for m in map(STATUS.search, seg) if m]
    if rejected:
        return Result(name, False, secs, "output has '%s'" % rejected, tail)
    if missing:
        return Result(name, False, secs, "no '%s'" % missing, tail)
    if status[-1:] != [int(t["exit"])]:
        return Result(name, False, secs, "bvm exited with status %s, want %s"
                      % (status[-1] if status else "?", t["exit"]), tail)
    return Result(name, True, secs)


def run_batch(tests, index):
    """Boots L1 once for the tests; one Result per test, in order."""
    logdir = os.path.join(BUILD, "tests", "logs")
    os.makedirs(logdir, exist_ok=True)
    log = os.path.join(logdir, "kvm-lab-batch%d.log" % index)
    for f in (log, log + ".regs"):
        if os.path.exists(f):
            os.unlink(f)
    initrd = batch_initrd(tests, os.path.join(BUILD, "tests", "lab-batch%d.gz" % index))
    socks = emulator.Sockets(log)
    try:
        proc = subprocess.Popen(lab_command(initrd, socks), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        progress, stalled, notes = wait_batch(proc, tests, log, socks)
    finally:
        socks.close()
    lines = emulator.read_lines(log) + proc.stdout.read().decode("utf-8", "replace").splitlines()
    for t in tests:  # each test's own part of the log, for reading after a failure
        with open(os.path.join(logdir, "kvm-lab-%s.log" % t["name"]), "w") as f:
            f.write("\n".join(segment(lines, t["name"])[0]) + "\n")
    return [emulator.post_check(t, judge(t, lines, progress, stalled, notes),
                                {"log": os.path.join(logdir, "kvm-lab-%s.log" % t["name"])})
            for t in tests]
