#!/usr/bin/env python3
# tests/bench_xen.py: bivisor with its Linux service guest against Xen 4.17 with
# a PV dom0 in the same QEMU (issue 15, item 6; PLATFORMS.md §7), part of `make
# bench` (`make bench BENCH=xen` runs it alone). QEMU TCG -cpu max -smp 2 -m 2048,
# each hypervisor's GRUB ISO against the same kernel and initramfs booted by
# GRUB without it; RUNS rounds, the platforms taking turns, medians:
#   (a) QEMU's start to the service guest's /init marker, minus plain Linux's
#   (b) dom0's uptime from `bvm run` / `xl create` of a Linux domU to the domU's
#       /init marker on its console (tests/dom0/run.sh bench, tests/xen/init)
#   (c) a 4 KiB O_DIRECT virtio-blk read in a Linux domU (tests/bench/blk4k-init),
#       under bivisor's service guest and under bvm on the lab's KVM (§4)
# Xen runs with -cpu max,-rdtscp (a PVH domU needs it, §7) and so does its baseline.
import os
import re
import statistics
import subprocess
import sys
import tempfile

from bench_util import BenchError, interleaved, print_table, serial_boot
import lab_batch  # the lab's L1 command and cpio writer
import run  # the test runner's paths

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
B = run.BUILD
RUNS = int(os.environ.get("XEN_BENCH_RUNS", "3"))  # fewer on a loaded machine
MARKER = "DOM0: init reached"
CREATE = re.compile(r"DOM0: (?:xl create|bvm run) at uptime ([\d.]+)")
DOMU = re.compile(r"DOM0: domU init marker at uptime ([\d.]+)")
BLK = re.compile(r"BLK4K: (\d+) reads of 4096 bytes from uptime ([\d.]+) to ([\d.]+)")
END = re.compile(r"DOM0: done|all domains ended|domain dom0: exited|Kernel panic")
DOM0_CMD = "console=ttyS0 quiet panic=-1"
GOALS = {"a": 0.5, "b": 0.5}  # bivisor at most half of Xen's figure
BIVISOR, XEN = "bivisor + Linux service guest", "Xen 4.17 + PV dom0"
PLAIN_CLOUD, PLAIN_GENERIC = "plain Linux (cloud kernel)", "plain Linux (generic kernel)"
CPU = {BIVISOR: "max", PLAIN_CLOUD: "max", XEN: "max,-rdtscp", PLAIN_GENERIC: "max,-rdtscp"}


def qemu_once(cpu, iso, timeout):
    """One boot of `iso`, nice -n 5: (seconds from QEMU's start to MARKER, the
    serial text once it ended or powered off). Raises BenchError without a marker."""
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "serial.log")
        cmd = ["nice", "-n", "5", "qemu-system-x86_64", "-cpu", cpu, "-smp", "2", "-m", "2048",
               "-display", "none", "-no-reboot", "-monitor", "none", "-serial", "file:" + log,
               "-cdrom", iso]
        found, text = serial_boot(cmd, log, MARKER, lambda text, _: END.search(text), timeout)
    if found is None:
        raise BenchError("no '%s' line within %d s" % (MARKER, timeout))
    return found, text


def dom0_figures(text):
    """(b) and (c) from a hypervisor boot's serial text: {key: seconds}."""
    out = {}
    c, m = CREATE.search(text), DOMU.search(text)
    if c and m:
        out["b"] = float(m.group(1)) - float(c.group(1))
    k = BLK.search(text)
    if k:
        out["c"] = (float(k.group(3)) - float(k.group(2))) / int(k.group(1))
    return out


def boot_runner(title, iso, timeout):
    """A runner for interleaved(): one boot, its marker time and dom0 figures."""
    def once():
        t, text = qemu_once(CPU[title], iso, timeout)
        fig = dict(dom0_figures(text), a=t)
        for line in text.split("\n"):  # why a figure is missing, in dom0's words
            if line.startswith(("XEN0:", "DOM0: bvm exited with status", "BLK4K: no")):
                print("  %s: %s" % (title, line.strip()[:200]))
        print("  run: %s: %s" % (title, ", ".join("%s %.4g" % kv for kv in sorted(fig.items()))),
              flush=True)
        return fig
    return once


def isos(d):
    """{title: ISO} of the four boots, or {title: why} where one cannot be made."""
    out = {}
    dom0 = os.path.join(d, "bivisor-dom0.iso")
    module = ("%s/guest/bzImage:name=dom0 mem=768M vcpus=2 role=service initrd=dom0-rd "
              "cmdline=\"%s dom0=bench\"" % (B, DOM0_CMD))
    subprocess.run([os.path.join(ROOT, "scripts", "mkiso.sh"), dom0, "loglevel=warn", module,
                    "%s/dom0/initrd.gz:name=dom0-rd" % B], check=True, cwd=ROOT)
    out[BIVISOR] = dom0
    plain = os.path.join(d, "plain-cloud.iso")
    subprocess.run([os.path.join(ROOT, "scripts", "mkxen.sh"), "--linux-iso", plain,
                    "%s/guest/bzImage" % B, "%s/dom0/initrd.gz" % B, DOM0_CMD], check=True,
                   cwd=ROOT)
    out[PLAIN_CLOUD] = plain
    for title, name in ((PLAIN_GENERIC, "plain.iso"), (XEN, "xen.iso")):
        path = os.path.join(B, "xen", name)
        out[title] = path if os.path.exists(path) else \
            "not measured: %s is not built (make xen: %s)" % (path, xen_why())
    return out


def xen_why():
    """Why build/xen/ is missing, as far as this machine can tell."""
    if subprocess.run(["apt-cache", "show", "xen-hypervisor-4.17-amd64"],
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
        return "apt-cache knows no xen-hypervisor-4.17-amd64"
    return "run it; scripts/mkxen.sh says why it fails"


def lab_blk_once(initrd):
    """(c) under bvm on the lab's KVM: the same domU and reads, 4 MiB disk."""
    lab = ("run --kernel /guest/bzImage --initrd /guest/initrd-blk.gz --mem 128M --cpus 1 "
           "--disk /tmp/disk.img")
    append = 'console=ttyS0 quiet panic=-1 lab="%s" guest="%s rdinit=/blk4k-init"' % (
        lab, DOM0_CMD)
    cmd = lab_batch.l1_command(initrd, ["-serial", "stdio"], append)
    try:
        p = subprocess.run(["nice", "-n", "5"] + cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=400)
    except subprocess.TimeoutExpired:
        raise BenchError("no end within 400 s")
    fig = dom0_figures(p.stdout.decode("utf-8", "replace"))
    if "c" not in fig:
        raise BenchError("no BLK4K line")
    return fig["c"]


def lab_initrd(d):
    """The lab's initramfs with build/guest's initramfs plus blk4k-init appended
    at /guest/initrd-blk.gz."""
    with open(os.path.join(B, "lab", "initrd.gz"), "rb") as f:
        base = f.read()
    with open(os.path.join(B, "guest", "initrd.gz"), "rb") as f:
        guest = f.read()
    with open(os.path.join(B, "guest", "blk4k.cpio.gz"), "rb") as f:
        guest += f.read()
    path = os.path.join(d, "lab-blk.gz")
    with open(path, "wb") as f:
        f.write(base + b"\0" * (-len(base) % 512))
        f.write(lab_batch.cpio_newc({"guest/initrd-blk.gz": guest}))
    return path


def med(res, title, key):
    """The median of one figure over a platform's runs, or None."""
    v = [r[key] for r in res.get(title, ([], None))[0] if key in r]
    return statistics.median(v) if v else None


def fmt_s(x, unit="s"):
    if x is None:
        return "-"
    return "%.0f us" % (x * 1e6) if unit == "us" else "%.2f s" % x


def figure_row(name, b, x, goal, unit="s"):
    """figure | bivisor | Xen 4.17 | ratio | goal | met?"""
    ratio = "%.2fx" % (b / x) if b is not None and x and x > 0 else "-"  # x <= 0: noise
    met = "-" if ratio == "-" or goal is None else ("yes" if b / x <= goal else "no")
    goal_s = "<= %.2gx Xen's" % goal if goal else "-"
    return [name, fmt_s(b, unit), fmt_s(x, unit), ratio, goal_s, met]


def overhead(res, hv, plain):
    a, p = med(res, hv, "a"), med(res, plain, "a")
    return a - p if a is not None and p is not None else None


def print_runs(res):
    """Each platform's median time to the marker and its runs, or why none."""
    rows = [["", "QEMU start to /init", "domU create to /init", "runs"]]
    for title, (v, why) in res.items():
        if not v:
            rows.append([title, why or "no result"])
            continue
        nb = len([r for r in v if "b" in r])  # the domU may miss its marker's bound
        b = fmt_s(med(res, title, "b")) + (" (%d of %d)" % (nb, len(v)) if 0 < nb < len(v) else "")
        rows.append([title, fmt_s(med(res, title, "a")), b, "%d" % len(v)])
    print_table(rows)
    for title, (v, why) in res.items():
        if v and why:
            print("  %s: stopped at %s" % (title, why))


def print_figures(res, lab):
    print_table([["figure", "bivisor", "Xen 4.17", "ratio", "goal", "met?"],
                 figure_row("QEMU start to the service guest's /init, over plain Linux",
                            overhead(res, BIVISOR, PLAIN_CLOUD),
                            overhead(res, XEN, PLAIN_GENERIC), GOALS["a"]),
                 figure_row("domU create to its /init", med(res, BIVISOR, "b"),
                            med(res, XEN, "b"), GOALS["b"]),
                 figure_row("virtio-blk 4 KiB read in a domU (Xen: bvm on lab KVM)",
                            med(res, BIVISOR, "c"),
                            statistics.median(lab[0]) if lab[0] else None, None, "us")])
    if not lab[0]:
        print("  bvm on the lab's KVM: %s" % (lab[1] or "no result"))
    if isinstance(res.get(XEN, ([], ""))[1], str) and not res[XEN][0]:
        print("  Xen 4.17 has no figures: %s" % res[XEN][1])


def lab_blk(d):
    """(c) in the lab, RUNS runs: ([seconds per read], why or None)."""
    if not os.path.exists(os.path.join(B, "lab", "initrd.gz")):
        return [], "not measured: the lab is not built (make lab)"
    initrd = lab_initrd(d)
    return interleaved(RUNS, [("lab", lambda: lab_blk_once(initrd))])["lab"]


def main():
    print()
    print("bivisor's Linux service guest against Xen 4.17 (PV dom0) in the same QEMU TCG "
          "-smp 2 -m 2048\n(issue 15, item 6; median of %d, taking turns; Xen and its "
          "baseline -cpu max,-rdtscp, the others -cpu max)" % RUNS)
    with tempfile.TemporaryDirectory(dir=B) as d:
        try:
            boots = isos(d)
        except subprocess.CalledProcessError as e:
            print("  not measured: an ISO could not be made (%s)" % e)
            return 0
        res = interleaved(RUNS, [(t, boots[t] if boots[t].startswith("not ") else
                                  boot_runner(t, boots[t], 600)) for t in
                                 (PLAIN_CLOUD, BIVISOR, PLAIN_GENERIC, XEN)])
        lab = lab_blk(d)
    print_runs(res)
    print_figures(res, lab)
    print("  (a): QEMU's start to dom0's /init marker, minus the same kernel and initramfs "
          "booted by GRUB\n  without the hypervisor (bivisor: the cloud kernel, Xen: the "
          "generic one, which a PV dom0 needs);\n  (b): dom0's uptime from bvm run / xl "
          "create to the domU's marker; (c) 1000 O_DIRECT reads, per read")
    return 0


if __name__ == "__main__":
    sys.exit(main())
