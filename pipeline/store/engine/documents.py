"""Articles, claims and stories in the engine: bulk upserts that keep every document unique
across rollovers, searches, aggregations and the near-duplicate lookup."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ...models import Alert, Article, Regroup, Story
from ..base import (
    TERM_FIELDS,
    SearchFilters,
    StoreNotReady,
    UpsertResult,
    claim_documents,
    stable_document,
)
from .base import CHRONOLOGICAL, EngineBase
from .retry import RETRY_STATUSES, is_passing
from .transport import EngineError, EngineUnavailable

try:  # encoding the bulk bodies is most of the client's own cost: orjson halves it
    from orjson import dumps as _dumps
except ImportError:  # pragma: no cover - orjson comes with the engine extras

    def _dumps(value: Any) -> bytes:  # type: ignore[misc]
        return json.dumps(value, ensure_ascii=False).encode("utf-8")


log = logging.getLogger(__name__)
# Only what the retry logic reads: the full echo of every item costs ~8%.
BULK_FILTER = "errors,items.*.status,items.*.error"


@dataclass
class Op:
    """One bulk action, with the article it belongs to (failures are counted per article)."""

    action: str  # index | delete
    index: str
    doc_id: str
    article_id: str
    source: dict[str, Any] | None = None


class _RetryPart(EngineError):
    """Some actions of a bulk failed for a passing reason: the retry helper sends them again."""


class Documents(EngineBase):
    def _require_setup(self) -> None:
        # Writing through a missing alias would make the engine create an index with guessed
        # (dynamic) mappings: refuse instead, with the command that fixes it.
        if not self._ready:
            if not self.exists():
                raise StoreNotReady(
                    f"alias {self.articles} does not exist on {self.url}: "
                    f"run `newsmon index setup --store URL` first"
                )
            self._ready = True

    def upsert_articles(self, articles: Iterable[Article]) -> UpsertResult:
        result = UpsertResult()
        docs = {a.id: a.to_document() for a in articles}
        try:
            self._require_setup()
            existing = self._by_ids(list(docs))
        except EngineUnavailable as exc:
            # Still down after the retries: every document is handed back as failed, so the
            # caller dead-letters it instead of losing it.
            result.failed = [(doc_id, f"engine unavailable: {exc}") for doc_id in docs]
            return result
        ops: list[Op] = []
        for doc_id, doc in docs.items():
            hit = existing.get(doc_id)
            if hit and stable_document(hit["_source"]) == stable_document(doc):
                result.unchanged.append(doc_id)
                continue
            # An update goes where the document lives; only new documents go to the write index.
            ops.append(Op("index", hit["_index"] if hit else self.articles, doc_id, doc_id, doc))
            claims = claim_documents(doc)
            ops += [
                Op("index", self.claims, f"{doc_id}-{n}", doc_id, c) for n, c in enumerate(claims)
            ]
            old_claims = len(hit["_source"].get("claims", [])) if hit else 0
            ops += [
                Op("delete", self.claims, f"{doc_id}-{n}", doc_id)
                for n in range(len(claims), old_claims)
            ]
        failed = self._bulk_all(ops)
        unchanged = set(result.unchanged)
        for doc_id, doc in docs.items():
            if doc_id in failed:
                result.failed.append((doc_id, failed[doc_id]))
            elif doc_id not in unchanged:
                hit = existing.get(doc_id)
                result.note(doc_id, hit["_source"] if hit else None, doc)
        if result.written:
            self._refresh(self.articles, self.claims)
        return result

    def _refresh(self, *indices: str) -> None:
        try:
            self._request("POST", f"/{','.join(indices)}/_refresh")
        except EngineError as exc:
            log.warning("refresh failed (documents become visible within a second): %s", exc)

    @staticmethod
    def _ndjson(ops: list[Op]) -> bytes:
        lines = []
        for op in ops:
            lines.append(_dumps({op.action: {"_index": op.index, "_id": op.doc_id}}))
            if op.action == "index":
                lines.append(_dumps(op.source))
        return b"\n".join(lines) + b"\n"

    def _bulk_all(self, ops: list[Op]) -> dict[str, str]:
        """All ops, in bulks of batch_size, one request at a time."""
        failed: dict[str, str] = {}
        for i in range(0, len(ops), self.batch_size):
            failed.update(self._bulk(ops[i : i + self.batch_size]))
        return failed

    def _bulk(self, ops: list[Op]) -> dict[str, str]:
        """Send ops; what failed for a passing reason (429, 5xx, no connection) is sent again
        by the retry helper. Returns {article id: error} for what still failed."""
        failed: dict[str, str] = {}
        pending = ops

        def attempt() -> None:
            nonlocal pending
            response = self.t.request(
                "POST",
                "/_bulk",
                self._ndjson(pending),
                content_type="application/x-ndjson",
                params={"filter_path": BULK_FILTER},
            )
            retry: list[Op] = []
            error, status = "", 0
            for op, item in zip(pending, response["items"], strict=True):
                outcome = item[op.action]
                code = outcome.get("status", 500)
                if code < 300 or (op.action == "delete" and code == 404):
                    continue
                detail = json.dumps(outcome.get("error"))[:300]
                if code in RETRY_STATUSES:
                    retry.append(op)
                    error, status = detail, code
                else:
                    failed[op.article_id] = f"{code}: {detail}"
            pending = retry
            if retry:
                raise _RetryPart(status, f"{len(retry)} actions: {error}")

        try:
            self.retry.call(attempt, "bulk")
        except EngineError as exc:
            if not is_passing(exc):
                raise
            for op in pending:
                failed[op.article_id] = f"gave up after {self.retry.max_retries} retries: {exc}"
        return failed

    def regroup(self, change: Regroup) -> dict[str, Any] | None:
        old_hit = self._by_ids([change.old]).get(change.old)
        copies = [
            h["_source"]
            for h in self._scan(
                self.articles, {"term": {"duplicate_of": change.old}}, CHRONOLOGICAL
            )
        ]
        updated = [
            Article.from_document({**d, "duplicate_of": change.new, "dup_group": change.new})
            for d in copies
        ]
        if old_hit is not None and not change.exact:
            updated.append(
                Article.from_document(
                    {
                        **old_hit["_source"],
                        "duplicate_of": change.new,
                        "dup_group": change.new,
                        "dup_similarity": change.similarity,
                    }
                )
            )
        result = self.upsert_articles(updated)
        if result.failed:
            raise EngineError("bulk", f"regroup of {change.old}: {result.failed[0][1]}")
        if old_hit is not None and change.exact:
            claims = len(old_hit["_source"].get("claims", []))
            ops = [Op("delete", old_hit["_index"], change.old, change.old)]
            ops += [
                Op("delete", self.claims, f"{change.old}-{n}", change.old) for n in range(claims)
            ]
            failed = self._bulk_all(ops)
            if failed:
                raise EngineError("bulk", f"removing {change.old}: {failed[change.old]}")
            self._refresh(self.articles, self.claims)
        return old_hit["_source"] if old_hit else None

    def get_article(self, doc_id: str) -> dict[str, Any] | None:
        hit = self._by_ids([doc_id]).get(doc_id)
        return hit["_source"] if hit else None

    def iter_articles(self, filters: SearchFilters | None = None) -> Iterator[dict[str, Any]]:
        query = {"bool": {"filter": self._filters(filters or SearchFilters())}}
        for hit in self._scan(self.articles, query, CHRONOLOGICAL):
            yield hit["_source"]

    def count_articles(self) -> int:
        count: int = self._request("GET", f"/{self.articles}/_count")["count"]
        return count

    def search(
        self, query: str, filters: SearchFilters | None = None, limit: int = 20
    ) -> list[dict[str, Any]]:
        filters = filters or SearchFilters()
        must = []
        if query.strip():
            must.append(
                {
                    "simple_query_string": {
                        "query": query,
                        "fields": ["title^3", "text", "summary"],
                        "default_operator": "and",
                    }
                }
            )
        body = {
            "query": {
                "bool": {"must": must or [{"match_all": {}}], "filter": self._filters(filters)}
            },
            "size": limit,
            "sort": ["_score", {"published_at": {"order": "asc" if must else "desc"}}],
            "highlight": {
                "fields": {"text": {"fragment_size": 120, "number_of_fragments": 1}},
                "pre_tags": ["["],
                "post_tags": ["]"],
            },
        }
        hits = []
        for hit in self._search(self.articles, body)["hits"]["hits"]:
            doc = hit["_source"]
            doc["_snippet"] = " … ".join(hit.get("highlight", {}).get("text", []))
            doc["_score"] = hit.get("_score") or 0.0
            hits.append(doc)
        return hits

    def story_articles(self, story_id: str) -> list[dict[str, Any]]:
        return list(self.iter_story_articles(story_id))

    def iter_story_articles(self, story_id: str) -> Iterator[dict[str, Any]]:
        query = {"term": {"story_ids": story_id}}
        for hit in self._scan(self.articles, query, CHRONOLOGICAL):
            yield hit["_source"]

    def date_histogram(self, filters: SearchFilters | None = None) -> list[tuple[str, int]]:
        body = {
            "size": 0,
            "query": {"bool": {"filter": self._filters(filters or SearchFilters())}},
            "aggs": {
                "days": {
                    "date_histogram": {
                        "field": "published_at",
                        "calendar_interval": "day",
                        "format": "yyyy-MM-dd",
                        "min_doc_count": 1,
                    }
                }
            },
        }
        buckets = self._search(self.articles, body)["aggregations"]["days"]["buckets"]
        return [(b["key_as_string"], b["doc_count"]) for b in buckets]

    def top_terms(
        self, field: str, filters: SearchFilters | None = None, size: int = 10
    ) -> list[tuple[str, int]]:
        if field not in TERM_FIELDS:
            raise ValueError(f"cannot count {field!r}: one of {', '.join(TERM_FIELDS)}")
        body = {
            "size": 0,
            "query": {"bool": {"filter": self._filters(filters or SearchFilters())}},
            "aggs": {
                "top": {
                    "terms": {
                        "field": field,
                        "size": size,
                        "order": [{"_count": "desc"}, {"_key": "asc"}],
                    }
                }
            },
        }
        buckets = self._search(self.articles, body)["aggregations"]["top"]["buckets"]
        return [(b["key"], b["doc_count"]) for b in buckets]

    def outlets(self) -> list[tuple[str, str]]:
        body = {
            "size": 0,
            "aggs": {
                "ids": {
                    "terms": {"field": "source", "size": 10000},
                    "aggs": {"name": {"terms": {"field": "source_name", "size": 1}}},
                }
            },
        }
        buckets = self._search(self.articles, body)["aggregations"]["ids"]["buckets"]
        return sorted(
            (b["key"], (b["name"]["buckets"] or [{"key": b["key"]}])[0]["key"]) for b in buckets
        )

    # -- duplicate lookup ------------------------------------------------------------------
    def content_hashes(self, ids: list[str]) -> dict[str, str]:
        hits = self._by_ids(ids, source=["content_hash"])
        return {doc_id: h["_source"]["content_hash"] for doc_id, h in hits.items()}

    def find_by_content_hash(self, content_hash: str) -> str | None:
        body = {
            "query": {"term": {"content_hash": content_hash}},
            "size": 1,
            "_source": False,
            "sort": CHRONOLOGICAL,
        }
        hits = self._search(self.articles, body)["hits"]["hits"]
        return hits[0]["_id"] if hits else None

    def near_candidates(self, bands: list[str]) -> list[dict[str, Any]]:
        if not bands:
            return []
        body = {
            "query": {"terms": {"minhash_bands": bands}},
            "size": 1000,
            "_source": ["id", "duplicate_of", "minhash"],
        }
        return [
            {
                "id": h["_id"],
                "duplicate_of": h["_source"].get("duplicate_of"),
                "minhash": h["_source"].get("minhash", []),
            }
            for h in self._search(self.articles, body)["hits"]["hits"]
        ]

    # -- stories ---------------------------------------------------------------------------
    def upsert_stories(self, stories: Iterable[Story]) -> None:
        ops = [Op("index", self.stories, s.id, s.id, s.to_document()) for s in stories]
        if not ops:
            return
        failed = self._bulk_all(ops)
        if failed:
            raise EngineError("bulk", f"{len(failed)} stories not written: {failed}")
        self._refresh(self.stories)

    def get_story(self, story_id: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = self._request("GET", f"/{self.stories}/_doc/{story_id}")[
                "_source"
            ]
            return found
        except EngineError as exc:
            if exc.status == 404:
                return None
            raise

    def save_alerts(self, alerts: Iterable[Alert]) -> list[Alert]:
        alerts = list({a.id: a for a in alerts}.values())
        if not alerts:
            return []
        held = self._search(
            self.alerts,
            {"query": {"ids": {"values": [a.id for a in alerts]}}, "size": len(alerts)},
        )["hits"]["hits"]
        known = {h["_id"] for h in held}
        new = [a for a in alerts if a.id not in known]
        failed = self._bulk_all(
            [Op("index", self.alerts, a.id, a.id, a.to_document()) for a in new]
        )
        if failed:
            raise EngineError("bulk", f"{len(failed)} alerts not written: {failed}")
        if new:
            self._refresh(self.alerts)
        return new

    def list_alerts(self, story_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        query = {"term": {"story_id": story_id}} if story_id else {"match_all": {}}
        body = {"query": query, "size": limit, "sort": [{"raised_at": "desc"}, {"id": "asc"}]}
        return [h["_source"] for h in self._search(self.alerts, body)["hits"]["hits"]]

    def list_stories(self) -> list[dict[str, Any]]:
        return [h["_source"] for h in self._scan(self.stories, {"match_all": {}}, [{"id": "asc"}])]

    def get_articles(self, ids: list[str]) -> list[dict[str, Any]]:
        found = self._by_ids(ids)
        return [found[i]["_source"] for i in ids if i in found]

    def count_story_articles(self, story_id: str) -> int:
        body = {"query": {"term": {"story_ids": story_id}}}
        count: int = self._request("POST", f"/{self.articles}/_count", body)["count"]
        return count
