"""The process stages composed: FetchedPage in, Article out, every other fate in the ledger."""

from __future__ import annotations

import logging
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from .dedupe import DuplicateLookup, dedupe
from .enrich import enrichment_of, inherit
from .ledger import Ledger
from .models import Article, CrawlOutcome, FetchedPage, Outcome, Regroup, StoryProfile
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
    and text alone, so it takes that article's fields, exactly what reading it would give,
    or, when reading that article failed, the same failure.

    Everything is read where the batches go (the workers, when there are any): a copy is
    held back from them only while its original's fate is known or on its way, and the
    original is then kept until the copy has taken it. So the calling process never loads
    a model of its own (a few hundred MB) for copies of long-gone originals."""
    given = _Given(INHERIT_CACHE)
    batches: deque[tuple[list[Article], set[str]]] = deque()  # each batch, and the ids sent

    def to_read() -> Iterator[list[Article]]:
        for batch in batched(articles, workers.batch):
            todo = []
            for article in batch:
                if given.ask(_key(article)):
                    todo.append(article)
            batches.append((batch, {a.id for a in todo}))
            yield todo

    def local(batch: list[Article]) -> Step:  # no workers: the model is loaded here, once
        return enrich_step(batch, nlp=workers.local_nlp())

    for done, outcomes in workers.map(enrich_step, to_read(), local=local):
        failed = {o.url: o for o in outcomes}
        for outcome in outcomes:
            ledger.replace(outcome)  # an enrich error replaces what dedupe recorded
        read = {a.id: a for a in done}  # the workers' copies: matched by id, not identity
        batch, sent = batches.popleft()
        for article in batch:
            if article.id in sent:
                if article.id in read:
                    given.answer(_key(article), enrichment_of(read[article.id]))
                else:
                    given.answer(_key(article), failed.get(article.url))
        for article in batch:
            if article.id in sent:
                if article.id in read:
                    yield read[article.id]
                continue  # it failed: its outcome says so
            original = given.take(_key(article))
            if isinstance(original, Article):
                yield inherit(article, original)
            else:
                ledger.replace(_failed_as(article, original))


class _Given:
    """What enriching each (title, text) gave: an enrichment, or the failure (an outcome;
    None when the stage recorded none). The latest `size` answers are kept, and every answer
    that a copy still waits for; a text whose answer is gone is asked again."""

    def __init__(self, size: int):
        self.size = size
        self.answers: OrderedDict[tuple[str, str], Article | CrawlOutcome | None] = OrderedDict()
        self.waiting: Counter[tuple[str, str]] = Counter()  # copies held back, by text
        self.asked: set[tuple[str, str]] = set()  # answered, or on the way

    def ask(self, key: tuple[str, str]) -> bool:
        """Whether this text must be read; if not, a copy now waits for its answer."""
        if key in self.asked:
            self.waiting[key] += 1
            return False
        self.asked.add(key)
        return True

    def answer(self, key: tuple[str, str], answer: Article | CrawlOutcome | None) -> None:
        self.answers[key] = answer
        self.answers.move_to_end(key)
        # copies wait at most a window of batches, so the waited-for are few and the loop short
        for _ in range(len(self.answers) - self.size):
            old, kept = self.answers.popitem(last=False)
            if self.waiting[old]:
                self.answers[old] = kept
            else:
                del self.waiting[old]
                self.asked.discard(old)

    def take(self, key: tuple[str, str]) -> Article | CrawlOutcome | None:
        self.waiting[key] -= 1
        if not self.waiting[key]:
            del self.waiting[key]
        return self.answers[key]


def _failed_as(copy: Article, failure: CrawlOutcome | None) -> CrawlOutcome:
    """The copy's outcome when reading its original (the same title and text) failed."""
    reason = failure.reason if failure else "enrich_error:unknown"
    detail = f"as its original {failure.url}: {failure.detail}" if failure else ""
    return CrawlOutcome(copy.url, Outcome.REJECTED, reason, source=copy.source, detail=detail[:300])


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
