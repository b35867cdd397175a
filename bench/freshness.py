"""Freshness: from an item appearing in a feed to its article being searchable, with Airflow
running the DAGs.

Airflow runs as `make airflow` runs it (scripts/airflow_local.py: api-server, scheduler,
dag-processor, triggerer, LocalExecutor, parallelism 2), with newsmon_crawl on a one-minute
schedule (`--interval`), newsmon_process and newsmon_stories on their assets, and the
embedded store. A live news site on loopback (this process) serves a feed; after the first
crawl has taken the site's existing articles, the benchmark publishes one new item at a time,
at a random moment, and polls the store until the article is searchable. Airflow's REST API
gives each stage's times: the wait for the next crawl, the crawl, the asset event to the
process run, process, index, and the rest (the store becoming readable, the poll).

Target: at most one crawl interval plus 60 s for every item.

    .venv/bin/python bench/freshness.py [--items 4] [--interval-minutes 1]
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from _webfarm import _article  # noqa: E402

HOST = "127.0.0.190"


class LiveSite:
    """A news site whose feed gains items while it runs."""

    def __init__(self, initial: int = 10):
        self.items: list[tuple[int, datetime]] = [(n, datetime.now(UTC)) for n in range(initial)]
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                if self.path == "/robots.txt":
                    body, kind = b"User-agent: *\nAllow: /\n", "text/plain"
                elif self.path == "/feed.xml":
                    body, kind = site.feed(), "application/rss+xml"
                elif self.path.startswith("/a/") and self.path.endswith(".html"):
                    body, kind = _article(HOST, int(self.path[3:-5])), "text/html; charset=utf-8"
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, n: int) -> str:
        return f"http://{HOST}:{self.port}/a/{n}.html"

    def feed(self) -> bytes:
        with self.lock:
            items = list(self.items)
        entries = "".join(
            f"<item><title>Report {n}</title><link>{self.url(n)}</link>"
            f"<guid>{self.url(n)}</guid><pubDate>{format_datetime(at)}</pubDate></item>"
            for n, at in reversed(items)
        )
        return (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Live</title>'
            f"<link>http://{HOST}:{self.port}/</link>{entries}</channel></rss>"
        ).encode()

    def publish(self) -> tuple[int, float]:
        with self.lock:
            n = len(self.items)
            self.items.append((n, datetime.now(UTC)))
        return n, time.time()

    def sources(self, path: Path) -> Path:
        doc = {
            "defaults": {"allow_networks": ["127.0.0.0/8"], "timeout": 5},
            "sources": [
                {"id": "live", "name": "Live", "url": f"http://{HOST}:{self.port}/feed.xml"}
            ],
        }
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
        return path


def _parse(ts: str | None) -> float:
    return datetime.fromisoformat(str(ts).replace("Z", "+00:00")).timestamp() if ts else 0.0


def searchable(store_path: Path, url: str) -> bool:
    """Is the article the feed gave as `url` in the store? (Its document id hashes the
    canonical URL, which the page itself names, so it is looked up by the URL met.)"""
    from newsmon.pipeline.store import open_store

    if not store_path.exists():
        return False
    try:
        store = open_store(store_path, create=False)
        try:
            return any(d["url"] == url for d in store.iter_articles())
        finally:
            store.close()
    except Exception as exc:  # being created or written: ask again
        print(f"  (store not readable yet: {type(exc).__name__}: {exc})", file=sys.stderr)
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=4)
    parser.add_argument("--interval-minutes", type=int, default=1)
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location(
        "airflow_local", REPO / "scripts/airflow_local.py"
    )
    assert spec and spec.loader
    local = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(local)
    interval = 60.0 * args.interval_minutes
    work = Path(tempfile.mkdtemp(prefix="newsmon-freshness-"))
    site = LiveSite()
    store_path = work / "store.sqlite"
    env = {
        "NEWSMON_SOURCES": str(site.sources(work / "sources.yaml")),
        "NEWSMON_STORE": str(store_path),
        "NEWSMON_LANDING": str(work / "landing"),
        "NEWSMON_HOME": str(work / "home"),
        "NEWSMON_CRAWL_SCHEDULE": f"*/{args.interval_minutes} * * * *",
        "NEWSMON_CRAWL_SHARDS": "1",
    }
    airflow = local.LocalAirflow(work / "airflow", local.free_port(), env)
    # SIGTERM (a CI timeout, kill) unwinds like Ctrl-C, so the Airflow processes are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(
        f"Airflow in {work}; crawl interval {interval:.0f} s; target <= {interval + 60:.0f} s",
        flush=True,
    )
    rows = []
    with airflow:
        while not {d["dag_id"] for d in airflow.api("GET", "/dags?limit=50").get("dags", [])} >= {
            "newsmon_crawl",
            "newsmon_process",
            "newsmon_stories",
        }:
            time.sleep(2)
        for dag_id in ("newsmon_crawl", "newsmon_process", "newsmon_stories"):
            airflow.api("PATCH", f"/dags/{dag_id}", {"is_paused": False})
        print("waiting for the first crawl to index the site's existing articles ...", flush=True)
        while not searchable(store_path, site.url(0)):
            time.sleep(2)
        rng = random.Random(7)
        for _ in range(args.items):
            time.sleep(rng.uniform(0, interval))  # items appear at any moment of an interval
            n, t0 = site.publish()
            url = site.url(n)
            while not searchable(store_path, url):
                time.sleep(0.5)
            t_found = time.time()
            rows.append(_breakdown(airflow, t0, t_found))
            print(f"item {n}: searchable after {t_found - t0:.1f} s", flush=True)
    names = ["wait for crawl", "crawl", "asset -> process", "process", "index", "rest", "total"]
    print()
    print("| item | " + " | ".join(names) + " |")
    print("| --- |" + " --- |" * len(names))
    for i, row in enumerate(rows, 1):
        print(f"| {i} | " + " | ".join(f"{row[k]:.1f}" for k in names) + " |")
    totals = [r["total"] for r in rows]
    within = sum(t <= interval + 60 for t in totals)
    print(
        f"\nmedian {statistics.median(totals):.1f} s, max {max(totals):.1f} s; "
        f"{within}/{len(rows)} within the target of {interval + 60:.0f} s "
        f"(one crawl interval {interval:.0f} s + 60 s)"
    )
    return 0 if within == len(rows) else 1


def _breakdown(airflow: object, t0: float, t_found: float) -> dict[str, float]:
    """Stage times for the item published at t0: the first crawl run that started after it,
    the process run that followed that crawl, and its tasks."""
    api = airflow.api  # type: ignore[attr-defined]
    crawls = sorted(
        (
            r
            for r in api("GET", "/dags/newsmon_crawl/dagRuns?limit=100")["dag_runs"]
            if r["start_date"]
        ),
        key=lambda r: _parse(r["start_date"]),
    )
    crawl = next(r for r in crawls if _parse(r["start_date"]) >= t0)
    crawl_start, crawl_end = _parse(crawl["start_date"]), _parse(crawl["end_date"])
    processes = sorted(
        (
            r
            for r in api("GET", "/dags/newsmon_process/dagRuns?limit=100")["dag_runs"]
            if r["start_date"] and _parse(r["start_date"]) >= crawl_end - 1
        ),
        key=lambda r: _parse(r["start_date"]),
    )
    run = processes[0]
    tasks = {
        t["task_id"]: t
        for t in api("GET", f"/dags/newsmon_process/dagRuns/{run['dag_run_id']}/taskInstances")[
            "task_instances"
        ]
    }
    p_start = _parse(run["start_date"])
    process = _parse(tasks["process"]["end_date"]) - _parse(tasks["collect"]["start_date"])
    index = _parse(tasks["index"]["end_date"]) - _parse(tasks["index"]["start_date"])
    stages = {
        "wait for crawl": crawl_start - t0,
        "crawl": crawl_end - crawl_start,
        "asset -> process": p_start - crawl_end,
        "process": process,
        "index": index,
        "total": t_found - t0,
    }
    stages["rest"] = stages["total"] - sum(v for k, v in stages.items() if k != "total")
    return stages


if __name__ == "__main__":
    sys.exit(main())
