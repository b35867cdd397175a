"""`newsmon report ID --html FILE`: one self-contained HTML page of a story for people who would
rather look than read: coverage over time, outlets, figures by claimant, syndication, and the
day-by-day timeline and articles as tables. Plots are inline SVG (matplotlib); the page loads
nothing from anywhere."""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from datetime import datetime
from importlib import resources
from io import StringIO
from string import Template
from typing import Any

from .pipeline.models import utc_now
from .pipeline.numbers import format_figure
from .pipeline.timeline import day_of, outlet_of, timeline


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ValueError("reports need matplotlib: pip install 'newsmon[plots]'") from exc
    plt.rcParams["svg.fonttype"] = "none"  # text stays text: searchable, and small
    return plt


def _svg(fig: Any) -> str:
    out = StringIO()
    fig.savefig(out, format="svg", bbox_inches="tight")
    _pyplot().close(fig)
    text = out.getvalue()
    return text[text.index("<svg") :]  # inline: no XML declaration or doctype


def _day(value: str) -> datetime:
    return datetime.fromisoformat(value[:10])


def coverage_svg(rows: list[dict[str, Any]]) -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 3))
    days = [_day(r["day"]) for r in rows]
    own = [r["independent"] for r in rows]
    ax.bar(days, own, label="own reports", color="#2b6cb0")
    ax.bar(days, [r["copies"] for r in rows], bottom=own, label="copies", color="#a0aec0")
    ax.set_ylabel("articles")
    ax.legend(loc="upper right")
    fig.autofmt_xdate()
    return _svg(fig)


def outlets_svg(docs: list[dict[str, Any]]) -> str:
    plt = _pyplot()
    own: Counter[str] = Counter()
    copies: Counter[str] = Counter()
    for doc in docs:
        (copies if doc.get("duplicate_of") else own)[outlet_of(doc)] += 1
    outlets = sorted(set(own) | set(copies), key=lambda o: (own[o] + copies[o], o))
    fig, ax = plt.subplots(figsize=(10, max(2.0, 0.35 * len(outlets) + 0.8)))
    ax.barh(outlets, [own[o] for o in outlets], color="#2b6cb0", label="own reports")
    ax.barh(
        outlets,
        [copies[o] for o in outlets],
        left=[own[o] for o in outlets],
        color="#a0aec0",
        label="copies",
    )
    ax.set_xlabel("articles")
    ax.legend(loc="lower right")
    return _svg(fig)


def figures_svg(rows: list[dict[str, Any]]) -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 3.5))
    series: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    for row in rows:
        for f in row["figures"]:
            series[f"{f['attribution'] or 'no claimant'}: {f['unit']}"].append(
                (_day(row["day"]), f["value"])
            )
    for label, points in sorted(series.items()):
        # Points, not lines: one claimant's figures are what it said, not a measured curve.
        ax.plot([p[0] for p in points], [p[1] for p in points], "o", label=label, alpha=0.8)
    if series:
        ax.set_yscale("log")
        # Below the plot: a story has many claimants, and a legend inside would hide points.
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), fontsize="small", ncol=3)
    else:
        ax.text(0.5, 0.5, "no figures claimed", ha="center", va="center", transform=ax.transAxes)
    ax.set_ylabel("claimed figure")
    ax.grid(True, alpha=0.3)
    fig.autofmt_xdate()
    return _svg(fig)


def syndication_svg(docs: list[dict[str, Any]]) -> str:
    plt = _pyplot()
    by_id = {d["id"]: d for d in docs}
    copies: Counter[str] = Counter(d["duplicate_of"] for d in docs if d.get("duplicate_of"))
    fig, ax = plt.subplots(figsize=(10, max(2.0, 0.35 * len(copies) + 0.8)))
    originals = sorted(copies, key=lambda i: (copies[i], i))
    labels = [
        f"{outlet_of(by_id[i])}: {by_id[i]['title'][:50]}" if i in by_id else i for i in originals
    ]
    if originals:
        ax.barh(labels, [copies[i] for i in originals], color="#a0aec0")
        ax.set_xlabel("copies run by other outlets")
    else:
        ax.text(0.5, 0.5, "no syndicated copies", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
    return _svg(fig)


def _table(head: list[str], rows: list[list[str]], numeric: frozenset[int] = frozenset()) -> str:
    out = ["<table><thead><tr>", *(f"<th>{html.escape(h)}</th>" for h in head), "</tr></thead>"]
    out.append("<tbody>")
    for row in rows:
        cells = (
            f'<td class="n">{c}</td>' if n in numeric else f"<td>{c}</td>"
            for n, c in enumerate(row)
        )
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _e(value: Any) -> str:
    return html.escape(str(value))


def render(story: dict[str, Any], docs: list[dict[str, Any]], store: str) -> str:
    rows = timeline(docs)
    facts = (
        f"{story['articles']} articles from {story['outlets']} outlets "
        f"({story['independent_outlets']} independent), {str(story['first_seen'])[:10]} to "
        f"{str(story['last_seen'])[:10]}"
    )
    figures = [
        [
            _e(r["day"]),
            _e(format_figure(f)),
            _e(f["attribution"] or "no claimant"),
            _e(f["via"]),
            _e(f["outlet"]),
        ]
        for r in rows
        for f in r["figures"]
    ]
    days = [
        [
            _e(r["day"]),
            str(r["articles"]),
            _e(", ".join(r["independent_outlets"])),
            str(r["copies"]),
            _e(", ".join(r["new_entities"])),
        ]
        for r in rows
    ]
    ordered = sorted(docs, key=lambda d: (day_of(d), d["id"]))
    by_id = {d["id"]: d for d in docs}
    articles = [
        [
            _e(day_of(d)),
            _e(outlet_of(d)),
            f'<a href="{_e(d["url"])}">{_e(d["title"])}</a>',
            (
                f'<span class="copy">copy of {_e(outlet_of(by_id[d["duplicate_of"]]))}</span>'
                if d.get("duplicate_of") in by_id
                else ("copy" if d.get("duplicate_of") else "own report")
            ),
            _e(d.get("language", "")),
        ]
        for d in ordered
    ]
    template = Template(
        (resources.files("newsmon") / "resources" / "report.html").read_text(encoding="utf-8")
    )
    return template.substitute(
        title=_e(story["title"]),
        facts=_e(facts),
        made=_e(utc_now()),
        store=_e(store),
        coverage_svg=coverage_svg(rows),
        outlets_svg=outlets_svg(docs),
        figures_svg=figures_svg(rows),
        syndication_svg=syndication_svg(docs),
        figures_table=_table(["day", "figure", "claimant", "via", "reported by"], figures),
        timeline_table=_table(
            ["day", "articles", "outlets on their own", "copies", "new entities"],
            days,
            numeric=frozenset({1, 3}),
        ),
        articles_table=_table(["day", "outlet", "title", "", "language"], articles),
    )
