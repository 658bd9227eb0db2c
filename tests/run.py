#!/usr/bin/env python3
"""tests/run.py: the bivisor test runner.

Runs the host unit tests (cmocka binaries in build/unit/) and every test of
tests/manifest, and prints one line per test:
    PASS <platform>/<test> (1.2s)
    FAIL <platform>/<test>: why
    SKIP <platform>/<test>: why
then "N passed, N failed" (", N skipped" when some were). Exits non-zero on
any failure. Each platform's requirement is probed once first
(tests/platforms.py): a missing one SKIPs its tests, a broken one FAILs them.
Every kvm-hosted guest test also runs in the nested-KVM lab (tests/lab_batch.py),
so bvm is tested on machines without /dev/kvm too.

A manifest line is `name platform key=value...` (shell quoting); see the
manifest's header for the keys. Usage: tests/run.py [-j N] [-p PLATFORM,...]
[PATTERN] (PATTERN is a substring of "platform/name", as in `make test T=smp`).
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

import docrefs
import emulator
import fuzz
import lab_batch
import platforms
from emulator import BUILD, ROOT, TAIL_LINES, Result, check, read_lines, split_list
from platforms import PLATFORMS

KEYS = ("timeout", "qemu", "cmdline", "expect", "reject", "exit", "kernel", "modules", "firmware",
        "megs", "cpus", "bvm", "disk", "lab", "guest", "initrd", "rc", "image", "esp", "stop",
        "net", "vconsole", "quiet", "share", "nokvm", "signal", "unchanged", "nested", "model",
        "lab-script", "verb", "com2", "post", "script", "gdb", "triple", "type")


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
            if "type" in t and t["platform"] not in ("svm-qemu", "uefi-ovmf"):
                sys.exit("%s:%d: type= needs the serial console of svm-qemu or uefi-ovmf"
                         % (path, lineno))
            if t.get("image", "esp") != "esp" or t.get("stop", "expect") != "expect" or \
                    ("esp" in t and t.get("image") != "esp"):
                sys.exit("%s:%d: image= takes esp, stop= takes expect, esp= needs image=esp"
                         % (path, lineno))
            if any(t.get(k, "echo") != "echo" for k in PEERS):
                sys.exit("%s:%d: net= and vconsole= take echo" % (path, lineno))
            tests.append(t)
    return tests


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


# bivisor's SVM runs on QEMU's TCG with both emulated CPUs in one host thread: QEMU
# 7.2's multi-threaded TCG now and then fails to read an IDT page right after VMRUN
# or #VMEXIT, which ends in a triple fault of the host or of a guest (issue 17,
# docs/security.md "Not covered yet"); a test line that names its own -accel
# (tests/stress-manifest) keeps it.
SINGLE_THREAD = "-accel tcg,thread=single"


def qemu_command(test, log, socks=None):
    """QEMU for a test; with socks (emulator.Sockets), a QMP socket, and the
    serial port on a socket too where bivisor's debug keys may be typed."""
    serial = socks.qemu_options(keys=test["platform"] != "qemu") if socks else \
        ["-serial", "file:" + log]
    cmd = ["qemu-system-x86_64", "-cpu", "max", "-display", "none", "-no-reboot",
           "-monitor", "none", "-device", "isa-debug-exit,iobase=0xf4,iosize=1"] + serial
    if test.get("com2"):  # the second -serial is COM2 (bivisor's trace=, docs/tracing.md)
        cmd += ["-serial", "file:" + log + ".com2"]
    if test.get("firmware") == "ovmf":
        cmd += ["-bios", "/usr/share/ovmf/OVMF.fd"]
    if test.get("platform") == "svm-qemu":  # see host_triple_fault
        cmd += ["-action", "shutdown=pause", "-d", "cpu_reset", "-D", log + ".qemu"]
    if test.get("platform") in ("svm-qemu", "uefi-ovmf") and "-accel" not in test.get("qemu", ""):
        cmd += SINGLE_THREAD.split()
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
cpu: model={model}, count={cpus}, ips=50000000
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0-master: type=cdrom, path={iso}, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev={log}
{com2}display_library: rfb, options="timeout=0"
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
                               model=test.get("model", "corei7_skylake_x"),
                               iso=make_iso(test), log=log,
                               com2="com2: enabled=1, mode=file, dev=%s.com2\n" % log
                               if test.get("com2") else ""))
    with open(log + ".debugrc", "w") as f:
        f.write("c\n")
    return ["bochs", "-q", "-f", rc, "-rc", log + ".debugrc"]


def rejects(test):
    """The test's reject= list, with emulator.SAN_REJECT for the bvm platforms."""
    san = emulator.SAN_REJECT if test["platform"] in ("kvm-hosted", "kvm-lab") else []
    return split_list(test.get("reject")) + san


def bvm_command(test, log, binary="bvm"):
    """bvm on this machine's /dev/kvm; the guest's COM1 goes to the log file.
    verb="ARGS" runs `bvm ARGS` instead (bvm create's bad domain files). The tests
    run binary="bvm-san", the sanitizer build; make bench the plain bvm."""
    if "verb" in test:
        return [os.path.join(BUILD, binary)] + shlex.split(test["verb"])
    cmd = [os.path.join(BUILD, binary), "run", "--kernel", os.path.join(ROOT, test["kernel"]),
           "--console", "file=" + log] + shlex.split(test.get("bvm", ""))
    if test.get("cmdline"):
        cmd += ["--cmdline", test["cmdline"]]
    return cmd


def script_command(test):
    """script=FILE: a program beside the emulator or bvm (tests/gdb/), with
    where bvm and the guests are and a free port for a debugger."""
    return ["env", "B=" + BUILD, "BVM=" + os.path.join(BUILD, "bvm"),
            "GUESTS=" + os.path.join(BUILD, "guests"), "GDB=gdb", "GDB_PORT=%d" % free_port(),
            "GDB_BREAKS=1", "sh", os.path.join(ROOT, test["script"])]


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lab_command(test, log):
    """The nested-KVM lab running one command (make bench; tests run in batches,
    tests/lab_batch.py:lab_command): the same L1 (tests/lab_batch.py:l1_command)
    runs bvm on real KVM."""
    append = 'console=ttyS0 quiet panic=-1 lab="%s"' % test.get("lab", "")
    if test.get("guest"):  # the L2 guest's own command line
        append += ' guest="%s"' % test["guest"]
    return lab_batch.l1_command(os.path.join(BUILD, "lab", "initrd.gz"),
                                ["-serial", "file:" + log], append)


# bivisor as L2: QEMU with KVM inside the lab (issue 20), the way people run
# nested-virtualization experiments, with the ISO of the test's modules.
NESTED_QEMU = ("qemu -enable-kvm -cpu host {qemu} -cdrom /iso/b.iso -display none -vga none "
               "-nic none -serial stdio -monitor none -no-reboot "
               "-device isa-debug-exit,iobase=0xf4,iosize=1")


def nested_initrd(iso):
    """The lab's initramfs with QEMU (scripts/mklab.sh --qemu) and the ISO at
    /iso/b.iso, cached beside the ISO."""
    out = iso[:-len(".iso")] + "-lab.gz"
    base = os.path.join(BUILD, "lab", "initrd-qemu.gz")
    if os.path.exists(out) and os.path.getmtime(out) > max(os.path.getmtime(base),
                                                           os.path.getmtime(iso)):
        return out
    with open(base, "rb") as f:
        data = f.read()
    with open(iso, "rb") as f:
        data += b"\0" * (-len(data) % 512) + lab_batch.cpio_newc({"iso/b.iso": f.read()})
    tmp = out + ".%d-%d.tmp" % (os.getpid(), threading.get_ident())
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, out)
    return out


def nested_command(test, log):
    """kvm-lab with nested=1: L1 runs QEMU -enable-kvm -cpu host on bivisor's ISO;
    bivisor's serial console is L1's QEMU's stdio, so it reaches the log."""
    lab = NESTED_QEMU.format(qemu=test.get("qemu", "-smp 2 -m 256M"))
    return lab_batch.l1_command(nested_initrd(make_iso(test)), ["-serial", "file:" + log],
                                'console=ttyS0 quiet panic=-1 lab="%s"' % lab)


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


def fresh_log(test):
    logdir = os.path.join(BUILD, "tests", "logs")
    os.makedirs(logdir, exist_ok=True)
    log = os.path.join(logdir, "%s-%s.log" % (test["platform"], test["name"]))
    for f in (log, log + ".regs", log + ".com2"):
        if os.path.exists(f):
            os.unlink(f)
    return log


def with_disk(test, log):
    """disk=MIB: a fresh zeroed disk image, named {disk} in the options."""
    if "disk" not in test:
        return test
    disk = log[:-len(".log")] + ".img"
    with open(disk, "wb") as f:
        f.truncate(int(test["disk"]) << 20)
    return dict(test, qemu=test.get("qemu", "").replace("{disk}", disk),
                bvm=test.get("bvm", "").replace("{disk}", disk))


def wanted_status(test):
    if "rc" in test:  # the emulator's own exit status, e.g. 0 after a guest's poweroff
        return int(test["rc"])
    if test["platform"] == "kvm-hosted":
        return int(test["exit"])  # bvm exits with the guest's own status
    if test.get("nested"):
        return 0  # L1 powers off; L2's status is in its "exited with status" line
    return int(test["exit"]) * 2 + 1  # isa-debug-exit: (value << 1) | 1


def command_for(test, log, socks):
    if "script" in test:
        return script_command(test)
    if test["platform"] == "kvm-hosted":
        return bvm_command(test, log, binary="bvm-san")
    if test["platform"] == "vmx-bochs":
        return bochs_command(test, log)
    if test.get("nested"):
        return nested_command(test, log)
    return qemu_command(test, log, socks)


def host_triple_fault(test, log):
    """On svm-qemu a shutdown of the machine is always bivisor's own triple fault
    (nothing in it resets or powers off the host). QEMU logs "Triple fault" (-d
    cpu_reset) and, with -no-reboot and -action shutdown=pause, stops there
    instead of exiting, so QMP can still read every CPU's registers at the fault
    (exiting, it logs no state at all)."""
    path = log + ".qemu"
    if test.get("platform") != "svm-qemu" or not os.path.exists(path):
        return False
    with open(path, errors="replace") as f:
        return "Triple fault" in f.read()


def type_when_seen(log, socks, pending):
    """type="TEXT|KEYS; ...": once TEXT is in the log (anywhere in it), KEYS go to
    the serial console (bivisor's debug keys), each pair after the one before it
    (a pair without KEYS only waits for its TEXT). Returns the pairs still waiting;
    a console that is gone (the emulator ended) leaves them to the test's checks."""
    while pending and socks and pending[0][0] in "\n".join(read_lines(log)):
        if pending[0][1]:
            try:
                emulator.type_keys(socks.serial, pending[0][1].encode(), wait=0.2)
            except OSError:
                return []
        pending = pending[1:]
    return pending


def wait_emulator(proc, test, log, expect, reject, socks=None):
    """Polls until the emulator ends, the deadline passes, the host triple-faults,
    or (stop=expect) every expectation has appeared; types the keys of type=.
    Returns (status or None, stopped)."""
    deadline = time.monotonic() + float(test["timeout"])
    polls = 0
    pending = [p.partition("|")[::2] for p in split_list(test.get("type"))]
    while time.monotonic() < deadline:
        rc = proc.poll()
        if rc is not None:
            return rc, False
        time.sleep(0.1)
        polls += 1
        if polls % 5 == 0 and host_triple_fault(test, log):
            return None, False
        if polls % 5 == 0 and pending:
            pending = type_when_seen(log, socks, pending)
        if test.get("stop") == "expect" and polls % 5 == 0:
            missing, rejected = check(read_lines(log), expect, reject)
            if not missing or rejected:
                return None, True
    return None, False


def stall_notes(test, socks):
    """A QEMU that did not end in time: bivisor's debug view and the registers."""
    if not socks:
        return []
    keys = b"d" if test["platform"] in ("svm-qemu", "uefi-ovmf") else None
    return emulator.diagnose(socks, keys)


def start_emulator(test, log, socks):
    """(the process, the stop event of its peers) or a Result when it cannot start."""
    stop = threading.Event()  # ends the peers of net= and vconsole=
    test, peer_ends = start_peers(test, stop)
    try:
        cmd = command_for(test, log, socks)
    except subprocess.CalledProcessError as e:
        stop.set()
        return None, stop, "could not build the boot image (%s)" % e
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, pass_fds=[end.fileno() for end in peer_ends])
    for end in peer_ends:
        end.close()
    return proc, stop, None


def file_digest(path):
    """Size, modification time and (up to 64 MiB) SHA-256 of a file; None if absent."""
    if not os.path.exists(path):
        return None
    st = os.stat(path)
    if st.st_size > 64 << 20:
        return (st.st_size, st.st_mtime_ns)
    with open(path, "rb") as f:
        return (st.st_size, st.st_mtime_ns, hashlib.sha256(f.read()).hexdigest())


def file_digests(spec):
    """unchanged="FILE; FILE": a digest of each, so a run can be checked not to have
    written the user's files."""
    return {path: file_digest(os.path.join(ROOT, path)) for path in split_list(spec)}


def run_emulated(test):
    before = file_digests(test.get("unchanged"))
    result = run_emulated_once(test)
    changed = [f for f, d in file_digests(test.get("unchanged")).items() if d != before[f]]
    if result.ok and changed:
        return Result(result.name, False, result.secs, "the run changed %s" % ", ".join(changed))
    return result


def run_emulated_once(test):
    name = "%s/%s" % (test["platform"], test["name"])
    log = fresh_log(test)
    expect, reject = split_list(test.get("expect")), rejects(test)
    start = time.monotonic()
    test = with_disk(test, log)
    socks = emulator.Sockets(log) if test["platform"] not in ("kvm-hosted", "vmx-bochs") and \
        "script" not in test else None
    try:
        proc, stop, err = start_emulator(test, log, socks)
        if err:
            return Result(name, False, 0, err)
        rc, stopped = wait_emulator(proc, test, log, expect, reject, socks)
        notes = stall_notes(test, socks) if rc is None and not stopped else []
        if rc is None:
            proc.kill()
            proc.wait()
        stop.set()
    finally:
        if socks:
            socks.close()
    out = proc.stdout.read().decode("utf-8", "replace")
    triple = host_triple_fault(test, log)
    # the emulator's own messages count too, and so do the registers at a triple fault
    lines = read_lines(log) + out.splitlines() + (notes if triple else [])
    result = judge(test, name, time.monotonic() - start, (rc, stopped, out, notes), lines)
    result = judge_triple(test, result, triple, lines[-TAIL_LINES:], log)
    return emulator.post_check(test, result, {"log": log, "com2": log + ".com2"})


def judge_triple(test, result, triple, tail, log):
    """triple=1: the test is the host's triple fault, and passes on its expectations
    once the runner caught it; elsewhere a triple fault fails the test, whatever else
    it printed."""
    if test.get("triple") == "1":
        if not triple:
            return Result(result.name, False, result.secs, "the host did not triple-fault",
                          result.tail)
        if result.ok or result.why.startswith("did not end through its exit port"):
            return Result(result.name, True, result.secs)
        return result
    if triple:
        return Result(result.name, False, result.secs,
                      "the host triple-faulted (QEMU stopped there; the registers of every "
                      "CPU at the fault are in %s.regs)" % os.path.relpath(log, ROOT),
                      tail)
    return result


def judge(test, name, secs, run, lines):
    """The result of one emulator run from its log and how it ended."""
    rc, stopped, out, notes = run
    expect, reject = split_list(test.get("expect")), rejects(test)
    missing, rejected = check(lines, expect, reject)
    tail = lines[-TAIL_LINES:] + notes
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
    want = wanted_status(test)
    if rc != want and test["platform"] != "vmx-bochs":  # Bochs's shutdown port carries no status
        return Result(name, False, secs, "emulator exit status %d, want %d %s"
                      % (rc, want, out.strip()[:200]), tail)
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


def unit_job(pattern):
    binaries = sorted(os.path.join(BUILD, "unit", f) for f in os.listdir(os.path.join(
        BUILD, "unit")) if f.startswith("test_"))
    return [r for r in [doc_references(), tool_tests()] + [r for b in binaries for r in run_unit(b)]
            if pattern in r.name] + fuzz_smoke(pattern)


def fuzz_smoke(pattern):
    """unit/fuzz-NAME: a few seconds of each libFuzzer target (tests/fuzz.py)."""
    results = []
    for name in fuzz.names():
        test = "unit/fuzz-" + name
        if pattern not in test:
            continue
        if not os.path.exists(fuzz.binary(name)):
            results.append(Result(test, False, 0, "not built: clang with libFuzzer missing "
                                  "(scripts/deps.sh: clang, libclang-rt-14-dev)", skip=True))
            continue
        ok, secs, why, tail = fuzz.smoke(name)
        results.append(Result(test, ok, secs, why, tail))
    return results


def doc_references():
    """Every `path:function` the docs name exists (tests/docrefs.py)."""
    start = time.monotonic()
    bad = docrefs.problems()
    return Result("unit/doc-references", not bad, time.monotonic() - start,
                  "%d names in the docs are not in the code: %s" % (len(bad), bad[0])
                  if bad else "", bad)


def tool_tests():
    """unit/bvtrace: the trace converter's own tests (tests/test_bvtrace.py)."""
    start = time.monotonic()
    p = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "test_bvtrace.py")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode("utf-8", "replace").splitlines()
    return Result("unit/bvtrace", p.returncode == 0, time.monotonic() - start,
                  out[-1] if out else "status %d" % p.returncode, out[-TAIL_LINES:])


def not_run(test, probe):
    """A test whose platform's requirement is missing (SKIP) or broken (FAIL)."""
    name = "%s/%s" % (test["platform"], test["name"])
    why = probe.why
    if test["platform"] == "kvm-hosted" and "script" in test:
        why += "; its lab variant is kvm-lab/%s-lab" % test["name"]
    elif test["platform"] == "kvm-hosted":
        why += "; bvm runs this guest in the nested-KVM lab as kvm-lab/%s" % test["name"]
    return Result(name, False, 0, why, skip=probe.state == "missing")


def needs_probe(test):
    """bvm refuses bad input before it opens /dev/kvm (nokvm=1): only bvm is needed."""
    return not (test["platform"] == "kvm-hosted" and test.get("nokvm"))


def plan(tests, probes):
    """The jobs, each a function that returns a list of Results: the lab's
    batches first (the longest runs), then the other tests, those with the
    longest timeout first (a test's timeout is the best guess of its length
    before it runs): with -j 2 the long Bochs runs then overlap the many short
    ones instead of starting last, which keeps the whole suite short."""
    jobs, skips, lab = [], [], []
    for t in tests:
        probe = probes[t["platform"]]
        if t["platform"] == "kvm-lab" and probe.state == "ok" and not t.get("nested"):
            lab.append(t)
        elif probe.state != "ok" and needs_probe(t):
            skips.append(lambda t=t, probe=probe: [not_run(t, probe)])
        else:
            jobs.append((float(t["timeout"]), lambda t=t: [run_emulated(t)]))
    batches = [lambda b=b, i=i: lab_batch.run_batch(b, i)
               for i, b in enumerate(lab_batch.batch_lab(lab))]
    jobs.sort(key=lambda j: -j[0])  # stable: equal timeouts keep manifest order
    return batches + [job for _, job in jobs] + skips


def select(args):
    """The manifest's tests (with every kvm-hosted guest test also as a lab
    test) that match the pattern and the platforms asked for."""
    tests = parse_manifest(args.manifest)
    tests += [lab_batch.from_hosted(t) for t in tests
              if t["platform"] == "kvm-hosted" and not t.get("nokvm") and "script" not in t]
    names = set()
    for t in tests:
        key = "%s/%s" % (t["platform"], t["name"])
        if key in names:
            sys.exit("tests/manifest: %s twice (kvm-hosted guest tests run in the lab too)" % key)
        names.add(key)
    return [t for t in tests if args.pattern in "%s/%s" % (t["platform"], t["name"]) and
            t["platform"] in args.platforms]


def parse_args():
    ap = argparse.ArgumentParser(description="bivisor test runner")
    ap.add_argument("pattern", nargs="?", default="")
    ap.add_argument("-j", type=int, default=int(os.environ.get("J", "1")))
    ap.add_argument("-p", "--platform", default="",
                    help="only these platforms, comma-separated (%s)" % ", ".join(PLATFORMS))
    ap.add_argument("--manifest", default=os.path.join(ROOT, "tests", "manifest"))
    args = ap.parse_args()
    args.platforms = [p for p in args.platform.split(",") if p] or list(PLATFORMS)
    unknown = [p for p in args.platforms if p not in PLATFORMS]
    if unknown:
        sys.exit("run.py: unknown platform '%s'; the platforms are: %s"
                 % (unknown[0], ", ".join(PLATFORMS)))
    return args


def report(results):
    for r in results:
        print(r.line(), flush=True)
        if not r.ok and not r.skip:
            for l in r.tail:
                print("    | " + l)


def main():
    args = parse_args()
    tests = select(args)
    probes = platforms.probe_all()
    results = []
    if "unit" in args.platforms:
        if probes["unit"].state == "ok":
            results += unit_job(args.pattern)
        elif args.pattern in "unit/tests":
            results.append(Result("unit/tests", False, 0, probes["unit"].why,
                                  skip=probes["unit"].state == "missing"))
        report(results)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.j)) as pool:
        for rs in pool.map(lambda job: job(), plan(tests, probes)):
            report(rs)
            results += rs
    passed = sum(r.ok for r in results)
    skipped = sum(r.skip for r in results)
    failed = len(results) - passed - skipped
    print("%d passed, %d failed%s" % (passed, failed, ", %d skipped" % skipped if skipped else ""))
    return 0 if results and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
