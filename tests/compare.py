#!/usr/bin/env python3
"""tests/compare.py: `make compare`, the Type-1 against Type-2 cost table
(issue 19, item 2; docs/compare.md explains each column).

The same guests on every platform this machine can run, one run each, two
at a time:
- exitloop (guest-tools/exitloop.c, count=N mmio=1 fwd=1): a CPUID, an OUT
  to port 0x80, a 32-bit read of unclaimed MMIO and an OUT to port 0x700;
  under bivisor the guest is the client of the svc service guest, which
  serves port 0x700 through the ioreq page (the forwarded ioreq), while
  bivisor answers the other three itself; under bvm every OUT and MMIO read
  leaves KVM for bvm's user space, which is the Type-2 design's device-model
  hop, so its "forwarded" figure is that same OUT to port 0x700;
- blkbench (guest-tools/blkbench.c, req=4096): one 4 KiB virtio-blk read at a
  time, its latency; under bivisor svc's RAM disk serves it;
- Debian's Linux to its /init marker (tests/bench_linux.py, tests/bench_bvm.py).

Figures, not pass/fail: ns per operation from the guest's TSC (converted with
bivisor's timing leaf, or the rate bivisor's guest got in the same emulator),
Linux in seconds of wall time. Bochs's ns are its emulated time.
"""
import concurrent.futures
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_bvm  # noqa: E402  (Linux in the lab, /dev/kvm checks)
import bench_linux  # noqa: E402  (Linux under bivisor and plain QEMU)
from bench_util import (BOCHS_IPS, EXITLOOP, BenchError, exitloop_once, fmt_num,  # noqa: E402
                        guest_once, host_cpuinfo_khz, print_table, svc_modules)
import run  # noqa: E402  (the runner's build dir)

BLKBENCH = "build/guests/blkbench.elf"
COUNT = {"qemu": 20000, "bochs": 2000, "lab": 20000, "bvm": 20000}
BLK_MIB = {"qemu": 1, "bochs": 1, "lab": 1, "bvm": 4}  # KiB read in 4 KiB requests: MiB x 256
OPS = ("cpuid", "pio", "mmio", "fwd")
KHZ_LINE = re.compile(r"blkbench: .*tsc (\d+) kHz")
BLK_LINE = re.compile(r"blkbench: read (\d+) bytes, (\d+) tsc cycles")
COLUMNS = ("CPUID exit", "port exit", "MMIO exit", "fwd ioreq", "4K blk read", "Linux boot")

BIV_SVM, BIV_VMX = "bivisor SVM (QEMU TCG)", "bivisor VMX (Bochs)"
BVM_LAB, BVM_KVM, QEMU = "bvm (nested-KVM lab)", "bvm (/dev/kvm)", "plain QEMU TCG"
ROWS = (BIV_SVM, BIV_VMX, BVM_LAB, BVM_KVM, QEMU)
KIND = {BIV_SVM: "qemu", BIV_VMX: "bochs", BVM_LAB: "lab", BVM_KVM: "bvm", QEMU: "qemu"}


def bivisor_test(kind, modules):
    if kind == "bochs":
        return {"cpus": "2", "cmdline": "loglevel=warn tsc=pit", "modules": modules}
    return {"qemu": "-smp 2 -m 256M", "cmdline": "loglevel=warn", "modules": modules}


def exit_test(row, disk=None):
    """The exitloop run of a row: (run.py test dict, kind)."""
    kind, cmdline = KIND[row], "count=%d mmio=1 fwd=1" % COUNT[KIND[row]]
    if row in (BIV_SVM, BIV_VMX):
        return bivisor_test(kind, svc_modules(EXITLOOP, cmdline, "fwdport=1792")), kind
    if row == BVM_LAB:
        return {"lab": "run --kernel /guests/exitloop.elf --mem 16M", "guest": cmdline}, kind
    if row == BVM_KVM:
        return {"kernel": EXITLOOP, "bvm": "--mem 16M", "cmdline": cmdline}, kind
    return {"kernel": EXITLOOP, "qemu": "-smp 1 -m 128M", "cmdline": cmdline}, kind


def blk_test(row, image):
    kind = KIND[row]
    cmdline = "req=4096 mib=%d" % BLK_MIB[kind]
    if row in (BIV_SVM, BIV_VMX):
        return bivisor_test(kind, svc_modules(BLKBENCH, cmdline, "disk=4")), kind
    if row == BVM_LAB:
        return {"lab": "run --kernel /guests/blkbench.elf --mem 16M --disk /tmp/disk.img",
                "guest": cmdline}, kind
    if row == BVM_KVM:
        return {"kernel": BLKBENCH, "bvm": "--mem 16M --disk " + image, "cmdline": cmdline}, kind
    return {"kernel": BLKBENCH, "cmdline": cmdline,
            "qemu": "-M microvm -m 64M -global virtio-mmio.force-legacy=false -drive "
            "file=%s,format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0" % image}, kind


def guest_khz(text):
    m = KHZ_LINE.search(text)
    return int(m.group(1)) if m else None


def exit_job(row):
    """{op: TSC cycles per operation}, the guest's TSC kHz (or None)."""
    test, kind = exit_test(row)
    return exitloop_once(test, 600 if kind == "bochs" else 240, kind, OPS)


def blk_job(row, image):
    """TSC cycles per 4 KiB read, the guest's TSC kHz (or None)."""
    test, kind = blk_test(row, image)
    text = guest_once(test, 600 if kind == "bochs" else 240, kind)
    m = BLK_LINE.search(text)
    if not m or not int(m.group(1)):
        raise BenchError("no 'blkbench: read' line")
    return {"blk": int(m.group(2)) / (int(m.group(1)) / 4096)}, guest_khz(text)


def linux_job(row):
    """Seconds to the /init marker: from QEMU's start (bivisor, plain QEMU), from
    the lab's "LAB: running" line (bvm in L1; the lab's L1 boot is not counted)."""
    if row == BVM_LAB:
        if not os.path.exists(bench_bvm.LAB_QEMU_INITRD):
            raise BenchError("the lab with QEMU is not built (make %s)" % bench_bvm.LAB_QEMU_INITRD)
        return bench_bvm.lab_marker_once(bench_bvm.LAB_VMMS[0][1])[0]
    bz, rd = os.path.join(bench_linux.GUEST, "bzImage"), os.path.join(bench_linux.GUEST,
                                                                      "initrd.gz")
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "serial.log")
        if row == QEMU:
            args = ["-kernel", bz, "-initrd", rd, "-append", bench_linux.CMDLINE]
        else:
            args = ["-cdrom", run.make_iso({"cmdline": "loglevel=warn", "modules": (
                "'%s:name=linux mem=256M vcpus=2 initrd=linux-rd cmdline=\"%s\"' "
                "%s:name=linux-rd" % (bz, bench_linux.CMDLINE, rd))})]
        secs, _ = bench_linux.timed_boot(args, log, False)
    if secs is None:
        raise BenchError("no /init marker")
    return secs


def row_skip(row):
    """Why a whole row cannot run here, or None."""
    if row == BVM_KVM:
        return bench_bvm.kvm_unusable()
    if row == BVM_LAB and not os.path.exists(os.path.join(run.BUILD, "lab", "initrd.gz")):
        return "the lab is not built (make lab)"
    return None


def jobs(image):
    """(row, column group, function) for everything this machine can run, the
    slowest first so that two workers finish together."""
    out = []
    for row in ROWS:
        if row_skip(row):
            continue
        out.append((row, "exits", lambda r=row: exit_job(r)))
        out.append((row, "blk", lambda r=row: blk_job(r, image)))
        if row != BIV_VMX:
            out.append((row, "linux", lambda r=row: linux_job(r)))
    return sorted(out, key=lambda j: j[0] != BIV_VMX)


def run_all(image):
    """{(row, group): result or BenchError}, and the wall seconds it took."""
    start, results = time.monotonic(), {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {pool.submit(fn): (row, group) for row, group, fn in jobs(image)}
        for f in concurrent.futures.as_completed(futures):
            try:
                results[futures[f]] = f.result()
            except BenchError as e:
                results[futures[f]] = e
    return results, time.monotonic() - start


def row_khz(row, results):
    """The TSC rate to convert a row's cycles with, and a note when borrowed:
    its own guest's, else bivisor's guest's in the same emulator (QEMU TCG's
    RDTSC reads the host TSC in both), else the host's /proc/cpuinfo."""
    own = [r[1] for g in ("exits", "blk") for r in [results.get((row, g))]
           if isinstance(r, tuple) and r[1]]
    if own:
        return own[0], None
    if row == QEMU:
        ref = row_khz(BIV_SVM, results)[0] if not row_skip(BIV_SVM) else None
        if ref:
            return ref, "TSC rate from %s's guest (the same TSC under TCG)" % BIV_SVM
    host = host_cpuinfo_khz()
    return host, "TSC rate from /proc/cpuinfo (approximate)" if host else None


def row_cells(row, results):
    """The six cells of a row and its notes."""
    why = row_skip(row)
    if why:
        return ["not run: " + why], []
    khz, note = row_khz(row, results)
    cells, notes = [], [note] if note else []
    for group, ops in (("exits", OPS), ("blk", ("blk",))):
        r = results.get((row, group))
        if isinstance(r, BenchError):
            notes.append("%s: %s" % (group, r))
        cells += [fmt_num(r[0][op] * 1e6 / khz) if isinstance(r, tuple) and khz else "-"
                  for op in ops]
    r = results.get((row, "linux"))
    if isinstance(r, BenchError):
        notes.append("linux: %s" % r)
    cells.append("%.1f s" % r if isinstance(r, float) else "-")
    if row == BIV_VMX:
        notes.append("linux: not run, it takes minutes under Bochs (vmx-bochs/linux-1vcpu)")
    return cells, notes


def main():
    with tempfile.TemporaryDirectory(dir=run.BUILD) as d:
        image = os.path.join(d, "blk.img")
        with open(image, "wb") as f:
            f.truncate(4 << 20)
        results, secs = run_all(image)
    print("Type-1 against Type-2: ns per operation (one run each, two at a time, %.0f s)" % secs)
    rows, notes = [[""] + list(COLUMNS)], []
    for row in ROWS:
        cells, why = row_cells(row, results)
        rows.append([row] + cells if len(cells) > 1 else [row, cells[0]])
        notes += ["%s, %s" % (row, n) for n in why]
    print_table(rows)
    print("  exits: exitloop, %s operations each (Bochs %s); 4K blk read: blkbench, one 4 KiB\n"
          "  request at a time; Linux: wall seconds to /init (bvm: from the lab's start of bvm).\n"
          "  Bochs's ns are its emulated time, %d instructions per emulated second.\n"
          "  docs/compare.md explains each column." % ("{:,}".format(COUNT["qemu"]),
                                                        "{:,}".format(COUNT["bochs"]), BOCHS_IPS))
    for n in notes:
        print("  " + n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
