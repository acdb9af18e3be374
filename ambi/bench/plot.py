"""``ambi bench --plot``: cumulative time against calls (eager and graph, the crossing
marked) per workload, and the chain's time against size per device. Needs matplotlib,
the optional extra ``ambi[plot]``."""
import math

INSTALL = "pip install ambi[plot]"


class PlotUnavailable(Exception):
    """matplotlib is not installed."""


def load_pyplot():
    """matplotlib's pyplot on the headless Agg backend, or PlotUnavailable."""
    try:
        import matplotlib
    except ImportError:
        raise PlotUnavailable(f"--plot needs matplotlib: {INSTALL}") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot(rows, path):
    """Draw the rows measured by ``ambi bench`` into a PNG at ``path``."""
    plt = load_pyplot()
    curves = _curve_rows(rows)
    sized = [r for r in rows if r.result is not None and r.workload == "10-op chain"]
    panels = len(curves) + bool(sized)
    cols = min(3, max(1, panels))
    fig, axes = plt.subplots(math.ceil(panels / cols), cols, squeeze=False,
                             figsize=(5 * cols, 3.8 * math.ceil(panels / cols)))
    flat = [ax for line in axes for ax in line]
    for ax, (title, group) in zip(flat, curves.items()):
        _cumulative(ax, title, group)
    if sized:
        _by_size(flat[len(curves)], sized)
    for ax in flat[panels:]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _curve_rows(rows):
    """Per workload, one row per device (for the chain: its largest size)."""
    groups = {}
    for r in rows:
        if r.result is None:
            continue
        best = groups.setdefault(r.workload, {}).get(r.device)
        if best is None or (r.size or 0) > (best.size or 0):
            groups[r.workload][r.device] = r
    return {w: list(g.values()) for w, g in groups.items()}


def _cumulative(ax, title, group):
    last = max([100, *(2 * r.result.calls for r in group if r.result.calls)])  # none: never
    calls = sorted({1, last, *(round(last ** (k / 50)) for k in range(51))})
    for r in group:
        b = r.result
        eager, graph = zip(*(b.cumulative(n) for n in calls))
        line, = ax.plot(calls, eager, "--", label=f"eager {r.device}")
        ax.plot(calls, graph, "-", color=line.get_color(), label=f"graph {r.device}")
        if b.calls is not None:
            ax.plot([b.calls], [b.cumulative(b.calls)[1]], "o", color=line.get_color())
            ax.annotate(f"call {b.calls}", (b.calls, b.cumulative(b.calls)[1]),
                        textcoords="offset points", xytext=(4, -12), fontsize=8)
    size = f" ({group[0].size:.0e} elements)" if title == "10-op chain" else ""
    ax.set(title=title + size, xlabel="calls", ylabel="cumulative seconds",
           xscale="log", yscale="log")
    ax.legend(fontsize=7)


def _by_size(ax, rows):
    for dev in dict.fromkeys(r.device for r in rows):
        mine = sorted((r for r in rows if r.device == dev), key=lambda r: r.size)
        sizes = [r.size for r in mine]
        line, = ax.plot(sizes, [r.result.graph_s for r in mine], "-o", label=f"graph {dev}")
        ax.plot(sizes, [r.result.eager_s for r in mine], "--", color=line.get_color(),
                label=f"eager {dev}")
    numpy = {r.size: r.result.numpy_s for r in rows if r.result.numpy_s is not None}
    if numpy:
        sizes = sorted(numpy)
        ax.plot(sizes, [numpy[n] for n in sizes], ":k", label="numpy")
    ax.set(title="10-op chain: time per call", xlabel="elements", ylabel="seconds",
           xscale="log", yscale="log")
    ax.legend(fontsize=7)
