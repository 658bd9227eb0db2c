"""tools/bvtrace_plot.py: the charts of `make plot` (docs/tracing.md), drawn
with Debian's python3-matplotlib from traces that tools/bvtrace.py parsed:
exits per reason over time (one line per reason, counted in time bins) and a
histogram of handler times per reason (microseconds, both axes log-scaled). Each is
written as PREFIX-exits.png/.svg and PREFIX-handlers.png/.svg."""
import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

BINS = 50


def by_kind(traces, kind_name):
    """{reason: [(time in ms from the trace's start, handler time in us)]}."""
    out = {}
    for t in traces:
        recs = t["recs"]
        t0 = min((r["tsc"] for r in recs), default=0)
        label = "" if len(traces) == 1 else "%s: " % t["name"]
        for r in recs:
            out.setdefault(label + kind_name(r["kind"]), []).append(
                ((r["tsc"] - t0) / t["khz"], r["cycles"] * 1000.0 / t["khz"]))
    return out


def save(fig, prefix, what):
    paths = ["%s-%s.%s" % (prefix, what, ext) for ext in ("png", "svg")]
    for p in paths:
        fig.savefig(p, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return paths


def plot_rate(kinds, prefix, title):
    fig, ax = plt.subplots(figsize=(9, 4.5))
    end = max(ms for pts in kinds.values() for ms, _ in pts) or 1.0
    for name, pts in sorted(kinds.items()):
        counts, edges, _ = ax.hist([ms for ms, _ in pts], bins=BINS, range=(0, end),
                                   histtype="step", label="%s (%d)" % (name, len(pts)))
    ax.set_xlabel("time since the first exit (ms)")
    ax.set_ylabel("exits per %.3g ms" % (end / BINS))
    ax.set_title("Exits per reason over time: " + title)
    ax.legend(fontsize="small")
    return save(fig, prefix, "exits")


def log_bins(kinds):
    """BINS bins of equal width on a log scale over every handler time."""
    times = [max(us, 1e-3) for pts in kinds.values() for _, us in pts]
    lo, hi = min(times), max(max(times), min(times) * 10)
    return [lo * (hi / lo) ** (i / BINS) for i in range(BINS + 1)]


def plot_handlers(kinds, prefix, title):
    fig, ax = plt.subplots(figsize=(9, 4.5))
    bins = log_bins(kinds)
    for name, pts in sorted(kinds.items()):
        ax.hist([max(us, 1e-3) for _, us in pts], bins=bins, histtype="step", log=True,
                label="%s (median %.2f us)" % (name, sorted(us for _, us in pts)[len(pts) // 2]))
    ax.set_xscale("log")
    ax.set_xlabel("handler time (us, log scale)")
    ax.set_ylabel("exits")
    ax.set_title("Handler time per reason: " + title)
    ax.legend(fontsize="small")
    return save(fig, prefix, "handlers")


def plot(traces, prefix, kind_name):
    kinds = by_kind(traces, kind_name)
    if not kinds:
        raise ValueError("the traces hold no records")
    title = ", ".join("%s %s" % (t["source"], t["name"]) for t in traces)
    return plot_rate(kinds, prefix, title) + plot_handlers(kinds, prefix, title)
