"""Run one crawl in this process:
``python -m newsmon.crawlers.run --sources F --out crawl.jsonl --state crawl-state.json``.

Callers (the CLI, the Airflow crawl task) start it as a subprocess, because Twisted's reactor
cannot be started twice in one process. Every path it gets is absolute (the caller resolved it
against its own working directory). The exit status is 0 when the crawl ran, whatever it met;
every failure of a single URL is a record in the landing file, not an exit status. The last
record is the crawler's CrawlSummary: how many URLs it met, and whether it finished.
"""

from __future__ import annotations

import argparse
import json
import sys

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from newsmon.crawlers.spiders.news import NewsSpider
from newsmon.pipeline.models import CrawlSummary
from newsmon.pipeline.runfiles import append_record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsmon.crawlers.run")
    parser.add_argument("--sources", required=True, help="sources file (YAML)")
    parser.add_argument("--out", required=True, help="landing file to append records to")
    parser.add_argument("--state", default="", help="crawl-state file (newsmon.pipeline.runfiles)")
    parser.add_argument("--queries", default="[]", help="JSON list of search queries")
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Scrapy setting for this crawl (repeatable), as `scrapy -s`",
    )
    args = parser.parse_args(argv)

    settings = Settings()
    settings.setmodule("newsmon.crawlers.settings", priority="project")
    settings.set("NEWSMON_LANDING_FILE", args.out, priority="cmdline")
    settings.set("LOG_LEVEL", args.log_level, priority="cmdline")
    for item in args.set:
        name, _, value = item.partition("=")
        settings.set(name, value, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)
    process.crawl(crawler, sources=args.sources, state=args.state, queries=args.queries)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    spider = crawler.spider
    finish_reason = str(stats.get("finish_reason", "unknown"))
    summary = CrawlSummary(
        urls_met=len(spider.met) if isinstance(spider, NewsSpider) else 0,
        finish_reason=finish_reason,
        complete=finish_reason == "finished",
    )
    with open(args.out, "a", encoding="utf-8") as stream:
        append_record(summary, stream)
    scalars = {k: v for k, v in stats.items() if isinstance(v, (int, float, str))}
    print(json.dumps({"crawl_stats": scalars}, default=str), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
