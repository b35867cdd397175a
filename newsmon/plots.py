"""Plots for people who would rather look than read: a story's coverage and figures over time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path


def plot_story(story: dict, rows: list[dict], series: dict, path: Path) -> Path:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ValueError("plots need matplotlib: pip install 'newsmon[plots]'") from exc
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(10, 7), sharex=True, gridspec_kw={"height_ratios": [1, 2]}
    )
    days = [datetime.fromisoformat(r["day"]) for r in rows]
    top.bar(days, [r["independent"] for r in rows], label="independent reports", color="#2b6cb0")
    top.bar(
        days,
        [r["copies"] for r in rows],
        bottom=[r["independent"] for r in rows],
        label="syndicated copies",
        color="#a0aec0",
    )
    top.set_ylabel("articles")
    top.legend(loc="upper right")
    top.set_title(story["title"])
    for unit, points in sorted(series.items()):
        xs = [
            datetime.fromisoformat(p[0].replace("Z", "+00:00")).replace(tzinfo=None) for p in points
        ]
        # Points, not lines: consecutive figures often come from different claimants.
        bottom.plot(xs, [p[1] for p in points], marker="o", linestyle="none", label=unit, alpha=0.8)
    bottom.set_ylabel("claimed figure")
    bottom.set_yscale("log")
    bottom.legend(loc="upper left", fontsize="small", ncol=3)
    bottom.grid(True, alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
