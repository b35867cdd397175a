"""Search-engine stores: Elasticsearch 9 and OpenSearch 2.19+/3.x behind one Store interface.

Both engines get the same request bodies, read from the JSON files beside this module; the
only difference between them is the client library (elasticsearch-py, opensearch-py) and the
lifecycle policy (ILM on Elasticsearch, ISM on OpenSearch). Indices, all named from a prefix
(default "newsmon"):

    <prefix>-articles          alias; write index <prefix>-articles-v<mapping version>-NNNNNN
    <prefix>-claims            one document per claimed figure (for charts of figures)
    <prefix>-stories           story records
    <prefix>-state             feed validators, the latest outcome of every URL, runs

Articles are updated in place, so the alias is not a data stream: an update goes to the index
that holds the document (found by id through the alias), only new documents go to the write
index. That keeps every document in the index exactly once across rollovers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Iterable, Iterator
from urllib.parse import urlsplit, urlunsplit

from ..models import Article, CrawlOutcome, FeedState, Story, utc_now
from .base import FINAL_OUTCOMES, TERM_FIELDS, SearchFilters, UpsertResult, stable_document

try:  # encoding the bulk bodies is most of the client's own cost: orjson halves it
    from orjson import dumps as _dumps
except ImportError:  # pragma: no cover - orjson comes with the engine extras
    def _dumps(value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")

log = logging.getLogger(__name__)
RESOURCES = resources.files(__package__) / "engine"
RETRY_STATUSES = {429, 500, 502, 503, 504}
BULK_FILTER = "errors,items.*.status,items.*.error"
# Oldest first, undated first (as SQLite sorts NULL), ties by id: one order for every listing.
CHRONOLOGICAL = [{"published_at": {"order": "asc", "missing": "_first"}}, {"id": "asc"}]
PAGE = 500


class EngineError(RuntimeError):
    def __init__(self, status: int | str, body: Any):
        super().__init__(f"{status}: {str(body)[:500]}")
        self.status = status
        self.body = body


class EngineUnavailable(EngineError):
    """No answer at all: connection refused, reset or timed out."""


# -- transports: the one place where the two client libraries differ --------------------------

def _split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    parts = urlsplit(url)
    if not parts.username:
        return url, None
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), \
        (parts.username, parts.password or "")


class ElasticsearchTransport:
    flavor = "elasticsearch"

    def __init__(self, url: str, api_key: str | None = None, ca_certs: str | None = None,
                 timeout: float = 30.0):
        from elasticsearch import Elasticsearch
        url, basic = _split_credentials(url)
        # Retries are ours (see EngineStore._bulk), so that they are the same on both engines.
        self.client = Elasticsearch(url, basic_auth=basic, api_key=api_key, ca_certs=ca_certs,
                                    request_timeout=timeout, max_retries=0, retry_on_timeout=False)

    def request(self, method: str, path: str, body: Any = None, params: dict | None = None,
                content_type: str = "application/json") -> Any:
        from elastic_transport import TransportError
        from elasticsearch import ApiError
        headers = {"accept": "application/json"}
        if body is not None:
            headers["content-type"] = content_type
        try:
            return self.client.perform_request(method, path, params=params, headers=headers,
                                               body=body).body
        except ApiError as exc:
            raise EngineError(exc.meta.status, exc.body) from exc
        except TransportError as exc:
            raise EngineUnavailable("unavailable", exc) from exc

    def close(self) -> None:
        self.client.close()


class OpenSearchTransport:
    flavor = "opensearch"

    def __init__(self, url: str, api_key: str | None = None, ca_certs: str | None = None,
                 timeout: float = 30.0):
        from opensearchpy import OpenSearch
        url, basic = _split_credentials(url)
        self.client = OpenSearch(hosts=[url], http_auth=basic, ca_certs=ca_certs,
                                 verify_certs=bool(ca_certs) or url.startswith("https"),
                                 timeout=timeout, max_retries=0, retry_on_timeout=False)

    def request(self, method: str, path: str, body: Any = None, params: dict | None = None,
                content_type: str = "application/json") -> Any:
        from opensearchpy.exceptions import ConnectionError as OSConnectionError
        from opensearchpy.exceptions import TransportError
        try:
            return self.client.transport.perform_request(
                method, path, params=params, body=body,
                headers={"content-type": content_type} if body is not None else None)
        except OSConnectionError as exc:
            raise EngineUnavailable("unavailable", exc) from exc
        except TransportError as exc:
            raise EngineError(exc.status_code, exc.info) from exc

    def close(self) -> None:
        self.client.close()


# -- the store ------------------------------------------------------------------------------------

@dataclass
class _Op:
    """One bulk action, with the article it belongs to (failures are counted per article)."""

    action: str                 # index | delete
    index: str
    doc_id: str
    article_id: str
    source: dict | None = None


@dataclass
class SetupReport:
    lines: list[str] = field(default_factory=list)
    lifecycle: bool = False

    def say(self, line: str) -> None:
        log.info("index setup: %s", line)
        self.lines.append(line)


def _url_key(kind: str, url: str) -> str:
    return f"{kind}:{hashlib.sha1(url.encode('utf-8')).hexdigest()}"


class EngineStore:
    def __init__(self, transport, url: str, prefix: str = "newsmon", resources_dir=None,
                 max_retries: int = 5, backoff: float = 0.5, batch_size: int = 500):
        self.t = transport
        self.url = url
        self.prefix = prefix
        self.resources = resources_dir or RESOURCES
        self.max_retries = max_retries
        self.backoff = backoff
        self.batch_size = batch_size
        self.articles = f"{prefix}-articles"
        self.claims = f"{prefix}-claims"
        self.stories = f"{prefix}-stories"
        self.state = f"{prefix}-state"

    def _request(self, method: str, path: str, body: Any = None, params: dict | None = None,
                 content_type: str = "application/json") -> Any:
        """A request, retried with exponential backoff while the engine is unreachable or
        answers 429/5xx. Every request newsmon makes is idempotent (writes carry ids)."""
        attempt = 0
        while True:
            try:
                return self.t.request(method, path, body, params=params, content_type=content_type)
            except EngineError as exc:
                passing = isinstance(exc, EngineUnavailable) or exc.status in RETRY_STATUSES
                if not passing or attempt >= self.max_retries:
                    raise
                attempt += 1
                delay = min(self.backoff * 2 ** (attempt - 1), 30.0)
                log.warning("%s %s: %s; retry %d/%d in %.1fs", method, path, str(exc)[:120],
                            attempt, self.max_retries, delay)
                time.sleep(delay)

    # -- lifecycle -----------------------------------------------------------------------------
    def _load(self, name: str) -> dict:
        return json.loads((self.resources / name).read_text(encoding="utf-8")
                          .replace("__PREFIX__", self.prefix))

    @property
    def mapping_version(self) -> int:
        return int(self._load("component_mappings.json")["_meta"]["version"])

    def _exists(self, path: str) -> bool:
        try:
            self._request("GET", path)
            return True
        except EngineError as exc:
            if exc.status == 404:
                return False
            raise

    def _lifecycle(self, report: SetupReport) -> dict:
        """Apply the rollover policy; return the index settings that attach it (none if the
        cluster has no lifecycle management, which is then reported, not an error)."""
        name = f"{self.prefix}-articles"
        if self.t.flavor == "elasticsearch":
            kind = "ILM"
            settings = {"index.lifecycle.name": name, "index.lifecycle.rollover_alias": self.articles}

            def apply():
                self._request("PUT", f"/_ilm/policy/{name}", self._load("ilm_policy.json"))
        else:
            kind = "ISM"
            settings = {"plugins.index_state_management.rollover_alias": self.articles}

            def apply():
                # ISM refuses to overwrite a policy unless told which version it replaces.
                path = f"/_plugins/_ism/policies/{name}"
                params = None
                if self._exists(path):
                    current = self._request("GET", path)
                    params = {"if_seq_no": current["_seq_no"], "if_primary_term": current["_primary_term"]}
                self._request("PUT", path, self._load("ism_policy.json"), params=params)
        try:
            apply()
        except EngineError as exc:
            report.say(f"lifecycle: {kind} not available ({exc.status}); roll over with "
                       f"`newsmon index rollover`")
            return {}
        report.lifecycle = True
        report.say(f"lifecycle: {kind} policy {name}")
        return settings

    def _put_templates(self, report: SetupReport) -> None:
        for part in ("settings", "mappings"):
            name = f"{self.prefix}-articles-{part}"
            self._request("PUT", f"/_component_template/{name}", self._load(f"component_{part}.json"))
            report.say(f"component template {name}")
        template = self._load("index_template_articles.json")
        template["template"]["settings"].update(self._lifecycle(report))
        template["_meta"]["mapping_version"] = self.mapping_version
        self._request("PUT", f"/_index_template/{self.prefix}-articles", template)
        report.say(f"index template {self.prefix}-articles (mapping version {self.mapping_version})")

    def setup(self) -> SetupReport:
        """Create or update templates, policies and indices. Safe to run again."""
        report = SetupReport()
        self._ready = True
        self._put_templates(report)
        if self._exists(f"/_alias/{self.articles}"):
            report.say(f"alias {self.articles} exists: {', '.join(self.article_indices())}")
        else:
            first = f"{self.articles}-v{self.mapping_version}-000001"
            self._request("PUT", f"/{first}", {"aliases": {self.articles: {"is_write_index": True}}})
            report.say(f"created {first} as write index of {self.articles}")
        for index, resource in ((self.claims, "index_claims.json"),
                                (self.stories, "index_stories.json"),
                                (self.state, "index_state.json")):
            body = self._load(resource)
            body.pop("_meta", None)
            if self._exists(f"/{index}"):
                self._request("PUT", f"/{index}/_mapping", body["mappings"])
                report.say(f"index {index} exists: mapping updated")
            else:
                self._request("PUT", f"/{index}", body)
                report.say(f"created index {index}")
        return report

    def article_indices(self) -> list[str]:
        return sorted(self._request("GET", f"/_alias/{self.articles}"))

    def rollover(self, conditions: dict | None = None) -> dict:
        body = {"conditions": conditions} if conditions else None
        return self._request("POST", f"/{self.articles}/_rollover", body)

    def migrate(self, keep_old: bool = False) -> list[str]:
        """Move the articles to the current mapping version: reindex behind the alias."""
        report = SetupReport()
        target_version = self.mapping_version
        current = self.article_indices()
        versions = {int(m.group(1)) for i in current if (m := re.search(r"-v(\d+)-\d+$", i))}
        if versions == {target_version}:
            report.say(f"already at mapping version {target_version}")
            return report.lines
        self._put_templates(report)
        new = f"{self.articles}-v{target_version}-000001"
        self._request("PUT", f"/{new}")
        result = self._request("POST", "/_reindex", {"source": {"index": self.articles},
                                                      "dest": {"index": new}},
                                params={"wait_for_completion": "true", "refresh": "true"})
        if result.get("failures"):
            raise EngineError("reindex", result["failures"][:3])
        report.say(f"reindexed {result.get('total', 0)} documents into {new}")
        actions = [{"remove": {"index": old, "alias": self.articles}} for old in current]
        actions.append({"add": {"index": new, "alias": self.articles, "is_write_index": True}})
        self._request("POST", "/_aliases", {"actions": actions})   # one atomic switch
        report.say(f"alias {self.articles} now points at {new}")
        if not keep_old:
            for old in current:
                self._request("DELETE", f"/{old}")
                report.say(f"deleted {old}")
        return report.lines

    def close(self) -> None:
        self.t.close()

    # -- searching helpers ---------------------------------------------------------------------
    def _search(self, index: str, body: dict) -> dict:
        return self._request("POST", f"/{index}/_search", body,
                              params={"ignore_unavailable": "true"})

    def _scan(self, index: str, query: dict, sort: list, source: Any = True) -> Iterator[dict]:
        """Every hit, in sort order, page by page with search_after."""
        after = None
        while True:
            body = {"query": query, "sort": sort, "size": PAGE, "_source": source}
            if after:
                body["search_after"] = after
            hits = self._search(index, body)["hits"]["hits"]
            yield from hits
            if len(hits) < PAGE:
                return
            after = hits[-1]["sort"]

    def _by_ids(self, ids: list[str], source: Any = True) -> dict[str, dict]:
        found = {}
        for i in range(0, len(ids), PAGE):
            chunk = ids[i:i + PAGE]
            hits = self._search(self.articles, {"query": {"ids": {"values": chunk}},
                                                "size": len(chunk), "_source": source})
            found.update({h["_id"]: h for h in hits["hits"]["hits"]})
        return found

    def _filters(self, filters: SearchFilters) -> list[dict]:
        out: list[dict] = []
        if filters.story:
            out.append({"term": {"story_ids": filters.story}})
        if filters.since or filters.until:
            rng = {}
            if filters.since:
                rng["gte"] = filters.since
            if filters.until:
                rng["lt"] = filters.until
            out.append({"range": {"published_at": rng}})
        if filters.source:
            out.append({"term": {"source": filters.source}})
        if filters.language:
            out.append({"term": {"language": filters.language}})
        if filters.entity:
            out.append({"term": {"entities.text": {"value": filters.entity,
                                                   "case_insensitive": True}}})
        if not filters.include_duplicates:
            out.append({"bool": {"must_not": {"exists": {"field": "duplicate_of"}}}})
        return out

    # -- documents -------------------------------------------------------------------------------
    def _require_setup(self) -> None:
        # Writing through a missing alias would make the engine create an index with guessed
        # (dynamic) mappings: refuse instead, with the command that fixes it.
        if not getattr(self, "_ready", False):
            if not self._exists(f"/_alias/{self.articles}"):
                raise EngineError("setup", f"alias {self.articles} does not exist on {self.url}: "
                                           f"run `newsmon index setup --store URL` first")
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
        ops: list[_Op] = []
        for doc_id, doc in docs.items():
            hit = existing.get(doc_id)
            if hit and stable_document(hit["_source"]) == stable_document(doc):
                result.unchanged.append(doc_id)
                continue
            # An update goes where the document lives; only new documents go to the write index.
            ops.append(_Op("index", hit["_index"] if hit else self.articles, doc_id, doc_id, doc))
            old_claims = len(hit["_source"].get("claims", [])) if hit else 0
            for n, claim in enumerate(doc["claims"]):
                ops.append(_Op("index", self.claims, f"{doc_id}-{n}", doc_id, {
                    "article_id": doc_id, "url": doc["canonical_url"], "title": doc["title"],
                    "source": doc["source"], "source_name": doc["source_name"],
                    "published_at": doc["published_at"], "story_ids": doc["story_ids"],
                    "is_copy": doc["is_copy"], "value": claim["value"], "unit": claim["unit"],
                    "figure": f"{claim['value']:,.0f} {claim['unit']}",
                    "attribution": claim["attribution"], "via": claim["via"],
                    "text": claim["text"]}))
            for n in range(len(doc["claims"]), old_claims):
                ops.append(_Op("delete", self.claims, f"{doc_id}-{n}", doc_id))
        failed = self._bulk_all(ops)
        for doc_id in docs:
            if doc_id in failed:
                result.failed.append((doc_id, failed[doc_id]))
            elif doc_id not in result.unchanged:
                result.written.append(doc_id)
        if result.written:
            self._refresh(self.articles, self.claims)
        return result

    def _refresh(self, *indices: str) -> None:
        try:
            self._request("POST", f"/{','.join(indices)}/_refresh")
        except EngineError as exc:
            log.warning("refresh failed (documents become visible within a second): %s", exc)

    @staticmethod
    def _ndjson(ops: list[_Op]) -> bytes:
        lines = []
        for op in ops:
            lines.append(_dumps({op.action: {"_index": op.index, "_id": op.doc_id}}))
            if op.action == "index":
                lines.append(_dumps(op.source))
        return b"\n".join(lines) + b"\n"

    def _bulk_all(self, ops: list[_Op]) -> dict[str, str]:
        """All ops, in bulks of batch_size, one request at a time."""
        failed: dict[str, str] = {}
        for i in range(0, len(ops), self.batch_size):
            failed.update(self._bulk(ops[i:i + self.batch_size]))
        return failed

    def _bulk(self, ops: list[_Op]) -> dict[str, str]:
        """Send ops; retry what failed for a passing reason (429, 5xx, no connection) with
        exponential backoff. Returns {article id: error} for what still failed."""
        failed: dict[str, str] = {}
        pending = ops
        attempt = 0
        while pending:
            body = self._ndjson(pending)
            retry: list[_Op] = []
            error = ""
            try:
                # Only what the retry logic reads: the full echo of every item costs ~8%.
                response = self.t.request("POST", "/_bulk", body, content_type="application/x-ndjson",
                                          params={"filter_path": BULK_FILTER})
            except EngineError as exc:
                if not isinstance(exc, EngineUnavailable) and exc.status not in RETRY_STATUSES:
                    raise
                retry, error = pending, str(exc)
            else:
                for op, item in zip(pending, response["items"]):
                    outcome = item[op.action]
                    status = outcome.get("status", 500)
                    if status < 300 or (op.action == "delete" and status == 404):
                        continue
                    if status in RETRY_STATUSES:
                        retry.append(op)
                        error = json.dumps(outcome.get("error"))[:300]
                    else:
                        failed[op.article_id] = f"{status}: {json.dumps(outcome.get('error'))[:300]}"
            if not retry:
                break
            attempt += 1
            if attempt > self.max_retries:
                for op in retry:
                    failed[op.article_id] = f"gave up after {self.max_retries} retries: {error}"
                break
            delay = min(self.backoff * 2 ** (attempt - 1), 30.0)
            log.warning("bulk: %d actions to retry in %.1fs (attempt %d/%d): %s",
                        len(retry), delay, attempt, self.max_retries, error[:200])
            time.sleep(delay)
            pending = retry
        return failed

    def get_article(self, doc_id: str) -> dict[str, Any] | None:
        hit = self._by_ids([doc_id]).get(doc_id)
        return hit["_source"] if hit else None

    def iter_articles(self) -> Iterator[dict[str, Any]]:
        for hit in self._scan(self.articles, {"match_all": {}}, CHRONOLOGICAL):
            yield hit["_source"]

    def count_articles(self) -> int:
        return self._request("GET", f"/{self.articles}/_count")["count"]

    def search(self, query: str, filters: SearchFilters | None = None,
               limit: int = 20) -> list[dict[str, Any]]:
        filters = filters or SearchFilters()
        must = []
        if query.strip():
            must.append({"simple_query_string": {"query": query, "fields": ["title^3", "text", "summary"],
                                                 "default_operator": "and"}})
        body = {"query": {"bool": {"must": must or [{"match_all": {}}], "filter": self._filters(filters)}},
                "size": limit,
                "sort": ["_score", {"published_at": {"order": "asc" if must else "desc"}}],
                "highlight": {"fields": {"text": {"fragment_size": 120, "number_of_fragments": 1}},
                              "pre_tags": ["["], "post_tags": ["]"]}}
        hits = []
        for hit in self._search(self.articles, body)["hits"]["hits"]:
            doc = hit["_source"]
            doc["_snippet"] = " … ".join(hit.get("highlight", {}).get("text", []))
            doc["_score"] = hit.get("_score") or 0.0
            hits.append(doc)
        return hits

    def story_articles(self, story_id: str) -> list[dict[str, Any]]:
        query = {"term": {"story_ids": story_id}}
        return [h["_source"] for h in self._scan(self.articles, query, CHRONOLOGICAL)]

    def date_histogram(self, filters: SearchFilters | None = None) -> list[tuple[str, int]]:
        body = {"size": 0, "query": {"bool": {"filter": self._filters(filters or SearchFilters())}},
                "aggs": {"days": {"date_histogram": {"field": "published_at", "calendar_interval": "day",
                                                     "format": "yyyy-MM-dd", "min_doc_count": 1}}}}
        buckets = self._search(self.articles, body)["aggregations"]["days"]["buckets"]
        return [(b["key_as_string"], b["doc_count"]) for b in buckets]

    def top_terms(self, field: str, filters: SearchFilters | None = None,
                  size: int = 10) -> list[tuple[str, int]]:
        if field not in TERM_FIELDS:
            raise ValueError(f"cannot count {field!r}: one of {', '.join(TERM_FIELDS)}")
        body = {"size": 0, "query": {"bool": {"filter": self._filters(filters or SearchFilters())}},
                "aggs": {"top": {"terms": {"field": field, "size": size,
                                           "order": [{"_count": "desc"}, {"_key": "asc"}]}}}}
        buckets = self._search(self.articles, body)["aggregations"]["top"]["buckets"]
        return [(b["key"], b["doc_count"]) for b in buckets]

    # -- duplicate lookup --------------------------------------------------------------------------
    def content_hashes(self, ids: list[str]) -> dict[str, str]:
        hits = self._by_ids(ids, source=["content_hash"])
        return {doc_id: h["_source"]["content_hash"] for doc_id, h in hits.items()}

    def find_by_content_hash(self, content_hash: str) -> str | None:
        body = {"query": {"term": {"content_hash": content_hash}}, "size": 1, "_source": False,
                "sort": CHRONOLOGICAL}
        hits = self._search(self.articles, body)["hits"]["hits"]
        return hits[0]["_id"] if hits else None

    def near_candidates(self, bands: list[str]) -> list[dict[str, Any]]:
        if not bands:
            return []
        body = {"query": {"terms": {"minhash_bands": bands}}, "size": 1000,
                "_source": ["id", "duplicate_of", "minhash"]}
        return [{"id": h["_id"], "duplicate_of": h["_source"].get("duplicate_of"),
                 "minhash": h["_source"].get("minhash", [])}
                for h in self._search(self.articles, body)["hits"]["hits"]]

    # -- stories -------------------------------------------------------------------------------
    def upsert_story(self, story: Story) -> None:
        self._request("PUT", f"/{self.stories}/_doc/{story.id}", story.to_document(),
                       params={"refresh": "true"})

    def get_story(self, story_id: str) -> dict[str, Any] | None:
        try:
            return self._request("GET", f"/{self.stories}/_doc/{story_id}")["_source"]
        except EngineError as exc:
            if exc.status == 404:
                return None
            raise

    def list_stories(self) -> list[dict[str, Any]]:
        return [h["_source"] for h in self._scan(self.stories, {"match_all": {}}, [{"id": "asc"}])]

    # -- crawl state ---------------------------------------------------------------------------
    def _write_state(self, docs: list[tuple[str, dict]]) -> None:
        failed = self._bulk_all([_Op("index", self.state, key, key, doc) for key, doc in docs])
        if failed:
            raise EngineError("bulk", f"{len(failed)} state documents not written: "
                                      f"{next(iter(failed.values()))}")
        self._refresh(self.state)

    def feed_states(self) -> dict[str, FeedState]:
        hits = self._scan(self.state, {"term": {"kind": "feed"}}, [{"url": "asc"}])
        return {h["_source"]["url"]: FeedState(h["_source"]["url"], h["_source"]["etag"],
                                               h["_source"]["last_modified"]) for h in hits}

    def save_feed_states(self, states: Iterable[FeedState]) -> None:
        self._write_state([(_url_key("feed", s.url), {"kind": "feed", "url": s.url, "etag": s.etag,
                                                       "last_modified": s.last_modified})
                           for s in states])

    def seen_urls(self) -> list[str]:
        query = {"bool": {"filter": [{"term": {"kind": "outcome"}},
                                     {"terms": {"outcome": list(FINAL_OUTCOMES)}}]}}
        return [h["_source"]["url"] for h in self._scan(self.state, query, [{"url": "asc"}], ["url"])]

    def record_outcomes(self, run_id: str, outcomes: Iterable[CrawlOutcome]) -> None:
        now = utc_now()
        latest = {o.url: o for o in outcomes if o.outcome not in ("seen", "not_modified")}
        self._write_state([(_url_key("url", o.url), {
            "kind": "outcome", "url": o.url, "outcome": o.outcome, "reason": o.reason,
            "source": o.source, "doc_id": o.doc_id, "run_id": run_id, "at": now})
            for o in latest.values()])

    def record_run(self, run_id: str, counts: dict[str, Any]) -> None:
        self._write_state([(f"run:{run_id}", {"kind": "run", "run_id": run_id, "at": utc_now(),
                                              "counts": counts})])
