"""Crawl state in the engine: feed validators, the latest outcome of every URL, and runs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...models import CrawlOutcome, FeedState, Outcome, PendingURL, poll_fields, utc_now
from ..base import FINAL_OUTCOMES
from .base import EngineBase, url_key
from .documents import Documents, Op
from .transport import EngineError


class CrawlStateStore(Documents, EngineBase):
    def _write_state(self, docs: list[tuple[str, dict[str, Any]]]) -> None:
        failed = self._bulk_all([Op("index", self.state, key, key, doc) for key, doc in docs])
        if failed:
            raise EngineError(
                "bulk", f"{len(failed)} state documents not written: {next(iter(failed.values()))}"
            )
        self._refresh(self.state)

    def feed_states(self) -> dict[str, FeedState]:
        hits = self._scan(self.state, {"term": {"kind": "feed"}}, [{"url": "asc"}])
        return {
            h["_source"]["url"]: FeedState(
                h["_source"]["url"],
                h["_source"]["etag"],
                h["_source"]["last_modified"],
                **h["_source"].get("poll", {}),
            )
            for h in hits
        }

    def save_feed_states(self, states: Iterable[FeedState]) -> None:
        self._write_state(
            [
                (
                    url_key("feed", s.url),
                    {
                        "kind": "feed",
                        "url": s.url,
                        "etag": s.etag,
                        "last_modified": s.last_modified,
                        "poll": poll_fields(s),
                    },
                )
                for s in states
            ]
        )

    def story_tallies(self, story_ids: list[str]) -> dict[str, dict[str, Any]]:
        if not story_ids:
            return {}
        keys = [url_key("story_tally", s) for s in story_ids]
        body = {"query": {"ids": {"values": keys}}, "size": len(keys)}
        hits = self._search(self.state, body)["hits"]["hits"]
        return {h["_source"]["story_id"]: h["_source"]["tally"] for h in hits}

    def save_story_tallies(self, tallies: dict[str, dict[str, Any]]) -> None:
        if tallies:
            self._write_state(
                [
                    (
                        url_key("story_tally", story_id),
                        {"kind": "story_tally", "story_id": story_id, "tally": tally},
                    )
                    for story_id, tally in tallies.items()
                ]
            )

    def seen_urls(self) -> list[str]:
        query = {
            "bool": {
                "filter": [
                    {"term": {"kind": "outcome"}},
                    {"terms": {"outcome": [str(o) for o in FINAL_OUTCOMES]}},
                ]
            }
        }
        return [
            h["_source"]["url"] for h in self._scan(self.state, query, [{"url": "asc"}], ["url"])
        ]

    def record_outcomes(self, run_id: str, outcomes: Iterable[CrawlOutcome]) -> None:
        now = utc_now()
        # A URL that was final stays final: 'seen' and 'not_modified' say nothing new.
        latest = {
            o.url: o for o in outcomes if o.outcome not in (Outcome.SEEN, Outcome.NOT_MODIFIED)
        }
        self._write_state(
            [
                (
                    url_key("url", o.url),
                    {
                        "kind": "outcome",
                        "url": o.url,
                        "outcome": str(o.outcome),
                        "reason": o.reason,
                        "source": o.source,
                        "doc_id": o.doc_id,
                        "run_id": run_id,
                        "at": now,
                    },
                )
                for o in latest.values()
            ]
        )

    def pending_urls(
        self, urls: list[str] | None = None, due_by: str | None = None
    ) -> list[PendingURL]:
        filters: list[dict[str, Any]] = [{"term": {"kind": "pending"}}]
        if due_by is not None:
            filters.append({"range": {"next_attempt": {"lte": due_by}}})
        if urls is not None:
            filters.append({"terms": {"url": urls}})
        hits = self._scan(
            self.state, {"bool": {"filter": filters}}, [{"next_attempt": "asc"}, {"url": "asc"}]
        )
        return [
            PendingURL(
                h["_source"]["url"],
                h["_source"]["source"],
                h["_source"]["feed_url"],
                h["_source"]["attempts"],
                h["_source"]["next_attempt"],
                h["_source"]["reason"],
            )
            for h in hits
        ]

    def save_pending(self, pending: Iterable[PendingURL], done: Iterable[str]) -> None:
        ops = [Op("delete", self.state, url_key("pending", u), u) for u in done]
        ops += [
            Op(
                "index",
                self.state,
                url_key("pending", p.url),
                p.url,
                {
                    "kind": "pending",
                    "url": p.url,
                    "source": p.source,
                    "feed_url": p.feed_url,
                    "attempts": p.attempts,
                    "next_attempt": p.next_attempt,
                    "reason": p.reason,
                },
            )
            for p in pending
        ]
        failed = self._bulk_all(ops)
        if failed:
            raise EngineError(
                "bulk", f"{len(failed)} pending URLs not written: {next(iter(failed.values()))}"
            )
        self._refresh(self.state)

    def list_runs(self, since: str | None = None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"bool": {"filter": [{"term": {"kind": "run"}}]}}
        if since:
            query["bool"]["filter"].append({"range": {"at": {"gte": since}}})
        hits = self._scan(self.state, query, [{"at": "asc"}, {"run_id": "asc"}])
        return [
            {
                "run_id": h["_source"]["run_id"],
                "at": h["_source"]["at"],
                "counts": h["_source"]["counts"],
            }
            for h in hits
        ]

    def record_run(self, run_id: str, counts: dict[str, Any]) -> None:
        self._write_state(
            [
                (
                    f"run:{run_id}",
                    {"kind": "run", "run_id": run_id, "at": utc_now(), "counts": counts},
                )
            ]
        )
