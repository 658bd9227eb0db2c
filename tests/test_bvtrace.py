#!/usr/bin/env python3
"""tests/test_bvtrace.py: tools/bvtrace.py on hand-made traces (docs/tracing.md):
the Perfetto JSON of a small two-vCPU trace, event by event, and the traces it
must refuse. Run by tests/run.py as unit/bvtrace."""
import io
import json
import os
import sys
import unittest
from contextlib import redirect_stderr, redirect_stdout

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tools"))
import bvtrace  # noqa: E402

# 1000 kHz: one cycle is 1 us. vCPU 0: a CPUID (leaf 0) at 1000 for 5 cycles, an
# OUT to 0x700 forwarded (hop 40) at 1010; vCPU 1: an MMIO read at 1002.
TRACE = """noise before the trace
BVT begin v1 source=bivisor name=demo vcpus=2 tsc_khz=1000\r
BVT 0 3 3e8 0 5 0 0
BVT 0 1 3f2 700 a 28 3
BVT lost 1 7
BVT 1 2 3ea fee00030 2 0 0
BVT end records=3
"""

META = [
    {"ph": "M", "name": "process_name", "pid": 1, "tid": 0, "args": {"name": "bivisor: demo"}},
    {"ph": "M", "name": "thread_name", "pid": 1, "tid": 0, "args": {"name": "vCPU 0"}},
    {"ph": "M", "name": "thread_name", "pid": 1, "tid": 1, "args": {"name": "vCPU 1"}},
]
SLICES = [
    {"ph": "X", "name": "cpuid", "cat": "exit", "pid": 1, "tid": 0, "ts": 0.0, "dur": 5.0,
     "args": {"arg": "0x0", "cycles": 5, "write": False}},
    {"ph": "C", "name": "exits: cpuid", "pid": 1, "ts": 0.0, "args": {"count": 1}},
    {"ph": "X", "name": "mmio", "cat": "exit", "pid": 1, "tid": 1, "ts": 2.0, "dur": 2.0,
     "args": {"arg": "0xfee00030", "cycles": 2, "write": False}},
    {"ph": "C", "name": "exits: mmio", "pid": 1, "ts": 2.0, "args": {"count": 1}},
    {"ph": "X", "name": "io", "cat": "exit", "pid": 1, "tid": 0, "ts": 10.0, "dur": 10.0,
     "args": {"arg": "0x700", "cycles": 10, "write": True, "hop_cycles": 40}},
    {"ph": "X", "name": "ioreq hop", "cat": "ioreq", "pid": 1, "tid": 0, "ts": 20.0,
     "dur": 40.0, "args": {"exit": "io"}},
    {"ph": "C", "name": "exits: io", "pid": 1, "ts": 10.0, "args": {"count": 1}},
]


class Convert(unittest.TestCase):
    def test_json_holds_one_slice_per_exit_in_time_order(self):
        doc = bvtrace.to_json(bvtrace.parse(TRACE))
        self.assertEqual(doc["traceEvents"], META + SLICES)
        self.assertEqual(json.loads(json.dumps(doc)), doc)

    def test_lost_records_are_counted(self):
        self.assertEqual(bvtrace.parse(TRACE)[0]["lost"], {1: 7})

    def test_two_traces_are_two_processes(self):
        doc = bvtrace.to_json(bvtrace.parse(TRACE + TRACE.replace("demo", "other")))
        names = [e["args"]["name"] for e in doc["traceEvents"] if e["name"] == "process_name"]
        self.assertEqual(names, ["bivisor: demo", "bivisor: other"])


class Refuse(unittest.TestCase):
    def bad(self, text, words):
        with self.assertRaises(bvtrace.TraceError) as cm:
            bvtrace.to_json(bvtrace.parse(text))
        self.assertIn(words, str(cm.exception))

    def test_a_trace_cut_short(self):
        self.bad(TRACE.replace("BVT end records=3\n", ""), "no end line")

    def test_a_record_lost_on_the_way(self):
        self.bad(TRACE.replace("BVT 1 2 3ea fee00030 2 0 0\n", ""), "2 records, its end")

    def test_no_trace_at_all(self):
        self.bad("just a log\n", "no trace")

    def test_no_tsc_rate(self):
        self.bad(TRACE.replace("tsc_khz=1000", "tsc_khz=0"), "no TSC rate")


class Check(unittest.TestCase):
    def run_check(self, *specs, more=()):
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "bvtrace-test-%d" % os.getpid())
        with open(path, "w") as f:
            f.write(TRACE)
        try:
            with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
                return bvtrace.main(["check", path] + [a for s in specs for a in ("--min", s)] +
                                    list(more))
        finally:
            os.unlink(path)

    def test_enough_slices_pass(self):
        self.assertEqual(self.run_check("cpuid:0=1", "io:0x700=1"), 0)

    def test_too_few_slices_fail(self):
        self.assertEqual(self.run_check("cpuid=2"), 1)

    def test_slices_of_another_vcpu_do_not_count(self):
        self.assertEqual(self.run_check("mmio=1"), 1)
        self.assertEqual(self.run_check("mmio=1", more=["--vcpu", "1"]), 0)

    def test_forwarded_exits_are_counted_as_hops(self):
        self.assertEqual(self.run_check(more=["--hops", "1"]), 0)
        self.assertEqual(self.run_check(more=["--hops", "2"]), 1)


if __name__ == "__main__":
    unittest.main()
