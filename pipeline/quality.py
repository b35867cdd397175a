"""Data quality per outlet: each run's extraction figures, and the check that fails loudly
when an outlet's extraction breaks.

An outlet's layout changes and its pages still download, but the extractor finds no text, or
no date, or rejects most of them. Nothing crashes, and the totals hide it behind the outlets
that still work. So each run keeps every outlet's figures (index_documents writes them into
the run record), and the check compares an outlet's recent shares with its own history: a
share that jumps by more than `jump` over at least `min_pages` recent pages is an issue.
Comparing with the outlet's own past, not a global threshold, is what keeps an outlet whose
pages never carry dates from alarming every day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from .models import Article, CrawlOutcome, Outcome, OutletFigures, QualityIssue

_ARTICLE_OUTCOMES = {
    Outcome.INDEXED,
    Outcome.UNCHANGED,
    Outcome.DUPLICATE_EXACT,
    Outcome.DUPLICATE_NEAR,
}
_NO_TEXT = {"no_article_text", "parse_error:html"}
MEASURES = ("no_text", "no_date", "rejected")


def outlet_figures(
    outcomes: Iterable[CrawlOutcome], articles: Iterable[Article]
) -> dict[str, dict[str, int]]:
    """Each outlet's figures for one run, as plain data for the run record. Article pages are
    the URLs a feed listed (a source read is not one); a page whose text could not be
    extracted counts as rejected and as without text."""
    out: dict[str, OutletFigures] = {}
    for o in outcomes:
        if not (o.feed_url or o.outcome in _ARTICLE_OUTCOMES):
            continue
        if o.outcome in (Outcome.SEEN, Outcome.SKIPPED, Outcome.SOURCE_READ):
            continue
        figures = out.setdefault(o.source, OutletFigures())
        figures.pages += 1
        if o.outcome == Outcome.REJECTED:
            figures.rejected += 1
            figures.no_text += o.reason in _NO_TEXT
    for a in articles:
        figures = out.setdefault(a.source, OutletFigures())
        figures.articles += 1
        figures.no_text += not a.text.strip()
        figures.no_date += not a.published_at
    return {source: asdict(f) for source, f in sorted(out.items())}


@dataclass(frozen=True)
class QualityRules:
    jump: float = 0.3  # a share this much above the outlet's own history is an issue
    min_pages: int = 5  # recent article pages needed to judge an outlet at all
    min_history: int = 10  # article pages of history needed to judge it


def _sum(runs: Iterable[dict[str, Any]]) -> dict[str, OutletFigures]:
    total: dict[str, OutletFigures] = {}
    for counts in runs:
        for source, figures in (counts.get("outlets") or {}).items():
            t = total.setdefault(source, OutletFigures())
            for name in ("pages", "articles", "no_text", "no_date", "rejected"):
                setattr(t, name, getattr(t, name) + int(figures.get(name, 0)))
    return total


def _shares(f: OutletFigures) -> dict[str, float]:
    return {
        "no_text": f.no_text / f.pages if f.pages else 0.0,
        "no_date": f.no_date / f.articles if f.articles else 0.0,
        "rejected": f.rejected / f.pages if f.pages else 0.0,
    }


def check_outlets(
    recent: Iterable[dict[str, Any]],
    history: Iterable[dict[str, Any]],
    rules: QualityRules | None = None,
) -> tuple[list[QualityIssue], dict[str, Any]]:
    """The outlets whose shares jumped between the history runs' counts and the recent runs'
    counts, and every outlet's shares (what the check looked at, for the task log)."""
    rules = rules or QualityRules()
    now, before = _sum(recent), _sum(history)
    issues: list[QualityIssue] = []
    looked: dict[str, Any] = {}
    for source, f in sorted(now.items()):
        past = before.get(source)
        shares = _shares(f)
        base = _shares(past) if past else {}
        looked[source] = {"pages": f.pages, "shares": shares, "baseline": base}
        if f.pages < rules.min_pages or past is None or past.pages < rules.min_history:
            continue
        for measure in MEASURES:
            if shares[measure] - base[measure] > rules.jump:
                issues.append(
                    QualityIssue(
                        source,
                        measure,
                        round(shares[measure], 3),
                        round(base[measure], 3),
                        f.pages,
                        f"{source}: {measure} {shares[measure]:.0%} of {f.pages} recent pages "
                        f"against {base[measure]:.0%} before",
                    )
                )
    return issues, looked
