"""What every part of the engine store shares: the transport, retries, the request bodies kept
as data files beside this module, and paging helpers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from importlib import resources
from importlib.abc import Traversable
from typing import Any

from ..base import SearchFilters
from .retry import RetryPolicy
from .transport import EngineError, Transport

RESOURCES = resources.files(__package__)
# Oldest first, undated first (as SQLite sorts NULL), ties by id: one order for every listing.
CHRONOLOGICAL: list[dict[str, Any]] = [
    {"published_at": {"order": "asc", "missing": "_first"}},
    {"id": "asc"},
]
PAGE = 500


def url_key(kind: str, url: str) -> str:
    return f"{kind}:{hashlib.sha1(url.encode('utf-8')).hexdigest()}"


class EngineBase:
    """Indices, all named from a prefix (default "newsmon"):

    <prefix>-articles   alias; write index <prefix>-articles-v<mapping version>-NNNNNN
    <prefix>-claims     one document per claimed figure (for charts of figures)
    <prefix>-stories    story records
    <prefix>-state      feed validators, the latest outcome of every URL, runs
    """

    def __init__(
        self,
        transport: Transport,
        url: str,
        prefix: str = "newsmon",
        resources_dir: Traversable | None = None,
        max_retries: int = 5,
        backoff: float = 0.5,
        batch_size: int = 500,
    ):
        self.t = transport
        self.url = url
        self.prefix = prefix
        self.resources = resources_dir or RESOURCES
        self.retry = RetryPolicy(max_retries=max_retries, backoff=backoff)
        self.batch_size = batch_size
        self.articles = f"{prefix}-articles"
        self.claims = f"{prefix}-claims"
        self.stories = f"{prefix}-stories"
        self.state = f"{prefix}-state"
        self.alerts = f"{prefix}-alerts"
        self._ready = False

    def _request(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Any:
        return self.retry.call(
            lambda: self.t.request(method, path, body, params=params, content_type=content_type),
            f"{method} {path}",
        )

    def _load(self, name: str) -> dict[str, Any]:
        text = (self.resources / name).read_text(encoding="utf-8")
        loaded: dict[str, Any] = json.loads(text.replace("__PREFIX__", self.prefix))
        return loaded

    def _exists(self, path: str) -> bool:
        try:
            self._request("GET", path)
            return True
        except EngineError as exc:
            if exc.status == 404:
                return False
            raise

    def exists(self) -> bool:
        """Whether the articles alias is there (a store that was set up)."""
        return self._exists(f"/_alias/{self.articles}")

    def close(self) -> None:
        self.t.close()

    def _search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = self._request(
            "POST", f"/{index}/_search", body, params={"ignore_unavailable": "true"}
        )
        return answer

    def _scan(
        self, index: str, query: dict[str, Any], sort: list[Any], source: Any = True
    ) -> Iterator[dict[str, Any]]:
        """Every hit, in sort order, page by page with search_after."""
        after = None
        while True:
            body: dict[str, Any] = {"query": query, "sort": sort, "size": PAGE, "_source": source}
            if after:
                body["search_after"] = after
            hits = self._search(index, body)["hits"]["hits"]
            yield from hits
            if len(hits) < PAGE:
                return
            after = hits[-1]["sort"]

    def _by_ids(self, ids: list[str], source: Any = True) -> dict[str, dict[str, Any]]:
        found = {}
        for i in range(0, len(ids), PAGE):
            chunk = ids[i : i + PAGE]
            hits = self._search(
                self.articles,
                {"query": {"ids": {"values": chunk}}, "size": len(chunk), "_source": source},
            )
            found.update({h["_id"]: h for h in hits["hits"]["hits"]})
        return found

    @staticmethod
    def _filters(filters: SearchFilters) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
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
            out.append(
                {"term": {"entities.text": {"value": filters.entity, "case_insensitive": True}}}
            )
        if not filters.include_duplicates:
            out.append({"bool": {"must_not": {"exists": {"field": "duplicate_of"}}}})
        return out
