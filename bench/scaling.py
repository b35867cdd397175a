"""The scaling law of the whole job: crawl, process and index at several sizes, each step's
time, peak memory and per-article cost, so that anything superlinear shows.

Per size N (BENCH_SIZES, default 2000,10000,50000):
- crawl: the product's crawler (`python -m newsmon.crawlers.run`, as `newsmon run` starts it)
  fetches N article pages and 20 feeds from a farm of 20 local news sites (bench/_webfarm.py),
  with the crawl benchmark's limits (16 in flight, 2 per host, no delay: the shipped 0.25 s
  politeness floor would make the crawl the whole benchmark);
- process: `newsmon.jobs.process` on N realistic pages (bench/_newspages.py: real sentences,
  4 % exact and 4 % near copies), with the default workers and the shipped seed;
- index: `newsmon.jobs.index` of that processed file into the embedded store (documents,
  stories' refresh, alerts).

The crawl's pages are the farm's, not the process step's: the farm serves bytes it made in
advance, and the process step needs text with real names and figures. Each step runs in a child
process of its own, so its peak RSS (its own, and its largest child's) is the step's alone.
Printed: seconds, ms per article, peak MB, and each size's per-article cost over the first
size's (1.00 is linear; more is superlinear).

    .venv/bin/python bench/scaling.py
    BENCH_SIZES=2000,10000 .venv/bin/python bench/scaling.py
    BENCH_PER_DAY=200 .venv/bin/python bench/scaling.py  # a fixed rate, not one year a size
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from _webfarm import hosts, sources_document
from crawl_throughput import LIMITS, _free_port
from process_scale import child as process_child
from process_scale import write_crawl

SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "2000,10000,50000").split(",")]
HOSTS = 20
STEPS = ("crawl", "process", "index")


def _peaks() -> dict[str, float]:
    mine = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"main_mb": mine, "child_mb": kids}


def crawl_step(tmp: str, size: str, result: str) -> None:
    from newsmon.jobs import crawler_command
    from newsmon.pipeline.models import FetchedPage
    from newsmon.pipeline.runfiles import read_records

    per_host = math.ceil(int(size) / HOSTS)
    port = _free_port(hosts(1)[0])
    farm = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("_webfarm.py")), str(HOSTS),
         str(per_host), str(port)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert farm.stdout is not None and farm.stdout.readline().strip() == "ready"
        sources = Path(tmp) / "sources.yaml"
        sources.write_text(yaml.safe_dump(sources_document(HOSTS, port)))
        out = Path(tmp) / "landing.jsonl"
        started = time.perf_counter()
        subprocess.run(
            crawler_command(sources, out, None, [], "WARNING", LIMITS),
            check=True, capture_output=True, cwd=tmp,
        )  # fmt: skip
        wall = time.perf_counter() - started
    finally:
        farm.terminate()
        farm.wait()
    pages = sum(isinstance(r, FetchedPage) for r in read_records(out))
    if pages != per_host * HOSTS:
        raise SystemExit(f"crawl landed {pages} pages of {per_host * HOSTS}")
    Path(result).write_text(json.dumps({"wall": wall, "articles": pages, **_peaks()}))


def process_step(tmp: str, size: str, result: str) -> None:
    from _newspages import real_sentences

    crawl = Path(tmp) / "crawl.jsonl"
    write_crawl(crawl, int(size), real_sentences())  # before the clock: it is the input
    process_child(str(crawl), str(Path(tmp) / "s.sqlite"), result)
    got = json.loads(Path(result).read_text())
    got.update(child_mb=got["worker_rss_mb"], main_mb=got["main_rss_mb"])
    Path(result).write_text(json.dumps(got))


def index_step(tmp: str, size: str, result: str) -> None:
    from newsmon import jobs
    from newsmon.pipeline.store.sqlite import SQLiteStore
    from newsmon.pipeline.stories import load_stories
    from newsmon.settings import DEFAULT_SEED_FILE, packaged_seed

    stories = load_stories([packaged_seed(DEFAULT_SEED_FILE)])
    processed = Path(json.loads((Path(tmp) / "process.json").read_text())["processed"])
    started = time.perf_counter()
    with SQLiteStore(Path(tmp) / "s.sqlite") as db:
        counts = jobs.index(processed, db, stories, "scaling")
    wall = time.perf_counter() - started
    indexed = int(counts.get("indexed", 0))
    if indexed == 0:
        raise SystemExit(f"the index step indexed nothing: {counts}")
    Path(result).write_text(json.dumps({"wall": wall, "articles": indexed, **_peaks()}))


def main() -> None:
    if sys.argv[1:2] == ["--step"]:
        {"crawl": crawl_step, "process": process_step, "index": index_step}[sys.argv[2]](
            *sys.argv[3:6]
        )
        return
    print(f"the whole job at {SIZES} articles; each step in a child process of its own")
    print(f"{'size':>7} {'step':<8} {'seconds':>8} {'done':>7} {'ms/art':>7} {'main MB':>8} "
          f"{'child MB':>8} {'cost x':>7}")  # fmt: skip
    first: dict[str, float] = {}
    for size in SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            total = 0.0
            for step in STEPS:
                result = Path(tmp) / f"{step}.json"
                done = subprocess.run(
                    [sys.executable, __file__, "--step", step, tmp, str(size), str(result)],
                    capture_output=True,  # the index step logs every alert: figures only here
                    text=True,
                )
                if done.returncode:
                    sys.exit(f"the {step} step failed at {size}:\n{done.stderr[-4000:]}")
                got = json.loads(result.read_text())
                each = 1000 * got["wall"] / size
                first.setdefault(step, each)
                total += got["wall"]
                print(
                    f"{size:>7} {step:<8} {got['wall']:>8.1f} {got['articles']:>7} {each:>7.2f} "
                    f"{got['main_mb']:>8.0f} {got['child_mb']:>8.0f} {each / first[step]:>7.2f}",
                    flush=True,
                )
            each = 1000 * total / size
            first.setdefault("job", each)
            print(f"{size:>7} {'job':<8} {total:>8.1f} {'':>7} {each:>7.2f} {'':>8} {'':>8} "
                  f"{each / first['job']:>7.2f}", flush=True)  # fmt: skip
    print("cost x: ms per article over the first size's (1.00 linear). Peak RSS target: the")
    print("process and index steps under 1 GiB, and barely more at 10x the size (issue 11).")


if __name__ == "__main__":
    main()
