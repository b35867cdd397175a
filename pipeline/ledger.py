"""The ledger: one CrawlOutcome per URL, and the counts that must add up."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

from .models import (DUPLICATE_EXACT, DUPLICATE_NEAR, INDEXED, NOT_MODIFIED, REJECTED, SEEN,
                     SOURCE_READ, UNCHANGED, CrawlOutcome)


@dataclass
class Ledger:
    outcomes: list[CrawlOutcome] = field(default_factory=list)

    def record(self, outcome: CrawlOutcome) -> None:
        self.outcomes.append(outcome)

    def extend(self, outcomes: Iterable[CrawlOutcome]) -> None:
        self.outcomes.extend(outcomes)

    def reject(self, url: str, reason: str, source: str = "", detail: str = "") -> None:
        self.record(CrawlOutcome(url, REJECTED, reason, source=source, detail=detail))

    def counts(self) -> dict:
        by_key = Counter(o.outcome for o in self.outcomes)
        rejected = Counter(o.reason for o in self.outcomes if o.outcome == REJECTED)
        return {
            "fetched": len(self.outcomes),
            "indexed": by_key[INDEXED],
            "unchanged": by_key[UNCHANGED],
            "duplicates": {"exact": by_key[DUPLICATE_EXACT], "near": by_key[DUPLICATE_NEAR]},
            "rejected": dict(sorted(rejected.items())),
            "sources_read": by_key[SOURCE_READ],
            "not_modified": by_key[NOT_MODIFIED],
            "seen": by_key[SEEN],
        }


def check_arithmetic(counts: dict) -> bool:
    """Every URL met has exactly one outcome: the parts add up to the whole."""
    parts = (counts["indexed"] + counts["unchanged"] + counts["duplicates"]["exact"]
             + counts["duplicates"]["near"] + sum(counts["rejected"].values())
             + counts["sources_read"] + counts["not_modified"] + counts["seen"])
    return parts == counts["fetched"]
