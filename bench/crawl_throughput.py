"""The crawl step against a bare Scrapy spider: 2,000 article pages on 20 local news sites.

Both crawl the same farm of servers (bench/_webfarm.py: one server per loopback address, a
feed and 100 pages of about 24 KB each per site), with the same limits: 16 requests in flight,
2 per host (held by the same downloader), robots.txt obeyed, no delay and no AutoThrottle. The
bare spider is given every
URL (feeds and pages) and keeps nothing; newsmon's crawl is the product's own, run as
`newsmon run` runs it (`python -m newsmon.crawlers.run`): it reads the feeds, checks every
address, and writes every page to its landing file. Rounds alternate between the two; the
best round of each is compared. A last run uses the shipped politeness (a 0.25 s floor and
AutoThrottle) to show what it costs.

    .venv/bin/python bench/crawl_throughput.py     # BENCH_HOSTS=20 BENCH_PAGES_PER_HOST=100
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from _eval import REPO
from _webfarm import feed_urls, hosts, page_urls, sources_document

from newsmon.jobs import crawler_command
from newsmon.pipeline.models import CrawlSummary, FetchedPage
from newsmon.pipeline.runfiles import read_records

HOSTS = int(os.environ.get("BENCH_HOSTS", "20"))
PER_HOST = int(os.environ.get("BENCH_PAGES_PER_HOST", "100"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
LIMITS = {
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "ROBOTSTXT_OBEY": "True",
    # Scrapy's stock downloader lets a host exceed its limit when no delay is set
    # (crawlers/downloader.py); both crawls get the one that holds it, so the limits are equal.
    "DOWNLOADER": "newsmon.crawlers.downloader.BoundedDownloader",
}
TARGET = 0.8


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _timed(cmd: list[str], **kwargs: Any) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run a child; its wall time and its CPU time (user + system)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, **kwargs)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return done, wall, cpu


def _bare(urls_file: Path) -> dict[str, Any]:
    cmd = [sys.executable, str(REPO / "bench" / "_bare_spider.py"), str(urls_file)]
    done, wall, cpu = _timed(cmd + [f"{k}={v}" for k, v in LIMITS.items()])
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    pages = int(stats.get("response_received_count", 0)) - HOSTS * 2  # less robots and feeds
    return {"pages": pages, "seconds": stats["elapsed_time_seconds"], "wall": wall, "cpu": cpu}


def _newsmon(tmp: Path, port: int, polite: bool, name: str) -> dict[str, Any]:
    sources = tmp / f"{name}.yaml"
    sources.write_text(yaml.safe_dump(sources_document(HOSTS, port)))
    out = tmp / f"{name}.jsonl"
    out.unlink(missing_ok=True)
    settings = {} if polite else LIMITS
    cmd = crawler_command(sources, out, None, [], "WARNING", settings)
    done, wall, cpu = _timed(cmd, cwd=tmp)
    stats_line = next(
        line for line in reversed(done.stderr.splitlines()) if line.startswith('{"crawl_stats"')
    )
    stats = json.loads(stats_line)["crawl_stats"]
    records = list(read_records(out))
    pages = sum(isinstance(r, FetchedPage) for r in records)
    summary = records[-1]
    assert isinstance(summary, CrawlSummary) and summary.complete, summary
    assert summary.urls_met == HOSTS * (PER_HOST + 1), summary  # every feed and page met
    return {"pages": pages, "seconds": stats["elapsed_time_seconds"], "wall": wall, "cpu": cpu}


def _row(name: str, run: dict[str, Any]) -> str:
    rate = run["pages"] / run["seconds"]
    cpu_ms = 1000 * run["cpu"] / max(run["pages"], 1)
    return (
        f"{name:<34} {run['pages']:>6} {run['seconds']:>8.2f} {rate:>9.1f} "
        f"{run['wall']:>8.2f} {cpu_ms:>10.2f}"
    )


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="newsmon-crawl-bench-"))
    port = _free_port(hosts(1)[0])
    farm = subprocess.Popen(
        [sys.executable, str(REPO / "bench" / "_webfarm.py"), str(HOSTS), str(PER_HOST), str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert farm.stdout is not None and farm.stdout.readline().strip() == "ready"
        urls = tmp / "urls.txt"
        urls.write_text("\n".join(feed_urls(HOSTS, port) + page_urls(HOSTS, PER_HOST, port)))
        bare, ours = [], []
        for n in range(ROUNDS):
            bare.append(_bare(urls))
            ours.append(_newsmon(tmp, port, polite=False, name=f"same-limits-{n}"))
        polite = _newsmon(tmp, port, polite=True, name="shipped-politeness")
    finally:
        farm.terminate()
        farm.wait()
    best_bare = max(bare, key=lambda r: r["pages"] / r["seconds"])
    best_ours = max(ours, key=lambda r: r["pages"] / r["seconds"])
    ratio = (best_ours["pages"] / best_ours["seconds"]) / (
        best_bare["pages"] / best_bare["seconds"]
    )
    print(
        f"{HOSTS} hosts x {PER_HOST} pages, {ROUNDS} rounds each; limits: "
        + ", ".join(f"{k}={v}" for k, v in LIMITS.items())
    )
    print(
        f"{'crawl':<34} {'pages':>6} {'crawl s':>8} {'pages/s':>9} {'wall s':>8} {'CPU ms/pg':>10}"
    )
    for n, run in enumerate(bare):
        print(_row(f"bare Scrapy spider, round {n + 1}", run))
    for n, run in enumerate(ours):
        print(_row(f"newsmon crawl, round {n + 1}", run))
    print(_row("newsmon crawl, shipped politeness", polite))
    verdict = "meets" if ratio >= TARGET else "BELOW"
    print(f"ratio newsmon / bare Scrapy (best rounds): {ratio:.2f} ({verdict} the {TARGET} target)")
    if ratio < TARGET:
        sys.exit(1)


if __name__ == "__main__":
    main()
