"""The process step across cores: the stages that read one article alone (extraction with
canonical URLs, and enrichment) run in worker processes, batch by batch; the stages that need
the run's state (dedupe, story assignment) stay in the calling process, in order.

Why processes: extraction and spaCy are CPU-bound Python, so threads would share one core.
Why a window and not `Pool.imap`: imap's feeder thread reads its whole input at once, so a run
of 100,000 pages would sit in memory; here at most `window` batches are in flight, and results
come back in input order, so a run with workers assigns exactly as a run without them.

Workers are started with "spawn" (no fork of a process that may hold threads: Airflow's task
runner, Scrapy's reactor), load the spaCy model by name once, and are used only when there
is more than one batch of work. A daemonic process (a Celery prefork worker) may not start
children, so there the stages run in the calling process, which is logged once.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import types
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from itertools import chain, islice
from typing import Any, TypeVar

from .canonical import canonicalize_article
from .enrich import enrich_batch, load_nlp
from .extract import extract
from .ledger import Ledger
from .models import Article, CrawlOutcome, FetchedPage

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")
BATCH = 32  # pages per task: large enough that pickling is noise, small enough to spread
Step = tuple[list[Article], list[CrawlOutcome]]

_worker_nlp: Any = None


def worker_count(requested: int | None = None) -> int:
    """Workers for the process step: as many as asked (NEWSMON_WORKERS), else one per core
    this process may use; 1 means no worker processes at all."""
    if requested:
        return max(1, requested)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def batched(items: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _init_worker(spacy_model: str | None, entities: bool) -> None:
    global _worker_nlp
    _worker_nlp = load_nlp(spacy_model) if entities else None


def extract_step(pages: list[FetchedPage]) -> Step:
    """Extraction and canonical URLs of a batch: its articles, and the fates of the rest."""
    ledger = Ledger()
    articles = [_canonical(a, ledger) for a in extract(pages, ledger)]
    return [a for a in articles if a is not None], ledger.outcomes


def _canonical(article: Article, ledger: Ledger) -> Article | None:
    try:
        return canonicalize_article(article)
    except Exception as exc:  # one bad article must not stop the run: it is recorded
        log.exception("canonicalize failed for %s", article.url)
        ledger.fail(article.url, "canonicalize", exc, source=article.source)
        return None


def enrich_step(articles: list[Article], nlp: Any = None) -> Step:
    """Enrichment of a batch, with the worker's model (or `nlp`, in the calling process)."""
    ledger = Ledger()
    done = enrich_batch(articles, nlp if nlp is not None else _worker_nlp, ledger)
    return done, ledger.outcomes


@contextmanager
def _no_main_module() -> Iterator[None]:
    """Spawned workers import the parent's main script again (as __mp_main__). Under Airflow
    that is the `airflow` script, whose import sets up Airflow with the task's settings, which
    forbid a database, and fails. The workers need nothing from the main script, so while they
    start, the main module is a bare one and nothing is imported."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


class Workers:
    """A pool of worker processes, started when first needed, with ordered, bounded maps.

    The workers load `spacy_model` (None: the default one) when `entities` is set. `nlp`, a
    pipeline object already loaded, can only be used here: it makes the step use no workers.
    """

    def __init__(
        self,
        processes: int,
        spacy_model: str | None = None,
        entities: bool = True,
        nlp: Any = None,
        batch: int = BATCH,
    ):
        self.processes = 1 if nlp is not None else processes
        self.batch = batch
        self.spacy_model = spacy_model
        self.entities = entities or nlp is not None
        self._nlp = nlp
        self._pool: ProcessPoolExecutor | None = None
        self._started = False
        if self.processes > 1 and multiprocessing.current_process().daemon:
            log.warning("a daemonic process cannot start workers: the process step uses one core")
            self.processes = 1

    @property
    def started(self) -> bool:
        """Whether worker processes were started (they are, once there is work for them)."""
        return self._started

    def local_nlp(self) -> Any:
        """The pipeline for work done in this process: the one given, else the model, once."""
        if self._nlp is None and self.entities:
            self._nlp = load_nlp(self.spacy_model)
        return self._nlp

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._started = True
            self._pool = ProcessPoolExecutor(
                self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self.spacy_model, self.entities),
            )
        return self._pool

    def map(
        self,
        fn: Callable[[list[T]], R],
        batches: Iterable[list[T]],
        local: Callable[[list[T]], R] | None = None,
    ) -> Iterator[R]:
        """fn over the batches, results in input order, at most two batches per worker in
        flight. With one worker, or only one batch in all, `local` (default fn) runs here."""
        local = local or fn
        it = iter(batches)
        first = next(it, None)
        if first is None:
            return
        second = next(it, None)
        if self.processes <= 1 or second is None:
            for batch in chain([first], [] if second is None else [second], it):
                yield local(batch)
            return
        pool = self._start()
        window = 2 * self.processes

        def submit(batch: list[T]) -> Future[R]:
            with _no_main_module():  # a submit may start a worker
                return pool.submit(fn, batch)

        pending: deque[Future[R]] = deque(submit(b) for b in (first, second))
        for batch in it:
            pending.append(submit(batch))
            while len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
