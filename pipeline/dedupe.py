"""Stage 3, dedupe: exact duplicates (canonical URL; the same text on the same outlet) and
near-duplicates (MinHash; a word-for-word republication on another outlet is one too).

Originals come first: within a batch, articles are ordered by publication time, and a wire
agency wins a tie, so a syndicated copy points at the wire story it was made from.
"""

from __future__ import annotations

import itertools
import logging
import pickle
import tempfile
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Protocol

from . import minhash
from .ledger import Ledger
from .models import Article, CrawlOutcome, Outcome, Regroup
from .parallel import batched

log = logging.getLogger(__name__)

SORT_IN_MEMORY = 5_000  # articles sorted in memory; a larger batch is sorted on disk
LOOKUP_BATCH = 500  # articles whose stored text hashes are asked for at once
SEEN_LIMIT = 20_000  # the batch's kept documents remembered for matching (the store has all)
NEAR_THRESHOLD = 0.5  # estimated Jaccard over 4-word shingles; wire copies with a new
# headline, a cut paragraph and an added line score 0.6 to 0.9


class DuplicateLookup(Protocol):
    """What dedupe needs from the store: answered by every Store backend."""

    def content_hashes(self, ids: list[str]) -> dict[str, str]: ...
    def find_by_content_hash(self, content_hash: str) -> str | None: ...
    def near_candidates(self, bands: list[str]) -> list[dict[str, Any]]: ...
    def get_article(self, doc_id: str) -> dict[str, Any] | None: ...


def _order_key(
    published_at: str | None, wire_source: bool, canonical_url: str, url: str
) -> tuple[str, bool, str, bool, str]:
    """Originals first: the earliest, a wire agency on a tie. Of the URLs of one page (AMP,
    tracking parameters), the canonical URL itself represents it, so that which URL is the
    document and which the exact duplicate does not depend on the order of the crawl."""
    return (published_at or "9999", not wire_source, canonical_url, url != canonical_url, url)


def _order(article: Article) -> tuple[str, bool, str, bool, str]:
    return _order_key(article.published_at, article.wire_source, article.canonical_url, article.url)


def _record_duplicate(
    ledger: Ledger, article: Article, kind: Outcome, original: str, similarity: float | None = None
) -> None:
    ledger.record(
        CrawlOutcome(
            article.url,
            kind,
            source=article.source,
            doc_id=original,
            detail=f"similarity={similarity:.2f}" if similarity else "",
        )
    )


@dataclass(slots=True)
class _Kept:
    """What dedupe remembers of a kept document: enough to match later articles against."""

    source: str
    duplicate_of: str | None
    content_hash: str
    minhash: array[int]
    bands: array[int]  # hash() of each band key, as `_Seen.by_band` holds them


@dataclass
class _Seen:
    """What a batch has kept so far, by id, text hash and band key: the most recent `limit`
    kept documents, without their text, so that memory does not grow with the batch.
    Copies are published close to their original, and older documents are the store's.

    Band keys are held as their hash() and a band's documents as one id, a list only when
    several share the band: 42 key strings and lists a document took 10.0 KB, 206 MB at
    20,000 documents (5.5 KB and 114 MB so). Two keys with one hash only add a candidate,
    and every candidate is compared by signature before it counts."""

    limit: int
    by_id: OrderedDict[str, _Kept] = field(default_factory=OrderedDict)
    by_hash: dict[str, str] = field(default_factory=dict)
    by_band: dict[int, str | list[str]] = field(default_factory=dict)

    def keep(self, article: Article) -> None:
        bands = array("q", map(hash, article.minhash_bands))
        self.by_id[article.id] = _Kept(
            article.source,
            article.duplicate_of,
            article.content_hash,
            array("q", article.minhash),
            bands,
        )
        self.by_hash[article.content_hash] = article.id
        for band in bands:
            ids = self.by_band.get(band)
            if ids is None:
                self.by_band[band] = article.id
            elif isinstance(ids, list):
                ids.append(article.id)
            else:
                self.by_band[band] = [ids, article.id]
        while len(self.by_id) > self.limit:
            self._forget()

    def in_band(self, band: str) -> Sequence[str]:
        """The kept documents under a band key (callers only read it: no copy)."""
        ids = self.by_band.get(hash(band), ())
        return [ids] if isinstance(ids, str) else ids

    def _forget(self) -> None:
        doc_id, kept = self.by_id.popitem(last=False)
        for band in kept.bands:
            ids = self.by_band.get(band)
            if isinstance(ids, list):
                if doc_id in ids:
                    ids.remove(doc_id)
                if len(ids) == 1:
                    self.by_band[band] = ids[0]
            elif ids == doc_id:
                del self.by_band[band]
        if self.by_hash.get(kept.content_hash) == doc_id:
            del self.by_hash[kept.content_hash]


def sign(article: Article) -> Article:
    """The article's MinHash signature and band keys, at the current version."""
    article.minhash = minhash.signature(article.text)
    article.minhash_bands = minhash.band_keys(article.minhash) if article.minhash else []
    article.minhash_version = minhash.VERSION
    return article


def resign_stored(store: Any, batch: int = 500) -> int:
    """Recompute the signatures and band keys of stored documents signed by an older
    minhash version (a migration step: old band keys never meet new ones). Returns how many
    documents were rewritten."""
    # Ids first: rewriting documents while a scan of them is open is not safe in every store.
    ids = [d["id"] for d in store.iter_articles() if d.get("minhash_version") != minhash.VERSION]
    done = 0
    for start in range(0, len(ids), batch):
        docs = (store.get_article(doc_id) for doc_id in ids[start : start + batch])
        done += _rewrite(store, [sign(Article.from_document(d)) for d in docs if d])
    return done


def _rewrite(store: Any, articles: list[Article]) -> int:
    if not articles:
        return 0
    result = store.upsert_articles(articles)
    if result.failed:
        raise RuntimeError(f"{len(result.failed)} documents not re-signed: {result.failed[0]}")
    return len(articles)


def dedupe(
    articles: Iterable[Article],
    store: DuplicateLookup,
    ledger: Ledger,
    threshold: float = NEAR_THRESHOLD,
    regroups: list[Regroup] | None = None,
    remember: int = SEEN_LIMIT,
) -> Iterator[Article]:
    """Articles to store, originals first; every other fate goes to the ledger, and stored
    documents that an article turns out to precede go to `regroups`."""
    regroups = regroups if regroups is not None else []
    seen = _Seen(limit=remember)
    # A kept article waits until the next one is of another page: its twins (the same page
    # under another URL) sort right after it, and add their URLs to it.
    waiting: list[Article] = []
    page: tuple[str, bool, str] | None = None
    for chunk in batched(in_order(articles), LOOKUP_BATCH):
        stored_hashes = store.content_hashes([a.id for a in chunk])  # one request a chunk
        for article in chunk:
            here = _order(article)[:3]
            if here != page:
                yield from waiting
                waiting.clear()
                page = here
            try:
                stored = stored_hashes.get(article.id)
                twin_of = next((w for w in waiting if w.id == article.id), None)
                if _is_new(article, seen, stored, twin_of, store, ledger, threshold, regroups):
                    seen.keep(article)
                    waiting.append(article)
            except Exception as exc:  # one bad article must not stop the run: it is recorded
                log.exception("dedupe failed for %s", article.url)
                ledger.fail(article.url, "dedupe", exc, source=article.source)
    yield from waiting


def in_order(articles: Iterable[Article], in_memory: int = SORT_IN_MEMORY) -> Iterator[Article]:
    """The articles in the order originals are chosen by. Up to `in_memory` articles are
    sorted in memory; past that, they go to a temporary file, and only their sort keys and
    places stay in memory, so a batch of any size sorts in bounded memory."""
    it = iter(articles)
    head = list(islice(it, in_memory))
    if len(head) < in_memory:
        yield from sorted(head, key=_order)
        return
    with tempfile.TemporaryFile() as spill:
        keys: list[tuple[tuple[str, bool, str, bool, str], int]] = []
        for article in itertools.chain(head, it):
            keys.append((_order(article), spill.tell()))
            pickle.dump(article, spill, protocol=pickle.HIGHEST_PROTOCOL)
        del head
        keys.sort()
        for _, offset in keys:
            spill.seek(offset)
            yield pickle.load(spill)


def _precedes(article: Article, doc: dict[str, Any] | None) -> bool:
    """Whether the article comes before a stored document in the order originals are chosen
    by (earliest publication, a wire agency on a tie, then the URLs)."""
    if doc is None:
        return False
    theirs = _order_key(
        doc.get("published_at"), bool(doc.get("wire_source")), doc["canonical_url"], doc["url"]
    )
    return _order(article) < theirs


def _is_new(
    article: Article,
    seen: _Seen,
    stored_hash: str | None,
    twin_of: Article | None,
    store: DuplicateLookup,
    ledger: Ledger,
    threshold: float,
    regroups: list[Regroup],
) -> bool:
    """Whether the article is to be stored (an original or a near copy); its fate otherwise
    goes to the ledger."""
    if article.id in seen.by_id:  # AMP and tracking-parameter twins
        # twin_of is None when the original has been passed on (a twin dated otherwise, rare)
        if twin_of is not None:
            for url in [article.url, *article.alternate_urls]:
                if url not in twin_of.alternate_urls and url != twin_of.canonical_url:
                    twin_of.alternate_urls.append(url)
        _record_duplicate(ledger, article, Outcome.DUPLICATE_EXACT, article.id)
        return False
    if stored_hash == article.content_hash:
        ledger.record(
            CrawlOutcome(article.url, Outcome.UNCHANGED, source=article.source, doc_id=article.id)
        )
        return False
    # The same text is an exact duplicate only on the same outlet (a page under two URLs the
    # canonical link does not join). On another outlet it is a republication: that outlet's
    # own document, kept as a copy (similarity 1.0) so that it counts as coverage.
    same_text = seen.by_hash.get(article.content_hash)
    if same_text is not None and seen.by_id[same_text].source != article.source:
        same_text = None
    elif same_text is None:
        stored = store.find_by_content_hash(article.content_hash)
        doc = store.get_article(stored) if stored and stored != article.id else None
        if doc is not None and doc.get("source") != article.source:
            stored = None
        elif stored and stored != article.id and _precedes(article, doc):
            # The same text was stored from a later publication (a crawl met the copy
            # first): this one is the original; the stored copy goes.
            regroups.append(Regroup(old=stored, new=article.id, exact=True))
            stored = None
        same_text = stored
    if same_text and same_text != article.id:
        _record_duplicate(ledger, article, Outcome.DUPLICATE_EXACT, same_text)
        return False

    sign(article)
    best, best_score = None, 0.0
    # One candidate once, however many bands it shares: the batch's own first, then the
    # store's (a document of this batch may be stored from an earlier run as well).
    candidates: dict[str, tuple[str | None, Sequence[int]]] = {}
    for band in article.minhash_bands:
        for kept_id in seen.in_band(band):
            kept = seen.by_id[kept_id]
            candidates.setdefault(kept_id, (kept.duplicate_of, kept.minhash))
    for doc in store.near_candidates(article.minhash_bands):
        candidates.setdefault(doc["id"], (doc.get("duplicate_of"), doc["minhash"]))
    removed = {r.old for r in regroups if r.exact}
    for cid, (cdup, csig) in candidates.items():
        if cid == article.id or cid in removed:
            continue
        score = minhash.similarity(article.minhash, csig)
        if score > best_score:
            best, best_score = (cdup or cid), score
    if best and best_score >= threshold and best not in seen.by_id:
        if _precedes(article, store.get_article(best)):
            # A stored original published after this article (the crawl met it first):
            # this article is the group's original from now on.
            regroups.append(Regroup(old=best, new=article.id, similarity=round(best_score, 3)))
            best = None
    if best and best_score >= threshold:
        article.duplicate_of = best
        article.dup_group = best
        article.dup_similarity = round(best_score, 3)
        _record_duplicate(ledger, article, Outcome.DUPLICATE_NEAR, best, best_score)
    else:
        article.dup_group = article.id
    return True
