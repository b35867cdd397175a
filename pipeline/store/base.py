"""The Store interface: what the pipeline, the CLI and the DAGs need from any store.

Two protocols:
- ``Store``: what every store does, the embedded SQLite file and the search engines alike.
- ``IndexAdmin``: what only search engines do besides (migrate to a new mapping, roll over).

Every backend passes the same contract tests (tests/pipeline/store/test_contract.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ..models import Alert, Article, CrawlOutcome, FeedState, Outcome, PendingURL, Regroup, Story
from ..numbers import format_figure

log = logging.getLogger(__name__)

# Fields that top_terms() can count, in every backend.
TERM_FIELDS = (
    "source",
    "source_name",
    "language",
    "authors",
    "persons",
    "orgs",
    "places",
    "keywords",
    "story_ids",
)

# Outcomes after which a URL is not fetched again by later runs.
FINAL_OUTCOMES = (
    Outcome.INDEXED,
    Outcome.UNCHANGED,
    Outcome.DUPLICATE_EXACT,
    Outcome.DUPLICATE_NEAR,
)


class StoreNotFound(LookupError):
    """A read-only command named a store that does not exist (it is never created for it)."""


class StoreNotReady(RuntimeError):
    """The store exists but was not set up (`newsmon index setup`)."""


@dataclass
class SearchFilters:
    story: str | None = None
    since: str | None = None  # ISO date or datetime, inclusive, on published_at
    until: str | None = None  # exclusive
    source: str | None = None
    language: str | None = None
    entity: str | None = None  # any entity text, case-insensitive
    include_duplicates: bool = True


@dataclass
class UpsertResult:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (id, error)
    # Of `written`: the ids the store did not hold before, and the stories (of both versions)
    # of the documents it did hold. What a story's kept tally needs to go on from: a story
    # with no changed document only gained the new ones.
    created: list[str] = field(default_factory=list)
    changed_stories: set[str] = field(default_factory=set)

    def note(self, doc_id: str, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
        """`doc_id` written: new if nothing was `before`."""
        self.written.append(doc_id)
        if before is None:
            self.created.append(doc_id)
            return
        for doc in (before, after):
            self.changed_stories.update(str(m["id"]) for m in doc.get("stories", []))


@dataclass
class SetupReport:
    """What setup, migrate or rollover did, line by line, for people to read."""

    lines: list[str] = field(default_factory=list)
    lifecycle: bool = False
    details: dict[str, Any] = field(default_factory=dict)  # the engine's answer, if any

    def say(self, line: str) -> None:
        log.info("store: %s", line)
        self.lines.append(line)


@runtime_checkable
class Store(Protocol):
    url: str

    def setup(self) -> SetupReport:
        """Create or update what the store needs (schema, templates, indices). Idempotent."""
        ...

    def exists(self) -> bool: ...
    def close(self) -> None: ...

    # documents
    def upsert_articles(self, articles: Iterable[Article]) -> UpsertResult: ...
    def get_article(self, doc_id: str) -> dict[str, Any] | None: ...
    def iter_articles(self, filters: SearchFilters | None = None) -> Iterator[dict[str, Any]]:
        """Every stored document, or those the filters select, in publication order,
        streamed."""
        ...

    def count_articles(self) -> int: ...
    def search(
        self, query: str, filters: SearchFilters | None = None, limit: int = 20
    ) -> list[dict[str, Any]]: ...
    def story_articles(self, story_id: str) -> list[dict[str, Any]]: ...
    def iter_story_articles(self, story_id: str) -> Iterator[dict[str, Any]]:
        """A story's members, in publication order, streamed: what story_articles returns."""
        ...

    def date_histogram(self, filters: SearchFilters | None = None) -> list[tuple[str, int]]:
        """(YYYY-MM-DD, articles) per day of published_at, days without articles left out."""
        ...

    def top_terms(
        self, field: str, filters: SearchFilters | None = None, size: int = 10
    ) -> list[tuple[str, int]]:
        """The most frequent values of a TERM_FIELDS field, most frequent first, ties by value."""
        ...

    def outlets(self) -> list[tuple[str, str]]:
        """(outlet id, outlet name) of every outlet with a stored article, by id."""
        ...

    # duplicate lookup (newsmon.pipeline.dedupe.DuplicateLookup)
    def content_hashes(self, ids: list[str]) -> dict[str, str]: ...
    def find_by_content_hash(self, content_hash: str) -> str | None: ...
    def near_candidates(self, bands: list[str]) -> list[dict[str, Any]]: ...

    def regroup(self, change: Regroup) -> dict[str, Any] | None:
        """Apply a Regroup: the copies of `old` become copies of `new`, and `old` too (an
        exact copy is removed instead). Returns the old document as it was (None if gone)."""
        ...

    # stories
    def upsert_stories(self, stories: Iterable[Story]) -> None:
        """Write these story records in one go (one transaction, one bulk and refresh): a run
        refreshes a thousand emergent stories, and a commit or a refresh each cost more than
        the rest of their refresh. Of two records with one id, the later wins."""
        ...

    def get_story(self, story_id: str) -> dict[str, Any] | None: ...
    def list_stories(self) -> list[dict[str, Any]]: ...
    def get_articles(self, ids: list[str]) -> list[dict[str, Any]]:
        """The stored documents of these ids, in that order; ids not held are left out."""
        ...

    def count_story_articles(self, story_id: str) -> int: ...
    def story_tallies(self, story_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The kept tallies of these stories (newsmon.jobs): what their summaries and alert
        rules had read of their members, so that the next refresh reads only what was added."""
        ...

    def save_story_tallies(self, tallies: dict[str, dict[str, Any]]) -> None: ...

    # alerts
    def save_alerts(self, alerts: Iterable[Alert]) -> list[Alert]:
        """Keep these alerts; return those the store did not hold yet (to be delivered)."""
        ...

    def list_alerts(self, story_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """The latest alerts first, of one story or all."""
        ...

    # crawl state
    def feed_states(self) -> dict[str, FeedState]: ...
    def save_feed_states(self, states: Iterable[FeedState]) -> None: ...
    def seen_urls(self) -> list[str]: ...
    def record_outcomes(self, run_id: str, outcomes: Iterable[CrawlOutcome]) -> None: ...
    def record_run(self, run_id: str, counts: dict[str, Any]) -> None: ...
    def list_runs(self, since: str | None = None) -> list[dict[str, Any]]:
        """Run records ({run_id, at, counts}) finished at or after `since`, oldest first."""
        ...

    def check_lifecycle(self) -> SetupReport:
        """Whether the index lifecycle is in place (the embedded store has none to check)."""
        ...

    def pending_urls(
        self, urls: list[str] | None = None, due_by: str | None = None
    ) -> list[PendingURL]:
        """Pending URLs: those of `urls` (all when None) that are due by `due_by` (any time
        when None), oldest due first."""
        ...

    def save_pending(self, pending: Iterable[PendingURL], done: Iterable[str]) -> None:
        """Store these pending URLs (replacing their earlier state) and forget `done` ones."""
        ...


@runtime_checkable
class IndexAdmin(Store, Protocol):
    """What only search engines do: mapping migrations and rollover of the write index."""

    def migrate(self, keep_old: bool = False) -> SetupReport: ...
    def rollover(self, max_docs: int | None = None) -> SetupReport: ...


def stable_document(doc: dict[str, Any]) -> dict[str, Any]:
    """The document without fields that may differ between two runs over the same input."""
    return {k: v for k, v in doc.items() if k not in Article.VOLATILE}


def claim_documents(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """One claim document per claimed figure of an article document: the engine's claims
    index and the embedded store's claims table hold these."""
    return [
        {
            "article_id": doc["id"],
            "url": doc["canonical_url"],
            "title": doc["title"],
            "source": doc["source"],
            "source_name": doc["source_name"],
            "published_at": doc["published_at"],
            "story_ids": doc["story_ids"],
            "is_copy": doc["is_copy"],
            "value": claim["value"],
            "value_max": claim.get("value_max"),
            "unit": claim["unit"],
            "kind": claim.get("kind", "count"),
            "counted": claim.get("counted", ""),
            "vague": claim.get("vague", False),
            "figure": format_figure(claim),
            "attribution": claim["attribution"],
            "claimant": claim.get("claimant") or claim["attribution"],
            # One line a claimant and unit in charts: how each source's figure moved.
            "series": f"{claim.get('claimant') or claim['attribution'] or 'no claimant'}: "
            f"{claim['unit']}",
            "via": claim["via"],
            "hedges": claim.get("hedges", []),
            "text": claim["text"],
        }
        for claim in doc["claims"]
    ]
