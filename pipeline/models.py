"""The typed records that cross stage boundaries. Defined here once; every stage imports them.

Flow: the crawler turns feeds into ``FeedEntry`` values, fetches pages as ``FetchedPage`` and
records every URL it meets as a ``CrawlOutcome``. The process stages turn pages into ``Article``
documents. ``Article.to_document()`` is the public schema: the SQLite table, the search-engine
mappings and ``newsmon export`` all follow it.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar


class Outcome(StrEnum):
    """What became of one URL the crawl met. Every URL met in a run ends in exactly one."""

    INDEXED = "indexed"  # a new original document is in the store
    UNCHANGED = "unchanged"  # already stored with the same content: nothing written
    DUPLICATE_EXACT = "duplicate:exact"  # same canonical URL or same text as a stored document
    DUPLICATE_NEAR = "duplicate:near"  # stored, marked as a copy (duplicate_of) of an original
    REJECTED = "rejected"  # with a reason: robots, http_error:404, ...
    SOURCE_READ = "source"  # a feed or sitemap read; its entries are URLs of their own
    NOT_MODIFIED = "not_modified"  # a feed answered 304 to a conditional GET
    SEEN = "seen"  # an article URL final in an earlier run: not fetched
    # Not asked for this run, by the crawl's own rules (with a reason): a feed not due under
    # adaptive polling, a sitemap beyond the bound, an entry older than the source's window.
    SKIPPED = "skipped"


def doc_id(canonical_url: str) -> str:
    """Document id: stable across runs and engines because it hashes the canonical URL."""
    return hashlib.sha1(canonical_url.encode("utf-8")).hexdigest()[:20]


@dataclass(slots=True)
class Source:
    """One feed, sitemap or search feed from the sources file."""

    id: str  # outlet id, e.g. "kws"
    name: str  # outlet name shown to analysts
    url: str  # feed / sitemap URL; for kind=search a template with {query}
    kind: str = "feed"  # feed (RSS or Atom, sniffed) | sitemap | search
    allow_networks: tuple[str, ...] = ()  # private networks this source may resolve to
    timeout: float | None = None
    max_page_bytes: int | None = None
    wire: bool = False  # a wire agency: its copy is the original of syndicated copies
    # Politeness towards this source's host: parallel requests and the least delay between
    # them (robots.txt's Crawl-delay raises it); None = the crawl's defaults.
    concurrency: int | None = None
    delay: float | None = None
    # Adaptive polling: asked at least every poll_interval minutes while it changes; each
    # unchanged poll doubles the wait, up to max_poll_interval.
    poll_interval: float = 0.0
    max_poll_interval: float = 360.0
    max_sitemaps: int = 20  # child sitemaps followed per sitemap index, newest first
    max_age_days: float | None = None  # entries dated older than this are not fetched


@dataclass(slots=True)
class FeedEntry:
    """What a feed or sitemap said about one article."""

    url: str
    source: str
    feed_url: str
    title: str = ""
    published: str | None = None  # ISO 8601, UTC
    modified: str | None = None  # a sitemap's lastmod, ISO 8601, UTC
    summary: str = ""
    publisher: str = ""  # the outlet a search feed names for this result


@dataclass(slots=True)
class FetchedPage:
    """An article page as fetched: the input of the process stages."""

    url: str  # the URL the feed gave
    final_url: str  # after redirects
    status: int
    body: str  # decoded with the charset of the header, BOM or meta tag
    encoding: str
    fetched_at: str  # ISO 8601, UTC
    source: str
    source_name: str
    feed_url: str = ""
    content_type: str = ""
    entry_title: str = ""
    entry_published: str | None = None
    entry_summary: str = ""
    wire_source: bool = False


@dataclass(slots=True)
class CrawlOutcome:
    """The fate of one URL the crawl met, or of one page the process stages handled."""

    url: str
    outcome: Outcome
    reason: str = ""  # for rejected: robots, http_error:404, timeout, ...
    source: str = ""
    doc_id: str = ""  # the document it became, or the original it duplicates
    detail: str = ""
    feed_url: str = ""  # the feed or sitemap that listed it (to ask for it again later)

    def __post_init__(self) -> None:
        self.outcome = Outcome(self.outcome)  # read back from a file as a plain string


@dataclass(slots=True)
class CrawlSummary:
    """The crawler's own account of a crawl, written last: how many URLs it met (counted
    independently of the outcomes) and whether it finished. A crawler that was killed writes
    none; newsmon then writes one with urls_met None (unknown)."""

    urls_met: int | None
    finish_reason: str  # Scrapy's: "finished", "shutdown", ...; or "crawler exited -9"
    complete: bool


@dataclass(slots=True)
class Regroup:
    """A stored document that an article arriving later turns out to precede: the earlier
    publication is the original, whatever the order the crawl met them in. `old` and its
    copies become copies of `new`; an exact copy (same text) is removed from the store."""

    old: str
    new: str
    exact: bool = False
    similarity: float | None = None


@dataclass(slots=True)
class IndexChanges:
    """index-changes.jsonl: what the index step changed in the stories, for the story refresh
    after it. `created` maps a story to its members that the store did not hold before (this
    run's and replayed ones); `changed` are the stories of documents the step rewrote, and
    `regrouped` says whether stored copies changed originals. A story none of this touches
    only gained its `created` members, and its kept tally goes on from there."""

    run_id: str
    created: dict[str, list[str]] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    regrouped: bool = False


@dataclass(slots=True)
class PendingURL:
    """An article URL that failed for a passing reason (timeout, 5xx, 429, a dropped
    connection): asked for again by later runs, with backoff, a bounded number of times,
    whether or not its feed changed."""

    url: str
    source: str
    feed_url: str = ""
    attempts: int = 1
    next_attempt: str = ""  # ISO 8601, UTC: not before
    reason: str = ""


@dataclass(slots=True)
class CrawlState:
    """What the crawler is told of earlier runs: feed validators and URLs already final."""

    feeds: dict[str, FeedState] = field(default_factory=dict)
    seen_urls: list[str] = field(default_factory=list)
    pending: list[PendingURL] = field(default_factory=list)  # due now


@dataclass(slots=True)
class FeedState:
    """Conditional-GET validators for one feed, kept between runs."""

    url: str
    etag: str = ""
    last_modified: str = ""
    digest: str = ""  # of the body: a server without conditional GET still shows no change
    checked_at: str = ""  # ISO 8601, UTC: last asked
    changed_at: str = ""  # last answered with something new
    interval_s: int = 0  # the wait before it is due again (adaptive polling)
    listed_lastmod: str = ""  # a child sitemap: the lastmod its index gave when it was read


def poll_fields(state: FeedState) -> dict[str, Any]:
    """A FeedState's polling fields (all but url and the two validators), for storage."""
    return {
        f.name: getattr(state, f.name)
        for f in fields(state)
        if f.name not in ("url", "etag", "last_modified")
    }


@dataclass(slots=True)
class Entity:
    text: str
    label: str  # PERSON | ORG | GPE | LOC | NORP | ...


@dataclass(slots=True)
class Claim:
    """A quantity claim: '5,000 engineers', per the NIS, via Yonhap."""

    value: float
    unit: str
    text: str  # the sentence it was read from
    attribution: str = ""  # who made the claim, as the article names them
    via: str = ""  # who relayed it (a news agency), if said
    claimant: str = ""  # the attribution's canonical name (pipeline/claims.canonical_claimant)
    # approximate | up_to | at_least | estimated | could_reach | unverified | denied
    hedges: list[str] = field(default_factory=list)
    value_max: float | None = None  # the top of a range ("between 10,000 and 12,000")
    kind: str = "count"  # count | money (unit: a currency code) | percentage | measure
    counted: str = ""  # the counted noun with its modifiers ("North Korean engineers")
    vague: bool = False  # "thousands of troops": value is the scale named (1,000)


@dataclass(slots=True)
class FigureChange:
    day: str
    before: str  # the figure as written ("10,000 troops")
    after: str


@dataclass(slots=True)
class ClaimSeries:
    """One claimant's figures for one unit in a story, over time (`newsmon claims`)."""

    claimant: str  # canonical; "" when nobody was credited
    unit: str
    first_seen: str  # day of the first report
    last_confirmed: str  # last day the current figure was reported
    current: str  # the latest figure, as written
    reports: int  # reports of this claimant's figure for this unit, copies left out
    changes: list[FigureChange] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)  # who reported it


@dataclass(slots=True)
class StoryMatch:
    id: str
    score: float


@dataclass(slots=True)
class Article:
    """The indexed document. Field names are the public schema (see README, design.md)."""

    id: str
    url: str  # as the feed gave it
    canonical_url: str  # the document's identity (see pipeline/canonical.py)
    source: str
    source_name: str
    title: str
    text: str
    fetched_at: str
    feed_url: str = ""
    final_url: str = ""  # where redirects led
    summary: str = ""
    authors: list[str] = field(default_factory=list)
    published_at: str | None = None
    language: str = ""
    content_hash: str = ""
    duplicate_of: str | None = None
    dup_group: str = ""
    dup_similarity: float | None = None
    minhash: list[int] = field(default_factory=list)
    minhash_bands: list[str] = field(default_factory=list)
    minhash_version: int = 0  # pipeline.minhash.VERSION of the signature; 0 = none or older
    entities: list[Entity] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    stories: list[StoryMatch] = field(default_factory=list)
    # The weighed terms story assignment compared (pipeline/terms.py term_vector), kept so that
    # splitting, summarising and resuming a story read them instead of computing them again
    # for every member in every run. Not searchable; hidden in Kibana.
    term_vector: dict[str, float] = field(default_factory=dict)
    alternate_urls: list[str] = field(default_factory=list)
    wire_source: bool = False
    # What gave the text: trafilatura, or a fallback (newsmon.pipeline.extract) when it found
    # none; a source whose pages turn to fallbacks has changed its layout.
    extractor: str = "trafilatura"

    # Fields that may differ between two runs over the same input; everything else must not.
    VOLATILE: ClassVar[tuple[str, ...]] = ("fetched_at",)

    def to_document(self) -> dict[str, Any]:
        # Built field by field: dataclasses.asdict deep-copies recursively, element by element
        # (a 128-number MinHash signature is 128 calls), and was half the cost of indexing.
        doc: dict[str, Any] = {}
        for name in _ARTICLE_FIELDS:
            value = getattr(self, name)
            if isinstance(value, list):
                value = (
                    [_plain(v) for v in value] if value and _is_record(value[0]) else list(value)
                )
            elif isinstance(value, dict):
                value = dict(value)
            doc[name] = value
        doc["story_ids"] = [m.id for m in self.stories]
        doc["is_copy"] = self.duplicate_of is not None  # for aggregations: share of copies
        return doc

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Article:
        known = {f.name for f in fields(cls)}  # derived fields (story_ids, is_copy) drop out
        data = {k: v for k, v in doc.items() if k in known}
        data["entities"] = [Entity(**e) for e in data.get("entities", [])]
        data["claims"] = [Claim(**c) for c in data.get("claims", [])]
        data["stories"] = [StoryMatch(**s) for s in data.get("stories", [])]
        return cls(**data)


_ARTICLE_FIELDS = tuple(f.name for f in fields(Article))


def _is_record(value: Any) -> bool:
    return hasattr(value, "__dataclass_fields__")


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _plain(record: Any) -> dict[str, Any]:
    """A flat record (Entity, Claim, StoryMatch) as a dict."""
    cls = type(record)
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(record))
    return {name: getattr(record, name) for name in names}


@dataclass(slots=True)
class ProfileEntity:
    """One of a story's key entities: its name, type, weight in the story, and the forms it is
    found by in any language (aliases, demonyms, acronyms)."""

    name: str
    label: str  # PERSON | ORG | GPE | LOC | NORP | FAC
    weight: float
    forms: list[str] = field(default_factory=list)


@dataclass(slots=True)
class StoryProfile:
    """A story to follow: what newsmon derived from its seed article (pipeline/profiles.py),
    plus the seed file's optional overrides. Emergent stories have profiles too, derived from
    their members (kind "emergent")."""

    id: str
    title: str
    start_date: str  # the seed's date (YYYY-MM-DD), or "" when not known
    language: str = "en"
    entities: list[ProfileEntity] = field(default_factory=list)
    terms: dict[str, float] = field(default_factory=dict)  # distinctive terms, L2-normalised
    figures: list[Claim] = field(default_factory=list)  # the seed's figures and claimants
    queries: list[str] = field(default_factory=list)  # asked of search feeds
    threshold: float = 0.5
    # Overrides, by hand: every group must be matched by one of its terms (e.g. [North Korea,
    # ...] and [Russia, ...]); extra terms join the derived ones with the weight given.
    required: list[list[str]] = field(default_factory=list)
    extra_terms: dict[str, float] = field(default_factory=dict)
    seed_text: str = ""
    kind: str = "tracked"  # tracked | emergent


@dataclass(slots=True)
class Story:
    """A story record as stored: profile summary plus what the index knows of it."""

    id: str
    title: str
    articles: int = 0
    outlets: int = 0
    independent_outlets: int = 0
    first_seen: str | None = None
    last_seen: str | None = None
    updated_at: str | None = None
    kind: str = "tracked"  # tracked | emergent
    top_entities: list[str] = field(default_factory=list)
    merged_into: str = ""  # an emergent story merged into another: that one's id
    split_from: str = ""  # an emergent story that left another: that one's id
    # An emergent story's centroid: its members' terms and entities, what later articles are
    # compared with (stored, not searched).
    profile: dict[str, Any] = field(default_factory=dict)

    def to_document(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class StoryMerge:
    """processed.jsonl: an emergent story found to be part of an older one; the index step
    moves its members."""

    old: str
    new: str


@dataclass(slots=True)
class Alert:
    """One alert (newsmon.pipeline.alerts): its id names the event, so it is raised once."""

    id: str
    rule: str  # coverage | new_outlet | new_figure | changed_figure | burst
    story_id: str
    title: str  # one line for people
    raised_at: str
    run_id: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def to_document(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class OutletFigures:
    """One outlet's extraction figures in one run (newsmon.pipeline.quality): the article
    pages it had, the articles kept, those without text or without a date, and the pages
    rejected."""

    pages: int = 0
    articles: int = 0
    no_text: int = 0
    no_date: int = 0
    rejected: int = 0


@dataclass(slots=True)
class QualityIssue:
    """An outlet whose share of some failure jumped against its own history."""

    source: str
    measure: str  # no_text | no_date | rejected
    recent: float  # the share in the recent window
    baseline: float  # the share over the outlet's history before it
    pages: int  # article pages in the recent window
    line: str  # one line for people

    def to_document(self) -> dict[str, Any]:
        return asdict(self)


def utc_iso(dt: datetime) -> str:
    """ISO 8601 in UTC with a Z; a naive datetime is taken to be UTC already."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_now() -> str:
    return utc_iso(datetime.now(UTC))
