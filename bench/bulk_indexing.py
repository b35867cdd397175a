"""Bulk indexing through newsmon's EngineStore vs a raw _bulk of the same pre-serialised
actions, on the same OpenSearch node, in the same run. Target: throughput ratio >= 0.8.

Needs NEWSMON_OPENSEARCH_URL (`make opensearch` starts a node).
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import sys
import time
from urllib.parse import urlsplit

from _docs import articles

from newsmon.pipeline.store.engine import EngineStore, OpenSearchTransport
from newsmon.pipeline.store.engine.documents import Op

COUNT = int(os.environ.get("BENCH_DOCS", "5000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "4"))
BATCH = 500


def raw_bulk(url: str, bodies: list[bytes]) -> float:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=120)
    start = time.perf_counter()
    for body in bodies:
        conn.request("POST", "/_bulk", body=body, headers={"Content-Type": "application/x-ndjson"})
        answer = json.loads(conn.getresponse().read())
        assert not answer["errors"], "raw bulk had errors"
    conn.request("POST", "/_refresh")
    conn.getresponse().read()
    return time.perf_counter() - start


def _serialise(store: EngineStore, docs) -> tuple[list[bytes], int]:
    """Exactly the actions newsmon sends for new documents (articles and their claims)."""
    ops = []
    for article in docs:
        doc = article.to_document()
        ops.append(Op("index", store.articles, article.id, article.id, doc))
        for n, claim in enumerate(doc["claims"]):
            ops.append(Op("index", store.claims, f"{article.id}-{n}", article.id, claim))
    bodies = []
    for i in range(0, len(ops), BATCH):
        lines = []
        for op in ops[i : i + BATCH]:
            lines.append(json.dumps({"index": {"_index": op.index, "_id": op.doc_id}}))
            lines.append(json.dumps(op.source, ensure_ascii=False))
        bodies.append(("\n".join(lines) + "\n").encode())  # stdlib json: not timed
    return bodies, len(ops)


def main() -> None:
    url = os.environ.get("NEWSMON_OPENSEARCH_URL")
    if not url:
        sys.exit("set NEWSMON_OPENSEARCH_URL (make opensearch starts a node)")
    docs = articles(COUNT)

    def fresh(prefix: str) -> EngineStore:
        store = EngineStore(OpenSearchTransport(url), url, prefix=prefix, batch_size=BATCH)
        store.t.request("DELETE", f"/{prefix}-*")
        store.setup()
        # Neither side's clock may start while its new shards are still being allocated.
        store.t.request("GET", f"/_cluster/health/{prefix}-*", params={"wait_for_status": "green"})
        return store

    def run_raw(prefix: str) -> float:
        store = fresh(prefix)
        bodies, _ = _serialise(store, docs)  # before the clock starts
        return raw_bulk(url, bodies)

    def run_newsmon(prefix: str) -> float:
        store = fresh(prefix)
        start = time.perf_counter()
        result = store.upsert_articles(docs)  # as jobs.index calls it: the whole run at once
        elapsed = time.perf_counter() - start
        assert not result.failed and store.count_articles() == COUNT, result.failed[:3]
        return elapsed

    run_raw("benchwarm")  # JIT and caches warm before anything counts
    raw_times: list[float] = []
    ours_times: list[float] = []
    for round_ in range(ROUNDS):  # alternate the order: neither side always first
        pair = [("raw", run_raw), ("newsmon", run_newsmon)]
        for name, fn in pair if round_ % 2 == 0 else pair[::-1]:
            (raw_times if name == "raw" else ours_times).append(fn(f"bench{name}{round_}"))

    store = fresh("benchrerun")
    store.upsert_articles(docs[:BATCH])
    start = time.perf_counter()
    again = store.upsert_articles(docs[:BATCH])
    rerun_ms = (time.perf_counter() - start) * 1000
    assert len(again.unchanged) == BATCH

    raw_s, ours_s = statistics.median(raw_times), statistics.median(ours_times)
    _, actions = _serialise(store, docs)
    print(
        f"documents: {COUNT} articles, {actions} bulk actions with their claims; bulks of {BATCH}; "
        f"{ROUNDS} alternating rounds after a warm-up, medians"
    )
    print(
        f"raw _bulk of pre-serialised actions: {COUNT / raw_s:8.0f} articles/s ({raw_s:.2f} s)  "
        f"rounds: {', '.join(f'{t:.2f}' for t in raw_times)}"
    )
    print(
        f"newsmon EngineStore.upsert_articles: {COUNT / ours_s:8.0f} articles/s ({ours_s:.2f} s)  "
        f"rounds: {', '.join(f'{t:.2f}' for t in ours_times)}"
    )
    print(f"throughput ratio newsmon / raw: {raw_s / ours_s:.2f} (target >= 0.8)")
    print(f"re-upserting {BATCH} unchanged articles: {rerun_ms:.0f} ms, nothing written")
    store.t.request("DELETE", "/bench*")


if __name__ == "__main__":
    main()
