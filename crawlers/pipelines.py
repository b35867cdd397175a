"""Item pipeline: every record the spider yields goes to the run's landing file."""

from __future__ import annotations

from pathlib import Path

from newsmon.pipeline.runfiles import append_record


class LandingZonePipeline:
    def __init__(self, path: str):
        if not path:
            raise ValueError("NEWSMON_LANDING_FILE is not set; run crawls through newsmon.crawlers.run")
        self.path = Path(path)
        self.stream = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("NEWSMON_LANDING_FILE"))

    def open_spider(self, spider=None):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.stream = self.path.open("a", encoding="utf-8")

    def close_spider(self, spider=None):
        if self.stream:
            self.stream.close()

    def process_item(self, item, spider=None):
        append_record(item, self.stream)
        self.stream.flush()  # the parent process follows the file to show progress
        return item
