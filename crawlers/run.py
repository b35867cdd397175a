"""Run one crawl in this process: `python -m crawlers.run --sources F --out landing.jsonl`.

Callers (the CLI, the Airflow crawl task) start it as a subprocess, because Twisted's reactor
cannot be started twice in one process. The exit status is 0 when the crawl ran, whatever it
met; every failure of a single URL is a record in the landing file, not an exit status.
"""

from __future__ import annotations

import argparse
import json
import sys

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawlers.spiders.news import NewsSpider


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawlers.run")
    parser.add_argument("--sources", required=True, help="sources file (YAML)")
    parser.add_argument("--out", required=True, help="landing file to append records to")
    parser.add_argument("--state", default="", help="JSON: feed validators and seen URLs")
    parser.add_argument("--queries", default="[]", help="JSON list of search queries")
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)

    settings = Settings()
    settings.setmodule("crawlers.settings", priority="project")
    settings.set("NEWSMON_LANDING_FILE", args.out, priority="cmdline")
    settings.set("LOG_LEVEL", args.log_level, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)
    process.crawl(crawler, sources=args.sources, state=args.state, queries=args.queries)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    summary = {k: v for k, v in stats.items() if isinstance(v, (int, float, str))}
    print(json.dumps({"crawl_stats": summary}, default=str), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
