"""The ledger: one CrawlOutcome per URL, the counts, and the check that they add up.

The check compares two counts made independently: the URLs the crawler says it met (its
CrawlSummary) and the outcomes the later steps recorded. A URL with no outcome, or with two,
makes the counts not add up; so does a crawl that never wrote its summary (it did not finish).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from .models import CrawlOutcome, CrawlSummary, Outcome


@dataclass
class Ledger:
    outcomes: list[CrawlOutcome] = field(default_factory=list)

    def record(self, outcome: CrawlOutcome) -> None:
        self.outcomes.append(outcome)

    def reject(self, url: str, reason: str, source: str = "", detail: str = "") -> None:
        self.record(CrawlOutcome(url, Outcome.REJECTED, reason, source=source, detail=detail))

    def fail(self, url: str, stage: str, exc: BaseException, source: str = "") -> None:
        """A stage failed on this URL's article: rejected:<stage>_error:<kind>, with the error
        as detail, in place of any outcome a stage before it recorded (a near copy that a
        later stage could not finish is not a stored copy)."""
        reason = f"{stage}_error:{type(exc).__name__}"
        self.replace(
            CrawlOutcome(url, Outcome.REJECTED, reason, source=source, detail=str(exc)[:300])
        )

    def replace(self, outcome: CrawlOutcome) -> None:
        """This outcome in place of any other of its URL (a later stage's verdict wins)."""
        self.outcomes = [o for o in self.outcomes if o.url != outcome.url]
        self.record(outcome)

    def counts(self, crawl: CrawlSummary | None) -> dict[str, Any]:
        """Counts by outcome, and whether they add up to the crawler's count of URLs met."""
        by_outcome = Counter(o.outcome for o in self.outcomes)
        rejected = Counter(o.reason for o in self.outcomes if o.outcome == Outcome.REJECTED)
        skipped = Counter(o.reason for o in self.outcomes if o.outcome == Outcome.SKIPPED)
        per_url = Counter(o.url for o in self.outcomes)
        doubled = sum(n - 1 for n in per_url.values())
        urls_met = crawl.urls_met if crawl else None
        return {
            "fetched": urls_met,
            "outcomes": len(self.outcomes),
            "doubled": doubled,
            "crawl_complete": bool(crawl and crawl.complete),
            "crawl_finish_reason": crawl.finish_reason if crawl else "no crawl summary",
            "indexed": by_outcome[Outcome.INDEXED],
            "unchanged": by_outcome[Outcome.UNCHANGED],
            "duplicates": {
                "exact": by_outcome[Outcome.DUPLICATE_EXACT],
                "near": by_outcome[Outcome.DUPLICATE_NEAR],
            },
            "rejected": dict(sorted(rejected.items())),
            "sources_read": by_outcome[Outcome.SOURCE_READ],
            "not_modified": by_outcome[Outcome.NOT_MODIFIED],
            "seen": by_outcome[Outcome.SEEN],
            "skipped": dict(sorted(skipped.items())),
            "adds_up": check_arithmetic(urls_met, len(self.outcomes), len(per_url)),
        }


def check_arithmetic(urls_met: int | None, outcomes: int, distinct_urls: int) -> bool:
    """Every URL the crawler met has exactly one outcome: as many outcomes as URLs met, and
    no URL twice. Unknown (no crawl summary) does not add up."""
    return urls_met is not None and outcomes == distinct_urls == urls_met


class Verdict(IntEnum):
    """How a run ended, as the CLI's exit status (README: "Exit status")."""

    OK = 0
    USAGE = 1  # usage or configuration error
    COUNTS_DO_NOT_ADD_UP = 3  # a URL without an outcome, or with two; an unfinished crawl
    NOTHING_DONE = 4  # no source could be read, or nothing met was accounted for
    FAILED = 5  # the job itself failed: the crawler crashed, the store is down
    INTERRUPTED = 130  # SIGINT / SIGTERM


def nothing_read(
    sources_read: int, not_modified: int, not_due: int, rejected: dict[str, int]
) -> str:
    """Why no source could be read, or "" when one was. A feed not due (adaptive polling)
    was accounted for by an earlier run's read of it; one that answered 304 was read."""
    if sources_read + not_modified + not_due:
        return ""
    reasons = ", ".join(f"{r} ({n})" for r, n in rejected.items())
    return f"no source could be read: {reasons or 'no answer'}"


def judge(counts: dict[str, Any]) -> tuple[Verdict, str]:
    """The verdict on a run's counts, with the reason in words."""
    met, outcomes = counts["fetched"], counts["outcomes"]
    if met and outcomes == 0:
        return Verdict.NOTHING_DONE, (
            f"the crawler met {met} URLs but no outcome was recorded for any of them"
        )
    unread = nothing_read(
        counts["sources_read"],
        counts["not_modified"],
        counts["skipped"].get("not_due", 0),
        counts["rejected"],
    )
    if unread and outcomes:
        return Verdict.NOTHING_DONE, unread
    if not counts["adds_up"]:
        if met is None:
            return Verdict.COUNTS_DO_NOT_ADD_UP, (
                f"the crawl did not finish ({counts['crawl_finish_reason']}): its URLs cannot "
                "be accounted for"
            )
        return Verdict.COUNTS_DO_NOT_ADD_UP, (
            f"the crawler met {met} URLs, but {outcomes} outcomes were recorded "
            f"({counts['doubled']} for URLs already counted)"
        )
    return Verdict.OK, "every URL met has exactly one outcome"
