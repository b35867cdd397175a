"""A farm of news sites for crawl benchmarks: one HTTP/1.1 server (keep-alive) per loopback
address, each with a robots.txt, an RSS feed of its articles and the article pages, all made
in advance so that serving costs as little as possible. It runs in its own process, so its
CPU is not the crawler's (both still share the machine's cores, for every crawler alike).

    python bench/_webfarm.py HOSTS PAGES_PER_HOST PORT   # prints "ready" when listening
"""

from __future__ import annotations

import asyncio
import random
import sys

FIRST_HOST = 150  # 127.0.0.150 and up: clear of the test suite's addresses
WORDS = (
    "north korea russia engineers deminers kursk troops intelligence service seoul moscow "
    "pyongyang bridge railway minefield report officials lawmakers briefing estimate ministry "
    "defence agency border region satellite imagery analysts construction workers ukraine war"
).split()


def hosts(count: int) -> list[str]:
    return [f"127.0.0.{FIRST_HOST + n}" for n in range(count)]


def page_urls(count: int, per_host: int, port: int) -> list[str]:
    return [f"http://{h}:{port}/a/{n}.html" for h in hosts(count) for n in range(per_host)]


def feed_urls(count: int, port: int) -> list[str]:
    return [f"http://{h}:{port}/feed.xml" for h in hosts(count)]


def sources_document(count: int, port: int) -> dict:
    """A sources file for the farm's `count` sites: one feed each, loopback allowed."""
    return {
        "defaults": {"allow_networks": ["127.0.0.0/8"]},
        "sources": [
            {"id": h, "url": u} for h, u in zip(hosts(count), feed_urls(count, port), strict=True)
        ],
    }


def _article(host: str, n: int) -> bytes:
    """About 24 KB of HTML, 650 words of text, navigation and boilerplate around them."""
    rng = random.Random(f"{host}/{n}")
    paragraphs = "".join(
        "<p>" + " ".join(rng.choice(WORDS) + str(rng.randrange(500)) for _ in range(65)) + ".</p>"
        for _ in range(10)
    )
    nav = "".join(f'<li><a href="/section/{k}">Section {k}</a></li>' for k in range(60))
    related = "".join(
        f'<li><a href="/a/{rng.randrange(1000)}.html">Related story {k}</a></li>' for k in range(40)
    )
    script = "<script>var config = {" + ",".join(f'"k{k}": {k}' for k in range(300)) + "};</script>"
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Story {n} on {host}"
        f"</title><meta property='article:published_time' content='2025-06-17T06:10:00+09:00'>"
        f"<link rel='canonical' href='http://{host}/a/{n}.html'>{script}</head><body>"
        f"<header><nav><ul>{nav}</ul></nav></header><main><article><h1>Story {n}</h1>"
        f"{paragraphs}</article><aside><ul>{related}</ul></aside></main>"
        f"<footer>Copyright {host}</footer></body></html>"
    ).encode()


def _feed(host: str, port: int, per_host: int) -> bytes:
    items = "".join(
        f"<item><title>Story {n}</title><link>http://{host}:{port}/a/{n}.html</link>"
        f"<pubDate>Tue, 17 Jun 2025 06:10:00 +0900</pubDate></item>"
        for n in range(per_host)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{host}</title>{items}'
        "</channel></rss>"
    ).encode()


def _response(body: bytes, content_type: str) -> bytes:
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        "Connection: keep-alive\r\n\r\n"
    ).encode()
    return head + body


NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n"


async def _serve(host: str, port: int, per_host: int) -> asyncio.Server:
    routes = {f"/a/{n}.html": _response(_article(host, n), "text/html") for n in range(per_host)}
    routes["/feed.xml"] = _response(_feed(host, port, per_host), "application/rss+xml")
    routes["/robots.txt"] = _response(b"User-agent: *\nDisallow: /private/\n", "text/plain")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode("latin-1")
                writer.write(routes.get(path, NOT_FOUND))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(handle, host, port, backlog=512)


async def main(count: int, per_host: int, port: int) -> None:
    servers = [await _serve(h, port, per_host) for h in hosts(count)]
    print("ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])))
