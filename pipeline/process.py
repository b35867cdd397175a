"""The process stages composed: FetchedPage in, Article out, every other fate in the ledger."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from .canonical import canonicalize_article
from .dedupe import DuplicateLookup, dedupe
from .enrich import enrich_article
from .extract import extract
from .ledger import Ledger
from .models import Article, FetchedPage, Regroup, StoryProfile
from .stories import StoryTracker

log = logging.getLogger(__name__)

T = TypeVar("T")


def _tap(items: Iterable[T], callback: Callable[[T], None] | None) -> Iterator[T]:
    for item in items:
        if callback:
            callback(item)
        yield item


def process_pages(
    pages: Iterable[FetchedPage],
    store: DuplicateLookup,
    stories: list[StoryProfile],
    ledger: Ledger,
    nlp: Any = None,
    on_page: Callable[[FetchedPage], None] | None = None,
    on_article: Callable[[Article], None] | None = None,
    regroups: list[Regroup] | None = None,
    tracker: StoryTracker | None = None,
) -> Iterator[Article]:
    """The stages in a row. `tracker` carries the stories' state (their members so far, the
    emergent stories); without one, tracked stories are scored against their seeds alone."""
    tracker = tracker or StoryTracker(stories)
    articles = extract(_tap(pages, on_page), ledger)
    articles = _each("canonicalize", canonicalize_article, articles, ledger)
    articles = dedupe(articles, store, ledger, regroups=regroups)
    articles = _each("enrich", lambda a: enrich_article(a, nlp), articles, ledger)
    articles = _each("assign", tracker.assign, articles, ledger)
    return _tap(articles, on_article)


def _each(
    stage: str, step: Callable[[Article], Article], articles: Iterable[Article], ledger: Ledger
) -> Iterator[Article]:
    """One stage, article by article: an article the stage fails on is recorded as
    rejected:<stage>_error:<kind> and the run goes on with the next one."""
    for article in articles:
        try:
            yield step(article)
        except Exception as exc:  # one bad article must not stop the run: it is recorded
            log.exception("%s failed for %s", stage, article.url)
            ledger.fail(article.url, stage, exc, source=article.source)
