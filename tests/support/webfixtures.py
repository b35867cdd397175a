"""Real HTTP servers on loopback addresses that misbehave on purpose, and a crawl of them."""

from __future__ import annotations

import os
import random
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from newsmon.jobs import crawler_command
from newsmon.pipeline.models import CrawlOutcome, CrawlSummary, FetchedPage
from newsmon.pipeline.runfiles import read_records

SUPPORT = Path(__file__).resolve().parent


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html"})


Route = Reply | Callable[[BaseHTTPRequestHandler], Reply]


class Site:
    """One server: routes by path; every request it gets is recorded."""

    def __init__(self, host: str, routes: dict[str, Route], port: int = 0):
        self.routes = routes
        self.requests: list[str] = []
        self.sent: list[tuple[str, int, int]] = []  # (path, status, body bytes)
        self.arrivals: list[tuple[str, float]] = []  # (path, time.monotonic() on arrival)
        self.active = self.max_active = 0  # requests being answered now, and the most at once
        lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                with lock:
                    site.requests.append(self.path)
                    site.arrivals.append((self.path, time.monotonic()))
                    site.active += 1
                    site.max_active = max(site.max_active, site.active)
                try:
                    self._answer()
                finally:
                    with lock:
                        site.active -= 1

            def _answer(self) -> None:
                route = site.routes.get(self.path.split("?")[0], Reply(404, b"not found"))
                reply = route(self) if callable(route) else route
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if "Content-Length" not in reply.headers:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
                site.sent.append((self.path, reply.status, len(reply.body)))

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.host, self.port = host, self.server.server_address[1]
        self.base = f"http://{host}:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def gaps(self, prefix: str) -> list[float]:
        """Seconds between the arrivals of successive requests whose path starts with prefix."""
        times = [t for path, t in self.arrivals if path.startswith(prefix)]
        return [b - a for a, b in zip(times, times[1:], strict=False)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def serve(host: str, routes: dict[str, Route] | None = None, port: int = 0) -> Iterator[Site]:
    site = Site(host, routes if routes is not None else {}, port)
    try:
        yield site
    finally:
        site.close()


def article_page(title: str, words: int = 200) -> bytes:
    body = " ".join(f"word{i}" for i in range(words))
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"<p>{body}.</p><p>{body}.</p></article></body></html>"
    ).encode()


def distinct_page(title: str, words: int = 200) -> bytes:
    """An article page whose text shares next to nothing with any other title's: not a copy."""
    rng = random.Random(title)
    body = " ".join(f"w{rng.randrange(1_000_000)}" for _ in range(words))
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"<p>{body}.</p></article></body></html>"
    ).encode()


def sitemap(*locs: str) -> bytes:
    urls = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    return (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{urls}</urlset>"
    ).encode()


def rss(*links: str) -> bytes:
    items = "".join(
        f"<item><title>Item {n}</title><link>{link}</link></item>" for n, link in enumerate(links)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'
    ).encode()


@dataclass
class Crawl:
    records: list[Any]

    @property
    def outcomes(self) -> dict[str, tuple[str, str]]:
        return {
            r.url: (str(r.outcome), r.reason) for r in self.records if isinstance(r, CrawlOutcome)
        }

    @property
    def pages(self) -> dict[str, FetchedPage]:
        return {r.url: r for r in self.records if isinstance(r, FetchedPage)}

    @property
    def summary(self) -> CrawlSummary | None:
        found = [r for r in self.records if isinstance(r, CrawlSummary)]
        return found[-1] if found else None


def crawl(
    tmp: Path,
    sources: list[dict[str, Any]],
    defaults: dict[str, Any] | None = None,
    settings: dict[str, str] | None = None,
    state: Path | None = None,
    timeout: float = 120,
    queries: list[str] | None = None,
    crawl_block: dict[str, Any] | None = None,
) -> Crawl:
    """One crawl of these sources by the real crawler, in a subprocess as newsmon runs it."""
    tmp.mkdir(parents=True, exist_ok=True)
    sources_file = tmp / "sources.yaml"
    document = {"defaults": defaults or {}, "sources": sources}
    if crawl_block:
        document["crawl"] = crawl_block
    sources_file.write_text(yaml.safe_dump(document))
    out = tmp / "crawl.jsonl"
    cmd = crawler_command(sources_file, out, state, queries or [], "WARNING", settings)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(SUPPORT), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    }
    subprocess.run(cmd, check=True, capture_output=True, timeout=timeout, env=env, cwd=tmp)
    return Crawl(list(read_records(out)))
