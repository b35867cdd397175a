"""The process stages composed: FetchedPage in, Article out, every other fate in the ledger."""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from .dedupe import DuplicateLookup, dedupe
from .enrich import enrichment_of, inherit
from .ledger import Ledger
from .models import Article, FetchedPage, Regroup, StoryProfile
from .parallel import Step, Workers, batched, enrich_step, extract_step
from .stories import StoryTracker

log = logging.getLogger(__name__)

T = TypeVar("T")
# Enrichments remembered for republications: copies follow their original within hours, and
# each entry is the enrichment alone (no text, no signature), a few KB.
INHERIT_CACHE = 2_000


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
    workers: Workers | None = None,
) -> Iterator[Article]:
    """The stages in a row. `tracker` carries the stories' state (their members so far, the
    emergent stories); without one, tracked stories are scored against their seeds alone.
    `workers` run extraction and enrichment in other processes (with their own model);
    without them, both run here, with `nlp` (None: no named entities)."""
    tracker = tracker or StoryTracker(stories)
    workers = workers or Workers(1, entities=nlp is not None, nlp=nlp)
    extracted = workers.map(extract_step, batched(_tap(pages, on_page), workers.batch))
    articles = _merged(extracted, ledger)
    articles = dedupe(articles, store, ledger, regroups=regroups)
    articles = _enriched(articles, workers, ledger)
    articles = _each("assign", tracker.assign, articles, ledger)
    return _tap(articles, on_article)


def _merged(steps: Iterable[Step], ledger: Ledger, replace: bool = False) -> Iterator[Article]:
    for articles, outcomes in steps:
        for outcome in outcomes:
            (ledger.replace if replace else ledger.record)(outcome)
        yield from articles


def _enriched(articles: Iterable[Article], workers: Workers, ledger: Ledger) -> Iterator[Article]:
    """Enrichment in batches, in order. A republication (the same title and text as an
    article enriched earlier in the run) is not read again: enrichment depends on the title
    and text alone, so it takes that article's fields, exactly what reading it would give."""
    given: OrderedDict[tuple[str, str], Article] = OrderedDict()  # (title, hash) -> enrichment
    asked: set[tuple[str, str]] = set()
    batches: deque[tuple[list[Article], set[str]]] = deque()  # each batch, and the ids sent

    def to_read() -> Iterator[list[Article]]:
        for batch in batched(articles, workers.batch):
            todo = []
            for article in batch:
                if _key(article) not in asked:
                    asked.add(_key(article))
                    todo.append(article)
            batches.append((batch, {a.id for a in todo}))
            yield todo

    def local(batch: list[Article]) -> Step:  # the model is loaded here only if used here
        return enrich_step(batch, nlp=workers.local_nlp())

    for done, outcomes in workers.map(enrich_step, to_read(), local=local):
        for outcome in outcomes:
            ledger.replace(outcome)  # an enrich error replaces what dedupe recorded
        read = {a.id: a for a in done}  # the workers' copies: matched by id, not identity
        for article in done:
            given[_key(article)] = enrichment_of(article)
            given.move_to_end(_key(article))
        while len(given) > INHERIT_CACHE:
            given.popitem(last=False)
        batch, sent = batches.popleft()
        for article in batch:
            if article.id in sent:
                if article.id in read:
                    yield read[article.id]
                continue  # it failed: its outcome says so
            original = given.get(_key(article))
            if original is not None:
                yield inherit(article, original)
            else:  # its original failed, or is long gone from the cache: read it here
                yield from _merged([local([article])], ledger, replace=True)


def _key(article: Article) -> tuple[str, str]:
    return (article.title, article.content_hash)


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
