"""The process stages composed: FetchedPage in, Article out, every other fate in the ledger."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from .canonical import canonicalize
from .dedupe import DuplicateLookup, dedupe
from .enrich import enrich
from .extract import extract
from .ledger import Ledger
from .models import Article, FetchedPage, StoryProfile
from .stories import assign_stories

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
) -> Iterator[Article]:
    articles = extract(_tap(pages, on_page), ledger)
    articles = canonicalize(articles)
    articles = dedupe(articles, store, ledger)
    articles = enrich(articles, nlp)
    articles = assign_stories(articles, stories)
    return _tap(articles, on_article)
