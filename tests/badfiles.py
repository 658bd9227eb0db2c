#!/usr/bin/env python3
"""tests/badfiles.py: writes the broken guest images of bvm's bad-input
tests (tests/manifest, bad-file-*) into build/tests/bad/: truncated, wrong
magic, overlapping segments, an entry point outside the image, sizes near
4 GiB, an initrd larger than any guest RAM (sparse). bvm must refuse each with
one line and exit status 2, and leave the file as it was.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz"))
import seeds  # noqa: E402  (its ELF and bzImage builders)

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build",
                   "tests", "bad")


def elf(entry=0x100020, memsz=None, nph=1):
    """An ELF64 Multiboot2 image; nph copies of its PT_LOAD (at the same address)."""
    img = bytearray(seeds.elf64(entry, b"\xf4" * 64))
    ph = img[64:120]
    if memsz is not None:
        struct.pack_into("<Q", ph, 40, memsz)
    struct.pack_into("<H", img, 56, nph)
    return bytes(img[:64]) + bytes(ph) * nph + bytes(img[120:])


def bzimage(init_size=0x10000):
    img = bytearray(seeds.linux_image())
    struct.pack_into("<I", img, 0x260, init_size)
    return bytes(img)


FILES = {
    "elf-truncated": elf()[:100],
    "elf-bad-magic": b"\x7fELG" + elf()[4:],
    "elf-entry-outside": elf(entry=0x7000000),
    "elf-overlap": elf(nph=2),
    "elf-4g": elf(memsz=0xfff00000),
    "bzimage-truncated": bzimage()[:0x300],
    "bzimage-4g": bzimage(init_size=0xfffff000),
}

# Sparse files (no blocks on disk): name -> size.
SPARSE = {"initrd-5g": 5 << 30}

if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for name, data in FILES.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    for name, size in SPARSE.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.truncate(size)
