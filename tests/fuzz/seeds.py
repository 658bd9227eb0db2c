#!/usr/bin/env python3
"""tests/fuzz/seeds.py: writes the seed corpora of the libFuzzer targets into
tests/fuzz/corpus/NAME/ (committed; rerun after changing a target's input
format). Each seed is a small valid input the target's code accepts: a guest
driver's virtio start-up script, an ELF with Multiboot headers, a bzImage
header, a Multiboot2 information block, ACPI tables, bvm options, a domain
file, one hypercall of each kind, an ioreq server and its slots.
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
READ, WRITE, POKE, CLOCK, POLL = range(5)


def save(target, name, data):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data)


def wr(off, value, size=4):
    """A fuzz_io_run write step: op, log2(size), offset, value."""
    return bytes([WRITE, {1: 0, 2: 1, 4: 2, 8: 3}[size]]) + struct.pack("<H", off) + \
        value.to_bytes(size, "little")


def rd(off, size=4):
    return bytes([READ, {1: 0, 2: 1, 4: 2, 8: 3}[size]]) + struct.pack("<H", off)


def poke(gpa, value):
    return bytes([POKE]) + struct.pack("<HQ", gpa, value)


def virtio_queue(q):
    """Queue q set up as a virtio 1.2 driver does (virtio-mmio 4.2.3.2), 8 entries."""
    desc, avail, used = 0x1000 * (q + 1), 0x1000 * (q + 1) + 0x800, 0x1000 * (q + 1) + 0xc00
    return wr(0x30, q) + wr(0x38, 8) + wr(0x80, desc) + wr(0x90, avail) + wr(0xa0, used) + \
        wr(0x44, 1)


def virtio_request(q, lens):
    """A chain of len(lens) descriptors (all but the first device-writable) made available."""
    desc, avail, s = 0x1000 * (q + 1), 0x1000 * (q + 1) + 0x800, b""
    for i, n in enumerate(lens):
        flags = (1 if i + 1 < len(lens) else 0) | (2 if i else 0)
        s += poke(desc + 16 * i, 0x8000 + 0x400 * i) + \
            poke(desc + 16 * i + 8, n | flags << 32 | (i + 1) << 48)
    return s + poke(avail, 1 << 16) + wr(0x50, q)


def virtio(nqueues, lens):
    s = wr(0x70, 1) + wr(0x70, 3) + wr(0x24, 1) + wr(0x20, 1) + wr(0x70, 11)
    for q in range(nqueues):
        s += virtio_queue(q)
    s += wr(0x70, 15) + rd(0x60) + wr(0x64, 1) + rd(0x100) + rd(0x104)
    return s + b"".join(virtio_request(q, lens) for q in range(nqueues)) + bytes([POLL])


def devices():
    save("virtio_blk", "read-sector", virtio(1, [16, 512, 1]))
    save("virtio_net", "tx-rx", virtio(2, [12 + 60]) + bytes([POLL]))
    save("virtio_console", "tx-rx", virtio(2, [32]) + bytes([POLL]))
    save("virtio_rng", "request", virtio(1, [64]))
    save("virtio_balloon", "inflate-deflate-stats", virtio(3, [16]))
    save("uart16550", "linux-probe", wr(3, 0x80, 1) + wr(0, 1, 1) + wr(3, 3, 1) + wr(2, 0xc7, 1) +
         wr(1, 0xf, 1) + wr(4, 0xb, 1) + wr(0, 0x41, 1) + rd(2, 1) + rd(5, 1) + bytes([POLL]))
    save("i8254", "mode2-ch0", wr(3, 0x34, 1) + wr(0, 0x9c, 1) + wr(0, 0x2e, 1) +
         bytes([CLOCK]) + b"\x00\x10\x00\x00\x08" + wr(3, 0, 1) + rd(0, 1) + rd(0, 1) +
         bytes([WRITE + 5, 0, 0, 0, 1]) + bytes([READ + 5, 0, 0, 0]) + bytes([POLL]))
    save("rtc_cmos", "time", bytes(8) + b"".join(wr(0, r, 1) + rd(1, 1) for r in range(14)) +
         wr(0, 0xb, 1) + wr(1, 0x46, 1))
    save("acpi_pm", "s5", wr(0, 0xffff, 2) + bytes([READ + 10, 2, 0, 0]) +
         bytes([WRITE + 5, 1, 0, 0, 0x00, 0x34]))
    save("iobus", "com1", bytes([2, 0]) + struct.pack("<QH", 0x3f8, 8) + bytes([1]) +
         struct.pack("<QH", 0xfed00000, 0x400) + bytes([8]) + struct.pack("<Q", 0x3fd) +
         bytes([11]) + struct.pack("<QQ", 0xfed00010, 1))


def apics():
    # enable the SVR, a self IPI, read ISR and EOI
    x = [1, 0xf0, 0, 2, 0xff, 1, 0, 0, 1, 0x00, 0x03, 2, 0x31, 0x40, 4, 0, 5, 1, 0xb0, 0, 2]
    save("vlapic", "self-ipi", bytes(x) + bytes([3, 0x1b, 0, 0, 0xee, 0xfe, 0xd, 0xc, 0, 0]))
    # IOAPIC: select redirection 2, unmask with vector 0x30, raise pin 2, EOI
    save("vioapic", "pin2", bytes([3, 0x00, 2, 0x14, 0, 0, 0, 3, 0x10, 2, 0x30, 0x80, 0, 0,
                                   5, 2, 1, 7, 0x30]))


def insn():
    for name, mode, code in (("mov-store", 2, b"\x89\x02"), ("mov-load32", 1, b"\x8b\x03"),
                             ("movzx", 2, b"\x0f\xb6\x01"), ("rep-movsb", 2, b"\xf3\xa4"),
                             ("or-imm", 2, b"\x81\x08\x00\x00\x01\x00"),
                             ("seg-rex", 2, b"\x65\x48\x89\x10"), ("xchg", 0, b"\x87\x07")):
        save("insn", name, bytes([mode, len(code)]) + bytes(range(16)) + b"\x02\x00" + code +
             bytes(8))


def elf64(entry, payload, mb2=True):
    """An ELF64 executable with one PT_LOAD at 1 MiB and a Multiboot2 (or 1) header first."""
    if mb2:
        hdr = struct.pack("<IIII", 0xe85250d6, 0, 24, (-(0xe85250d6 + 24)) & 0xffffffff)
        hdr += struct.pack("<HHI", 0, 0, 8)
    else:
        hdr = struct.pack("<III", 0x1badb002, 3, (-(0x1badb002 + 3)) & 0xffffffff)
    body = hdr + payload
    off = 64 + 56
    eh = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, 64,
                                                         0, 0, 64, 56, 1, 64, 0, 0)
    ph = struct.pack("<IIQQQQQQ", 1, 5, off, 0x100000, 0x100000, len(body), len(body) + 4096,
                     0x1000)
    return eh + ph + body


def loaders():
    save("loader", "elf64-mb2", elf64(0x100000 + 32, b"\xf4" * 64))
    save("loader", "elf64-mb1", elf64(0x100000 + 12, b"\xf4" * 64, mb2=False))
    aout = struct.pack("<III", 0x1badb002, 0x10003, (-(0x1badb002 + 0x10003)) & 0xffffffff)
    aout += struct.pack("<IIIII", 0x100000, 0x100000, 0x100100, 0x100200, 0x100020)
    save("loader", "mb1-aout", aout + b"\xf4" * 224)
    save("linux", "bzimage-2.15", bytes([2]) + struct.pack("<H", 64) + linux_image() +
         b"070701" + bytes(58))


def linux_image():
    """A relocatable bzImage of boot protocol 2.15: 4 setup sectors, 1 KiB of kernel."""
    setup = bytearray(5 * 512)
    struct.pack_into("<BHI", setup, 0x1f1, 4, 0, 1024 // 16)
    struct.pack_into("<H", setup, 0x1fe, 0xaa55)
    struct.pack_into("<BB4sH", setup, 0x200, 0xeb, 0x66, b"HdrS", 0x020f)
    struct.pack_into("<B", setup, 0x211, 1)
    struct.pack_into("<IBB", setup, 0x230, 0x200000, 1, 0)
    struct.pack_into("<H", setup, 0x236, 1)
    struct.pack_into("<I", setup, 0x238, 2048)
    struct.pack_into("<QI", setup, 0x258, 0x1000000, 0x10000)
    return bytes(setup) + b"\xf4" * 1024


def mb2_tag(t, body):
    tag = struct.pack("<II", t, 8 + len(body)) + body
    return tag + bytes(-len(tag) % 8)


def parsers():
    mmap = struct.pack("<II", 24, 0) + struct.pack("<QQII", 0, 0x9fc00, 1, 0) + \
        struct.pack("<QQII", 0x100000, 0x7f00000, 1, 0)
    tags = mb2_tag(1, b"loglevel=info\0") + mb2_tag(2, b"GRUB\0") + \
        mb2_tag(4, struct.pack("<II", 639, 130048)) + mb2_tag(6, mmap) + \
        mb2_tag(3, struct.pack("<II", 0x200000, 0x300000) + b"guest.elf cpus=2\0") + \
        mb2_tag(0, b"")
    save("mb2", "grub", struct.pack("<II", 8 + len(tags), 0) + tags)
    save("acpi", "rsdp-xsdt-madt", acpi_tables())
    save("cmdline", "kernel", b'loglevel=4 console=com1 testexit cpus=2 "quoted word" bogus=1')
    save("bvm_options", "full", b"\0".join([b"--kernel", b"guest.elf", b"--mem", b"512M",
                                            b"--cpus", b"2", b"--disk", b"disk.img",
                                            b"--net", b"socket:3", b"--watchdog", b"30",
                                            b"--accel", b"kvm", b"--cmdline", b"quiet"]))
    save("domfile", "web", b"""# docs/domains.md's example
name = "web"
memory = 512
vcpus = 2
kernel = "images/bzImage"
ramdisk = 'images/initrd.gz'
cmdline = "console=ttyS0 root=/dev/vda"
disk = [ 'images/root.img',
         'access=ro, target=images/data.img', 'raw,,,images/x.img' ]
vif = [ 'vifname=tap0', 'socket=3' ]
on_poweroff = "destroy"; on_crash = "preserve"
weight = 512
cap = 100
accel = "kvm"
""")


def hypercall():
    """One valid call of each kind (tests/fuzz/fuzz_hypercall.c's ops), in a row."""
    q = struct.pack
    s = bytes([0, 0, 4]) + q("<I", 1)  # the gate: DOMAIN_CREATE from the service
    s += bytes([1]) + b"web".ljust(32, b"\0") + q("<QII", 16 << 20, 2, 0)
    s += bytes([2]) + q("<Q", 16 << 20) + q("<IIQQ", 1, 16, 0x100000, 0x5000)
    s += bytes([3, 2, 0]) + q("<IIII", 1, 1, 1, 0) + bytes(72)
    s += bytes([4]) + q("<Q", 16 << 20) + q("<IIQQ", 1, 4096, 0x1000, 0x8000)
    s += bytes([5]) + q("<QQ", 16 << 20, 256 << 20) + q("<IIQQ", 1, 4, 0x2000, 1 << 32)
    s += bytes([6, 2]) + q("<QIB", 0x9000, 0x10000 | 5, 1)
    s += bytes([7]) + q("<QQB", 4, 1, 1)
    save("hypercall", "each-call", s)


def ioreq():
    """COM1 and an MMIO device on the bus, a server for two ranges, then a read answered."""
    q = struct.pack
    s = bytes([2]) + bytes([0, 0]) + q("<HH", 0x3f8, 8) + bytes([1, 0x80]) + \
        q("<QH", 0xfed00000, 0x400)
    ranges = q("<IIQQ", 0, 0, 0x2f8, 8) + q("<IIQQ", 1, 0, 0xfe000000, 0x1000)
    s += q("<I", 0x4000) + q("<IIQ", 1, 2, 0x7000) + ranges.ljust(24 * 8, b"\0")
    kept = bytes([0, 0xfd]) + q("<QBBB", 0, 0, 0, 1)
    s += bytes([3]) + kept + bytes([2]) + kept + bytes([0x23]) + kept
    save("ioreq", "com2-read", s)


def checksum(t, at):
    t[at] = (-sum(t)) & 0xff
    return bytes(t)


def acpi_tables():
    """RSDP at 0xe0000, XSDT at 0xe0040 naming a MADT at 0xe0080 (2 CPUs, one IOAPIC)."""
    madt = bytearray(b"APIC" + bytes(32) + struct.pack("<II", 0xfee00000, 1))
    madt += bytes([0, 8, 0, 0, 1, 0, 0, 0, 0, 8, 1, 1, 1, 0, 0, 0])
    madt += bytes([1, 12, 2, 0]) + struct.pack("<II", 0xfec00000, 0)
    struct.pack_into("<IB", madt, 4, len(madt), 3)
    xsdt = bytearray(b"XSDT" + bytes(32) + struct.pack("<Q", 0xe0080))
    struct.pack_into("<IB", xsdt, 4, len(xsdt), 1)
    rsdp = bytearray(b"RSD PTR " + bytes(1) + b"BIVSOR" + bytes([2]) + bytes(4) +
                     struct.pack("<IQ", 36, 0xe0040) + bytes(4))
    rsdp[8] = (-sum(rsdp[:20])) & 0xff
    rsdp[32] = (-sum(rsdp)) & 0xff
    mem = bytearray(bytes(rsdp).ljust(0x40, b"\0") + checksum(xsdt, 9).ljust(0x40, b"\0") +
                    checksum(madt, 9))
    return bytes(mem)


if __name__ == "__main__":
    devices()
    apics()
    insn()
    loaders()
    parsers()
    hypercall()
    ioreq()
