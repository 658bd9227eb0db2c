#!/usr/bin/env python3
"""tools/bvtrace.py: bivisor's and bvm's exit traces (docs/tracing.md).

Reads the text form of include/public/trace.h (bivisor's COM2 output with
trace=N, bvm's --trace FILE, or any log that holds those lines) and

    bvtrace.py json TRACE [-o OUT.json]     Chrome/Perfetto JSON (Trace Event Format)
    bvtrace.py check TRACE [--vcpu V] [--min KIND[:ARG]=N]... [--hops N]
                                            the JSON parses and has the slices
    bvtrace.py plot TRACE -o PREFIX         PREFIX-exits.{png,svg}, PREFIX-handlers.{png,svg}

The JSON has one process per trace (a domain, a bvm run), one thread (track)
per vCPU named by "M" events, one "X" slice per exit (its handler's time;
a forwarded ioreq adds an "ioreq hop" slice after it) and a "C" counter per
exit reason. ui.perfetto.dev and chrome://tracing open it.
"""
import argparse
import json
import re
import sys

# enum bv_trace_kind (include/public/trace.h)
KINDS = ["none", "io", "mmio", "cpuid", "msr-read", "msr-write", "hlt", "hypercall", "extint",
         "nmi", "exception", "shutdown", "invalid", "unknown", "intr-window", "pause",
         "nmi-window", "cr-write"]
EXTRA_KINDS = {32: "system", 33: "kick"}
F_WRITE, F_FORWARDED = 1, 2
LINE = re.compile(r"BVT (.*)")
BEGIN = re.compile(r"begin v1 source=(\S+) name=(\S+) vcpus=(\d+) tsc_khz=(\d+)")


class TraceError(Exception):
    pass


def kind_name(k):
    return KINDS[k] if k < len(KINDS) else EXTRA_KINDS.get(k, "kind-%d" % k)


def parse_record(words):
    vcpu, kind, tsc, arg, cycles, hop, flags = (int(w, 16) for w in words)
    return {"vcpu": vcpu, "kind": kind, "tsc": tsc, "arg": arg, "cycles": cycles, "hop": hop,
            "flags": flags}


def parse_line(body, cur, traces):
    """One BVT line into the trace being read (cur); returns the new cur."""
    m = BEGIN.match(body)
    if m:
        return {"source": m.group(1), "name": m.group(2), "vcpus": int(m.group(3)),
                "khz": int(m.group(4)), "recs": [], "lost": {}}
    if cur is None:
        raise TraceError("a BVT line before any 'BVT begin': %s" % body)
    words = body.split()
    if words[0] == "end":
        want = int(words[1].split("=")[1], 16)
        if want != len(cur["recs"]):
            raise TraceError("trace %s: %d records, its end line says %d"
                             % (cur["name"], len(cur["recs"]), want))
        traces.append(cur)
        return None
    if words[0] == "lost":
        cur["lost"][int(words[1], 16)] = int(words[2], 16)
    elif len(words) == 7:
        cur["recs"].append(parse_record(words))
    else:
        raise TraceError("not a trace record: %s" % body)
    return cur


def parse(text):
    """The complete traces in text (lines outside BVT ... are skipped)."""
    traces, cur = [], None
    for line in text.splitlines():
        m = LINE.search(line.rstrip("\r"))
        if m:
            cur = parse_line(m.group(1).strip(), cur, traces)
    if cur is not None:
        raise TraceError("trace %s has no end line (cut short?)" % cur["name"])
    if not traces:
        raise TraceError("no trace (no 'BVT begin' line)")
    return traces


def to_us(cycles, khz):
    return cycles * 1000.0 / khz


def meta_events(pid, t):
    ev = [{"ph": "M", "name": "process_name", "pid": pid, "tid": 0,
           "args": {"name": "%s: %s" % (t["source"], t["name"])}}]
    for v in range(t["vcpus"]):
        ev.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": v,
                   "args": {"name": "vCPU %d" % v}})
    return ev


def exit_events(pid, t, r, t0, counts):
    """The slice of one exit, its ioreq hop if forwarded, and its reason's counter."""
    name, khz = kind_name(r["kind"]), t["khz"]
    ts = to_us(r["tsc"] - t0, khz)
    args = {"arg": "%#x" % r["arg"], "cycles": r["cycles"],
            "write": bool(r["flags"] & F_WRITE)}
    ev = [{"ph": "X", "name": name, "cat": "exit", "pid": pid, "tid": r["vcpu"], "ts": ts,
           "dur": to_us(r["cycles"], khz), "args": args}]
    if r["flags"] & F_FORWARDED:
        args["hop_cycles"] = r["hop"]
        ev.append({"ph": "X", "name": "ioreq hop", "cat": "ioreq", "pid": pid,
                   "tid": r["vcpu"], "ts": ts + to_us(r["cycles"], khz),
                   "dur": to_us(r["hop"], khz), "args": {"exit": name}})
    counts[name] = counts.get(name, 0) + 1
    ev.append({"ph": "C", "name": "exits: " + name, "pid": pid, "ts": ts,
               "args": {"count": counts[name]}})
    return ev


def to_json(traces):
    """The Trace Event Format object of the traces, one pid each."""
    events = []
    for pid, t in enumerate(traces, 1):
        if not t["khz"]:
            raise TraceError("trace %s has no TSC rate (tsc_khz=0)" % t["name"])
        events += meta_events(pid, t)
        recs = sorted(t["recs"], key=lambda r: r["tsc"])
        t0, counts = recs[0]["tsc"] if recs else 0, {}
        for r in recs:
            events += exit_events(pid, t, r, t0, counts)
    return {"traceEvents": events, "displayTimeUnit": "ns"}


def parse_spec(spec):
    """KIND[:ARG]=N into (kind, arg or None, n)."""
    what, _, n = spec.partition("=")
    kind, _, arg = what.partition(":")
    if kind not in KINDS and kind not in EXTRA_KINDS.values() or not n.isdigit():
        raise TraceError("bad --min '%s': want KIND[:ARG]=N, KIND one of %s"
                         % (spec, ", ".join(KINDS)))
    return kind, int(arg, 0) if arg else None, int(n)


def count_slices(doc, tid, kind, arg):
    """Exit slices of kind (and arg) on track tid that have a positive duration."""
    return sum(1 for e in doc["traceEvents"]
               if e.get("ph") == "X" and e.get("cat") == "exit" and e["tid"] == tid and
               e["name"] == kind and e.get("dur", 0) > 0 and
               (arg is None or int(e["args"]["arg"], 16) == arg))


def cmd_check(a, traces):
    doc = json.loads(json.dumps(to_json(traces)))  # what a reader of the file gets
    tracks = {(e["pid"], e["tid"]) for e in doc["traceEvents"] if e["name"] == "thread_name"}
    if not any(tid == a.vcpu for _, tid in tracks):
        raise TraceError("no track named for vCPU %d" % a.vcpu)
    for spec in a.min:
        kind, arg, n = parse_spec(spec)
        got = count_slices(doc, a.vcpu, kind, arg)
        if got < n:
            raise TraceError("vCPU %d: %d %s slices%s with a duration, want at least %d"
                             % (a.vcpu, got, kind, "" if arg is None else " of %#x" % arg, n))
        print("bvtrace: vCPU %d: %d %s slices%s, at least %d: ok"
              % (a.vcpu, got, kind, "" if arg is None else " of %#x" % arg, n))
    hops = sum(1 for e in doc["traceEvents"] if e["name"] == "ioreq hop" and
               e["tid"] == a.vcpu and e["dur"] > 0)
    if hops < a.hops:
        raise TraceError("vCPU %d: %d ioreq hop slices, want at least %d" % (a.vcpu, hops, a.hops))
    if a.hops:
        print("bvtrace: vCPU %d: %d ioreq hop slices, at least %d: ok" % (a.vcpu, hops, a.hops))
    print("bvtrace: check passed (%d events)" % len(doc["traceEvents"]))


def cmd_json(a, traces):
    doc = to_json(traces)
    if a.o in (None, "-"):
        json.dump(doc, sys.stdout)
        return
    with open(a.o, "w") as f:
        json.dump(doc, f)
    print("bvtrace: %s: %d events; open it in ui.perfetto.dev" % (a.o, len(doc["traceEvents"])))


def cmd_plot(a, traces):
    import bvtrace_plot  # matplotlib only where plots are drawn
    for path in bvtrace_plot.plot(traces, a.o, kind_name):
        print("bvtrace: wrote %s" % path)


def main(argv=None):
    p = argparse.ArgumentParser(description="bivisor/bvm exit traces to Perfetto JSON")
    sub = p.add_subparsers(dest="cmd", required=True)
    j = sub.add_parser("json", help="write Chrome/Perfetto JSON")
    j.add_argument("trace")
    j.add_argument("-o", help="output file (default: stdout)")
    c = sub.add_parser("check", help="check the JSON for expected slices")
    c.add_argument("trace")
    c.add_argument("--vcpu", type=int, default=0)
    c.add_argument("--min", action="append", default=[], help="KIND[:ARG]=N")
    c.add_argument("--hops", type=int, default=0, help="at least N forwarded ioreqs")
    pl = sub.add_parser("plot", help="PNG and SVG charts")
    pl.add_argument("trace")
    pl.add_argument("-o", required=True, help="output prefix")
    a = p.parse_args(argv)
    try:
        with open(a.trace, encoding="utf-8", errors="replace") as f:
            traces = parse(f.read())
        {"json": cmd_json, "check": cmd_check, "plot": cmd_plot}[a.cmd](a, traces)
    except (OSError, TraceError, ValueError) as e:
        print("bvtrace: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
