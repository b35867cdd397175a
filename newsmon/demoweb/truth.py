"""The demo web's ground truth: what a correct first run must make of every URL it meets.

Derived from the site's own content and quirks (site.py, content/*.yaml), never from a run, so
that end-to-end tests can compare a run with it exactly: the outcome of every URL, the duplicate
groups and the story members.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from ..pipeline.canonical import normalize_url
from ..pipeline.models import Outcome
from .site import DemoArticle, DemoSite

# Why each broken article link must be rejected; the reason is exact.
QUIRK_REASONS = {"slow_page": "timeout", "huge_page": "too_large"}
# Feeds that cannot be read, and the start of their rejection reason.
FEED_REASONS = {"archive-2019.xml": "http_error:404", "breaking.xml": "feed_parse_error:"}


@dataclass(frozen=True)
class Expected:
    outcome: Outcome
    reason: str = ""  # exact, or a prefix when it ends with ":"
    original: str = ""  # for duplicates: the canonical URL of the original

    def matches(self, outcome: str, reason: str) -> bool:
        if outcome != self.outcome:
            return False
        if self.reason.endswith(":"):
            return reason.startswith(self.reason)
        return reason == self.reason


@dataclass
class GroundTruth:
    outcomes: dict[str, Expected]  # every URL met -> its outcome
    duplicate_of: dict[str, str]  # near copy canonical URL -> original's
    story_members: set[str]  # canonical URLs of the seed story's documents
    indexed: set[str]  # canonical URLs of every stored document


def _article_urls(
    site: DemoSite, sources: list[dict[str, Any]], queries: list[str]
) -> tuple[dict[str, Expected], dict[str, DemoArticle | None]]:
    """Feeds' outcomes, and every article URL listed, in order, with the article behind it."""
    feeds: dict[str, Expected] = {}
    links: dict[str, DemoArticle | None] = {}
    for source in sources:
        if source["kind"] == "search":
            for q in queries:
                feeds[source["url"].replace("{query}", quote_plus(q))] = Expected(
                    Outcome.SOURCE_READ
                )
                for art in site.search_hits(q):
                    links.setdefault(site.url_of(art), art)
            continue
        reason = next(
            (r for suffix, r in FEED_REASONS.items() if source["url"].endswith(suffix)), ""
        )
        feeds[source["url"]] = (
            Expected(Outcome.REJECTED, reason) if reason else Expected(Outcome.SOURCE_READ)
        )
        if reason:
            continue
        outlet = site.outlets[source["id"]]
        if source["kind"] == "sitemap":
            for listed in site.by_outlet(outlet.id):
                links.setdefault(site.url_of(listed), listed)
        else:
            for item, link, *_ in site.feed_items(outlet):
                links.setdefault(link, item)
    return feeds, links


def ground_truth(site: DemoSite, sources: list[dict[str, Any]], queries: list[str]) -> GroundTruth:
    """What a first run over the demo web must record (sources: DemoWeb.sources())."""
    outcomes, links = _article_urls(site, sources, queries)
    canonical_of = {a.id: normalize_url(site.url_of(a)) for a in site.articles}
    by_canonical: dict[str, list[str]] = {}
    truth = GroundTruth(outcomes, {}, set(), set())
    for url, art in links.items():
        if art is None:  # links to no article: a retracted page, a redirect to metadata
            reason = "blocked_address" if "/go/" in url else "http_error:404"
            outcomes[url] = Expected(Outcome.REJECTED, reason)
        elif art.path.startswith("/members/"):
            outcomes[url] = Expected(Outcome.REJECTED, "robots")
        elif art.quirk in QUIRK_REASONS:
            outcomes[url] = Expected(Outcome.REJECTED, QUIRK_REASONS[art.quirk])
        else:
            by_canonical.setdefault(canonical_of[art.id], []).append(url)
    article_of = {canonical_of[a.id]: a for a in site.articles}
    for canonical, urls in by_canonical.items():
        art = article_of[canonical]
        # One document per canonical URL; the URL that is the canonical one represents it,
        # every other URL of it (AMP, tracking parameters) is an exact duplicate. A copy, even
        # a word-for-word one, is its own outlet's document: a near duplicate of its original.
        first, *twins = sorted(urls, key=lambda u: (u != canonical, u))
        original = canonical_of[art.copy_of] if art.copy_of else ""
        for twin in twins:
            outcomes[twin] = Expected(Outcome.DUPLICATE_EXACT, original=canonical)
        truth.indexed.add(canonical)
        if art.copy_of:
            outcomes[first] = Expected(Outcome.DUPLICATE_NEAR, original=original)
            truth.duplicate_of[canonical] = original
        else:
            outcomes[first] = Expected(Outcome.INDEXED)
        if art.story:
            truth.story_members.add(canonical)
    return truth
