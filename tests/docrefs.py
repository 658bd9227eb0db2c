#!/usr/bin/env python3
"""tests/docrefs.py: the docs name code as `path:function`; this check keeps
those names true. It reads README.md and docs/*.md, takes every
PATH:NAME whose PATH is in this tree (its first part a top-level file or
folder here; QEMU's or Linux's paths are not), and fails when the file is
missing or defines no NAME: a C function, macro, struct, enum or global; a
Python def, class or global; an assembly label. tests/run.py runs it as
unit/doc-references; alone: python3 tests/docrefs.py
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REF = re.compile(r"\b([A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*\.(?:c|h|py|asm|sh|mk))"
                 r":([A-Za-z_][A-Za-z0-9_]*)")
DEFINITIONS = {
    ".c": [r"^\S[^;]*\b{0}\s*\(", r"^#\s*define\s+{0}\b", r"^(?:typedef\s+)?(?:struct|enum|union)\s+{0}\b",
           r"^\S.*\b{0}\b\s*(?:\[[^\]]*\])*\s*(?:=|;)"],
    ".py": [r"^\s*(?:def|class)\s+{0}\b", r"^{0}\s*="],
    ".asm": [r"^{0}:", r"^\s*global\s+{0}\b", r"^%macro\s+{0}\b"],
    ".sh": [r"^{0}\s*\(\)"],
    ".mk": [r"^{0}\s*[:?+]?="],
}
DEFINITIONS[".h"] = DEFINITIONS[".c"]


def doc_files(root):
    docs = os.path.join(root, "docs")
    return [os.path.join(root, "README.md")] + sorted(
        os.path.join(docs, f) for f in os.listdir(docs) if f.endswith(".md"))


def in_tree(root, path):
    return os.path.exists(os.path.join(root, path.split("/")[0]))


def defines(text, ext, name):
    return any(re.search(p.format(re.escape(name)), text, re.M) for p in DEFINITIONS[ext])


def problems(root=ROOT):
    """'doc: path:name: why' for each reference that is not true."""
    out, seen = [], set()
    for doc in doc_files(root):
        for path, name in REF.findall(open(doc, encoding="utf-8").read()):
            if (path, name) in seen or not in_tree(root, path):
                continue
            seen.add((path, name))
            where = "%s: %s:%s" % (os.path.relpath(doc, root), path, name)
            full = os.path.join(root, path)
            if not os.path.isfile(full):
                out.append("%s: no file %s" % (where, path))
            elif not defines(open(full, encoding="utf-8", errors="replace").read(),
                             os.path.splitext(path)[1], name):
                out.append("%s: %s defines no %s" % (where, path, name))
    return out


if __name__ == "__main__":
    bad = problems()
    print("\n".join(bad) if bad else "doc references: all true")
    sys.exit(1 if bad else 0)
