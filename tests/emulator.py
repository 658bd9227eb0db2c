"""tests/emulator.py: what tests/run.py and tests/lab_batch.py share: a test's
result line, reading a serial log, checking it, and diagnosing a stalled QEMU.

A QEMU the runner starts gets two sockets in a private directory: its QMP
monitor (QEMU's docs/interop/qmp-spec) and its first serial port, whose output
QEMU also writes to the log file (a chardev's logfile= option). When a test
stalls, the runner types debug keys on that serial port (bivisor's debug
console, `d`: every vCPU's state, RIP, IRR/ISR and next timer), then reads each
CPU's registers through QMP (`info registers -a`), before it kills QEMU.
"""
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
TAIL_LINES = 40


class Result:
    def __init__(self, name, ok, secs, why="", tail=None, skip=False):
        self.name, self.ok, self.secs, self.why = name, ok, secs, why
        self.tail, self.skip = tail or [], skip

    def line(self):
        if self.skip:
            return "SKIP %s: %s" % (self.name, self.why)
        if self.ok:
            return "PASS %s (%.1fs)" % (self.name, self.secs)
        return "FAIL %s: %s" % (self.name, self.why)


def read_lines(path):
    try:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return []
    return [re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", l).rstrip("\r") for l in data.split("\n")]


def split_list(value):
    """The parts of a manifest value "A; B"."""
    return [s.strip() for s in value.split(";") if s.strip()] if value else []


# An ASan, LeakSanitizer or UBSan report fails a bvm test (kvm-hosted and kvm-lab run
# the sanitizer build, build/bvm-san), whatever else the output has.
SAN_REJECT = ["ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"]


def check(lines, expect, reject):
    """Returns (missing expectation or None, rejected line or None)."""
    text = "\n".join(lines)
    for r in reject:
        if r in text:
            return None, r
    for e in expect:
        if e not in text:
            return e, None
    return None, None


class Sockets:
    """The QMP and serial sockets of one QEMU run, in a short private path
    (a Unix socket's path has at most 107 bytes)."""

    def __init__(self, log):
        self.dir = tempfile.mkdtemp(prefix="bivisor-q")
        self.qmp = os.path.join(self.dir, "qmp")
        self.serial = os.path.join(self.dir, "serial")
        self.log = log

    def qemu_options(self, keys):
        """QMP always; the serial port on a socket (and into the log) when keys
        may be typed, else straight into the log file."""
        opts = ["-qmp", "unix:%s,server=on,wait=off" % self.qmp]
        if keys:
            return opts + ["-chardev", "socket,id=ser0,path=%s,server=on,wait=off,logfile=%s"
                           % (self.serial, self.log), "-serial", "chardev:ser0"]
        return opts + ["-serial", "file:" + self.log]

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def connect(path, timeout=2.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def qmp_recv(s, f):
    """The next QMP reply that is not an event."""
    while True:
        line = f.readline()
        if not line:
            raise OSError("QMP closed")
        msg = json.loads(line)
        if "event" not in msg:
            return msg


def qmp_human(path, command):
    """Output of one human-monitor command through QMP."""
    with connect(path, 5.0) as s, s.makefile("r") as f:
        qmp_recv(s, f)  # the greeting
        s.sendall(b'{"execute": "qmp_capabilities"}\n')
        qmp_recv(s, f)
        s.sendall(json.dumps({"execute": "human-monitor-command",
                              "arguments": {"command-line": command}}).encode() + b"\n")
        return qmp_recv(s, f).get("return", "")


def type_keys(path, keys, wait=2.0):
    """Types keys on the serial socket; what comes back also reaches the log."""
    with connect(path) as s:
        s.sendall(keys)
        end = time.monotonic() + wait
        while time.monotonic() < end:
            try:
                if not s.recv(65536):
                    break
            except socket.timeout:
                break


def summarize_registers(text):
    """One line per CPU: its RIP, CPL and HLT state."""
    out, cpu = [], "CPU"
    for l in text.splitlines():
        if l.startswith("CPU#"):
            cpu = l.split()[0]
        m = re.match(r"RIP=([0-9a-f]+) .*(CPL=\d).*(HLT=\d)", l)
        if m:
            out.append("%s RIP=%s %s %s" % (cpu, m.group(1), m.group(2), m.group(3)))
    return out


def diagnose(sockets, keys=None):
    """Before a stalled QEMU is killed: the debug keys' view (into the log),
    then every CPU's registers (into LOG.regs). Returns summary lines."""
    notes = []
    if keys:
        try:
            type_keys(sockets.serial, keys)
            notes.append("typed debug keys %r on the console (their view is in the log)" % keys)
        except OSError as e:
            notes.append("could not type debug keys: %s" % e)
    try:
        regs = qmp_human(sockets.qmp, "info registers -a")
    except (OSError, ValueError) as e:
        return notes + ["no register dump from QMP: %s" % e]
    with open(sockets.log + ".regs", "w") as f:
        f.write(regs)
    return notes + ["registers (all of them in %s.regs):" % os.path.relpath(sockets.log, ROOT)] + \
        summarize_registers(regs)


def post_check(test, result, files):
    """post="COMMAND": after a passing run, COMMAND (shell words; {log} and {com2}
    name the run's files) must exit 0, or the test fails with its last line."""
    if not result.ok or not test.get("post"):
        return result
    words = [w.format(**files) for w in shlex.split(test["post"])]
    p = subprocess.run(words, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=120)
    out = p.stdout.decode("utf-8", "replace").splitlines()
    if p.returncode:
        why = "post check failed: %s" % (out[-1] if out else "status %d" % p.returncode)
        return Result(result.name, False, result.secs, why, out[-TAIL_LINES:])
    return result
