#!/usr/bin/env python3
"""tests/run.py: the bivisor test runner.

Runs the host unit tests (cmocka binaries in build/unit/) and every test of
tests/manifest, and prints one line per test:
    PASS <platform>/<test> (1.2s)
    FAIL <platform>/<test>: why
then "N passed, N failed". Exits non-zero on any failure.

A manifest line is `name platform key=value...` (shell quoting); see the
manifest's header for the keys. Usage: tests/run.py [-j N] [PATTERN]
(PATTERN is a substring of "platform/name", as in `make test T=smp`).
"""
import argparse
import concurrent.futures
import hashlib
import os
import re
import shlex
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
PLATFORMS = ("unit", "qemu", "svm-qemu", "vmx-bochs", "kvm-hosted", "kvm-lab", "uefi-ovmf")
KEYS = ("timeout", "qemu", "cmdline", "expect", "reject", "exit", "kernel", "modules", "firmware",
        "megs", "cpus", "bvm", "disk", "lab", "guest", "initrd", "rc", "image", "esp", "stop",
        "net", "vconsole", "quiet", "share")
TAIL_LINES = 40


class Result:
    def __init__(self, name, ok, secs, why="", tail=None):
        self.name, self.ok, self.secs, self.why, self.tail = name, ok, secs, why, tail or []

    def line(self):
        if self.ok:
            return "PASS %s (%.1fs)" % (self.name, self.secs)
        return "FAIL %s: %s" % (self.name, self.why)


def parse_manifest(path):
    tests = []
    with open(path) as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            words = shlex.split(line)
            if len(words) < 2 or words[1] not in PLATFORMS:
                sys.exit("%s:%d: need 'name platform key=value...'" % (path, lineno))
            t = {"name": words[0], "platform": words[1], "timeout": "60", "exit": "0"}
            for w in words[2:]:
                key, sep, value = w.partition("=")
                if not sep or key not in KEYS:
                    sys.exit("%s:%d: unknown or malformed key '%s'" % (path, lineno, w))
                t[key] = value
            if t.get("image", "esp") != "esp" or t.get("stop", "expect") != "expect" or \
                    ("esp" in t and t.get("image") != "esp"):
                sys.exit("%s:%d: image= takes esp, stop= takes expect, esp= needs image=esp"
                         % (path, lineno))
            if any(t.get(k, "echo") != "echo" for k in PEERS):
                sys.exit("%s:%d: net= and vconsole= take echo" % (path, lineno))
            tests.append(t)
    return tests


def split_list(value):
    return [s.strip() for s in value.split(";") if s.strip()] if value else []


def default_modules():
    """The modules of `make run`'s ISO, as the Makefile names them."""
    if "ISO_MODULES" not in os.environ:
        out = subprocess.run(["make", "-s", "--no-print-directory", "print-ISO_MODULES"],
                             cwd=ROOT, stdout=subprocess.PIPE, check=True)
        os.environ["ISO_MODULES"] = out.stdout.decode().strip()
    return os.environ["ISO_MODULES"]


def make_iso(test):
    """A GRUB ISO with this test's kernel command line, cached by content.
    With "bare_multiboot": FILE (bench.py's plain-Bochs runs, not a manifest
    key), GRUB boots that Multiboot 1 guest itself, with "cmdline" as its
    command line, and there is no bivisor."""
    bare = test.get("bare_multiboot")
    if bare:
        cmdline, modules = test.get("cmdline", ""), []
        deps, args = [os.path.join(ROOT, bare)], ["--bare-multiboot", bare]
    else:
        cmdline = (test.get("cmdline", "") + " testexit").strip()
        modules = shlex.split(test.get("modules", default_modules()))
        deps = [os.path.join(BUILD, "bivisor.elf")] + [m.split(":")[0] for m in modules]
        args = []
    ident = (cmdline, modules) + ((bare,) if bare else ())
    key = hashlib.sha1(repr(ident).encode()).hexdigest()[:12]
    iso = os.path.join(BUILD, "tests", "iso-%s.iso" % key)
    if os.path.exists(iso) and all(os.path.getmtime(iso) > os.path.getmtime(d) for d in deps):
        return iso
    os.makedirs(os.path.dirname(iso), exist_ok=True)
    tmp = iso + ".%d-%d.tmp" % (os.getpid(), threading.get_ident())
    subprocess.run([os.path.join(ROOT, "scripts", "mkiso.sh")] + args + [tmp, cmdline] + modules,
                   check=True, cwd=ROOT)
    os.replace(tmp, iso)
    return iso


def make_esp(test):
    """An EFI System Partition image (bivisor.efi) for this test, cached by content."""
    cmdline = (test.get("cmdline", "") + " testexit").strip()
    modules = shlex.split(test.get("modules", default_modules()))
    options = shlex.split(test.get("esp", ""))
    key = hashlib.sha1(repr((cmdline, modules, options)).encode()).hexdigest()[:12]
    img = os.path.join(BUILD, "tests", "esp-%s.img" % key)
    deps = [os.path.join(BUILD, "bivisor.elf"), os.path.join(BUILD, "bivisor.efi"),
            os.path.join(ROOT, "scripts", "mkesp.sh")] + [m.split(":")[0] for m in modules]
    if os.path.exists(img) and all(os.path.getmtime(img) > os.path.getmtime(d) for d in deps):
        return img
    os.makedirs(os.path.dirname(img), exist_ok=True)
    tmp = img + ".%d-%d.tmp" % (os.getpid(), threading.get_ident())
    subprocess.run([os.path.join(ROOT, "scripts", "mkesp.sh")] + options + [tmp, cmdline] +
                   modules, check=True, cwd=ROOT)
    os.replace(tmp, img)
    return img


def qemu_command(test, log):
    cmd = ["qemu-system-x86_64", "-cpu", "max", "-display", "none", "-no-reboot",
           "-serial", "file:" + log, "-monitor", "none",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=1"]
    if test.get("firmware") == "ovmf":
        cmd += ["-bios", "/usr/share/ovmf/OVMF.fd"]
    cmd += shlex.split(test.get("qemu", ""))
    if "kernel" in test:
        cmd += ["-kernel", os.path.join(ROOT, test["kernel"])]
        if test.get("cmdline"):
            cmd += ["-append", test["cmdline"]]
        if test.get("initrd"):
            cmd += ["-initrd", os.path.join(ROOT, test["initrd"])]
    elif test.get("image") == "esp":
        cmd += ["-drive", "format=raw,snapshot=on,file=" + make_esp(test)]
    else:
        cmd += ["-cdrom", make_iso(test)]
    return cmd


# Bochs logs every EPT violation as an error; a guest that takes many (an APIC
# storm) would write hundreds of MB, so its info and error lines are dropped.
BOCHSRC = """megs: {megs}
cpu: model=corei7_skylake_x, count={cpus}, ips=50000000
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0-master: type=cdrom, path={iso}, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev={log}
display_library: rfb, options="timeout=0"
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
log: {log}.bochs
info: action=ignore
error: action=ignore
"""


def bochs_command(test, log):
    """Bochs with VMX (PLATFORMS.md 2): its debugger is told to continue, no GUI."""
    rc = log + ".bochsrc"
    with open(rc, "w") as f:
        f.write(BOCHSRC.format(megs=test.get("megs", "256"), cpus=test.get("cpus", "1"),
                               iso=make_iso(test), log=log))
    with open(log + ".debugrc", "w") as f:
        f.write("c\n")
    return ["bochs", "-q", "-f", rc, "-rc", log + ".debugrc"]


def bvm_command(test, log):
    """bvm on this machine's /dev/kvm; the guest's COM1 goes to the log file."""
    cmd = [os.path.join(BUILD, "bvm"), "run", "--kernel", os.path.join(ROOT, test["kernel"]),
           "--console", "file=" + log] + shlex.split(test.get("bvm", ""))
    if test.get("cmdline"):
        cmd += ["--cmdline", test["cmdline"]]
    return cmd


def lab_command(test, log):
    """The nested-KVM lab: Debian's kernel as L1 under QEMU TCG runs bvm on real KVM."""
    append = 'console=ttyS0 quiet panic=-1 lab="%s"' % test.get("lab", "")
    if test.get("guest"):  # the L2 guest's own command line
        append += ' guest="%s"' % test["guest"]
    return ["qemu-system-x86_64", "-cpu", "max", "-smp", "2", "-m", "1G", "-display", "none",
            "-no-reboot", "-monitor", "none", "-serial", "file:" + log,
            "-kernel", os.path.join(BUILD, "guest", "bzImage"),
            "-initrd", os.path.join(BUILD, "lab", "initrd.gz"), "-append", append]


def read_lines(path):
    try:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return []
    return [re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", l).rstrip("\r") for l in data.split("\n")]


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


def check_quiet(lines, spec):
    """quiet="START|END|TEXT": after the first line with START and before the next line
    with END, no line has TEXT. Returns what is wrong, or None."""
    start, end, text = spec.split("|")
    i = next((n for n, l in enumerate(lines) if start in l), None)
    if i is None:
        return "no line with '%s'" % start
    j = next((n for n in range(i + 1, len(lines)) if end in lines[n]), None)
    if j is None:
        return "no line with '%s' after '%s'" % (end, start)
    bad = [l for l in lines[i + 1:j] if text in l]
    return "'%s' between '%s' and '%s': %s" % (text, start, end, bad[0]) if bad else None


DOM_LINE = re.compile(r"dom\d+ (\S+): (running|paused), ")
VCPU_MS = re.compile(r"^\s*(?:\[[ .0-9]+\] )?\s*vcpu\d+: .* (\d+) ms, ")


def check_share(lines, spec):
    """share="NAME:MIN-MAX": in the last debug-key 'd' view, NAME's vCPUs used MIN% to
    MAX% of the CPU time all listed domains used. Returns what is wrong, or None."""
    name, rng = spec.split(":")
    lo, hi = (float(x) for x in rng.split("-"))
    snaps, cur, dom = [], None, None
    for l in lines:
        m = DOM_LINE.search(l)
        if m:
            if cur is None or m.group(1) in cur:
                cur = {}
                snaps.append(cur)
            dom = m.group(1)
            cur[dom] = 0
            continue
        m = VCPU_MS.match(l)
        if m and cur is not None and dom:
            cur[dom] += int(m.group(1))
    if not snaps or name not in snaps[-1] or not sum(snaps[-1].values()):
        return "no debug-key 'd' view with domain %s" % name
    pct = 100.0 * snaps[-1][name] / sum(snaps[-1].values())
    if not lo <= pct <= hi:
        return "domain %s used %.1f%% of the CPU time, want %g-%g%% (%s)" % (
            name, pct, lo, hi, snaps[-1])
    return None


def peer_messages(sock, stop, limit):
    """What arrives at a peer's end of a socket pair, until the other end closes,
    stop is set or limit messages came (waits are short, so stop is seen)."""
    sock.settimeout(0.2)
    for _ in range(limit):
        data = None
        while data is None and not stop.is_set():
            try:
                data = sock.recv(65536)
            except socket.timeout:
                pass
            except OSError:
                return
        if not data:
            return
        yield data


def echo_frames(sock, stop):
    """net=echo: each frame of ethertype 0x88b5 goes back with destination and
    source swapped and the marker byte after the Ethernet header set to 'E'."""
    for f in peer_messages(sock, stop, 256):
        if len(f) > 14 and f[12:14] == b"\x88\xb5":
            sock.send(f[6:12] + f[0:6] + f[12:14] + b"E" + f[15:])


def answer_pings(sock, stop):
    """vconsole=echo: each line "ping N" is answered with "pong N"."""
    pending = b""
    for data in peer_messages(sock, stop, 1024):
        *lines, pending = (pending + data).split(b"\n")
        for l in lines:
            m = re.fullmatch(rb"ping (\d+)\r?", l)
            if m:
                sock.sendall(b"pong " + m.group(1) + b"\n")


# Peer keys: the emulator gets one end of a socket pair, {key} in qemu=/bvm= is
# its descriptor; a thread of the runner serves the other end until the run ends.
# QEMU's dgram netdev wants a datagram socket; bvm takes SOCK_SEQPACKET, which
# also tells the peer when bvm has gone.
PEERS = {"net": (socket.SOCK_SEQPACKET, echo_frames),
         "vconsole": (socket.SOCK_STREAM, answer_pings)}


def serve_peer(sock, serve, stop):
    with sock:
        try:
            serve(sock, stop)
        except OSError:
            pass  # the emulator's end went away mid-answer


def start_peers(test, stop):
    """Returns the test with {net}/{vconsole} filled in and the emulator's ends."""
    theirs = []
    for key, (kind, serve) in PEERS.items():
        if key not in test:
            continue
        if key == "net" and test["platform"] != "kvm-hosted":
            kind = socket.SOCK_DGRAM
        ours, end = socket.socketpair(socket.AF_UNIX, kind)
        theirs.append(end)
        fd = str(end.fileno())
        test = dict(test, qemu=test.get("qemu", "").replace("{%s}" % key, fd),
                    bvm=test.get("bvm", "").replace("{%s}" % key, fd))
        threading.Thread(target=serve_peer, args=(ours, serve, stop), daemon=True).start()
    return test, theirs


def run_emulated(test):
    name = "%s/%s" % (test["platform"], test["name"])
    logdir = os.path.join(BUILD, "tests", "logs")
    os.makedirs(logdir, exist_ok=True)
    log = os.path.join(logdir, "%s-%s.log" % (test["platform"], test["name"]))
    if os.path.exists(log):
        os.unlink(log)
    expect, reject = split_list(test.get("expect")), split_list(test.get("reject"))
    want_rc = int(test["exit"]) * 2 + 1
    start = time.monotonic()
    if "rc" in test:  # the emulator's own exit status, e.g. 0 after a guest's poweroff
        want_rc = int(test["rc"])
    bochs = test["platform"] == "vmx-bochs"
    hosted = test["platform"] == "kvm-hosted"
    if "disk" in test:  # a fresh zeroed disk image, named {disk} in the options
        disk = os.path.join(logdir, "%s-%s.img" % (test["platform"], test["name"]))
        with open(disk, "wb") as f:
            f.truncate(int(test["disk"]) << 20)
        test = dict(test, qemu=test.get("qemu", "").replace("{disk}", disk),
                    bvm=test.get("bvm", "").replace("{disk}", disk))
    if hosted:
        want_rc = int(test["exit"])  # bvm exits with the guest's own status
    stop = threading.Event()  # ends the peers of net= and vconsole=
    test, peer_ends = start_peers(test, stop)
    try:
        if test["platform"] == "kvm-lab":
            want_rc = 0  # L1 powers the machine off after bvm
            cmd = lab_command(test, log)
        elif hosted:
            cmd = bvm_command(test, log)
        else:
            cmd = bochs_command(test, log) if bochs else qemu_command(test, log)
    except subprocess.CalledProcessError as e:
        stop.set()
        return Result(name, False, 0, "could not build the boot image (%s)" % e)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, pass_fds=[end.fileno() for end in peer_ends])
    for end in peer_ends:
        end.close()
    deadline = start + float(test["timeout"])
    rc, stopped, polls = None, False, 0
    while time.monotonic() < deadline:
        rc = proc.poll()
        if rc is not None:
            break
        time.sleep(0.1)
        polls += 1
        if test.get("stop") == "expect" and polls % 5 == 0:
            missing, rejected = check(read_lines(log), expect, reject)
            if not missing or rejected:
                stopped = True
                break
    if rc is None:
        proc.kill()
        proc.wait()
    stop.set()
    secs = time.monotonic() - start
    out = proc.stdout.read().decode("utf-8", "replace")
    lines = read_lines(log) + out.splitlines()  # the emulator's own messages count too
    missing, rejected = check(lines, expect, reject)
    tail = lines[-TAIL_LINES:]
    if rejected:
        return Result(name, False, secs, "serial output has '%s'" % rejected, tail)
    for key, fn in (("quiet", check_quiet), ("share", check_share)):
        wrong = fn(lines, test[key]) if test.get(key) and not missing else None
        if wrong:
            return Result(name, False, secs, wrong, tail)
    if missing:
        why = "timeout after %.0fs" % secs if rc is None else "emulator ended (status %d)" % rc
        return Result(name, False, secs, "%s without '%s'" % (why, missing), tail)
    if stopped:
        return Result(name, True, secs)  # stop=expect: no exit port to wait for
    if rc is None:
        return Result(name, False, secs, "did not end through its exit port in %ss"
                      % test["timeout"], tail)
    if rc != want_rc and not bochs:  # Bochs's shutdown port carries no status
        return Result(name, False, secs, "emulator exit status %d, want %d %s"
                      % (rc, want_rc, out.strip()[:200]), tail)
    return Result(name, True, secs)


CMOCKA_LINE = re.compile(r"^\[\s*(OK|FAILED)\s*\] ([A-Za-z_]\w*)$")
CMOCKA_RUN = re.compile(r"^\[\s*RUN\s*\] ([A-Za-z_]\w*)$")


def run_unit(binary):
    """One result per cmocka test case in the binary."""
    start = time.monotonic()
    try:
        p = subprocess.run([binary], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
        out = p.stdout.decode("utf-8", "replace").splitlines()
    except subprocess.TimeoutExpired:
        return [Result("unit/" + os.path.basename(binary), False, 120, "timeout after 120s")]
    secs = time.monotonic() - start
    results, seen, started = [], set(), []
    for l in out:
        m = CMOCKA_RUN.match(l)
        if m:
            started.append(m.group(1))
    for i, l in enumerate(out):
        m = CMOCKA_LINE.match(l)
        if not m or m.group(2) in seen:
            continue
        seen.add(m.group(2))
        why = "; ".join(x.strip() for x in out[max(0, i - 3):i] if "[ " not in x)[:300]
        results.append(Result("unit/" + m.group(2), m.group(1) == "OK", 0, why or "failed"))
    for r in results:
        r.secs = secs / len(results)
    unfinished = [t for t in started if t not in seen]
    for t in unfinished:  # the binary died inside this test (a crash, a sanitizer abort)
        results.append(Result("unit/" + t, False, 0, "the test binary died in it (status %d)"
                              % p.returncode, out[-TAIL_LINES:]))
    if not results or (p.returncode != 0 and all(r.ok for r in results)):
        tail = out[-TAIL_LINES:]
        results.append(Result("unit/" + os.path.basename(binary), False, secs,
                              "exit status %d" % p.returncode, tail))
    return results


def main():
    ap = argparse.ArgumentParser(description="bivisor test runner")
    ap.add_argument("pattern", nargs="?", default="")
    ap.add_argument("-j", type=int, default=int(os.environ.get("J", "1")))
    ap.add_argument("--manifest", default=os.path.join(ROOT, "tests", "manifest"))
    args = ap.parse_args()

    results = []
    units = sorted(os.path.join(BUILD, "unit", f) for f in os.listdir(os.path.join(BUILD, "unit"))
                   if f.startswith("test_")) if os.path.isdir(os.path.join(BUILD, "unit")) else []
    for binary in units:
        for r in run_unit(binary):
            if args.pattern in r.name:
                print(r.line(), flush=True)
                results.append(r)

    tests = [t for t in parse_manifest(args.manifest)
             if args.pattern in "%s/%s" % (t["platform"], t["name"])]
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.j)) as pool:
        for r in pool.map(run_emulated, tests):
            print(r.line(), flush=True)
            if not r.ok:
                for l in r.tail:
                    print("    | " + l)
            results.append(r)

    passed = sum(r.ok for r in results)
    print("%d passed, %d failed" % (passed, len(results) - passed))
    return 0 if results and passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
