"""The offline demo news web: outlets, articles, feeds and sitemaps rendered from content/*.yaml.

Rendering is separate from serving (server.py) so that tests can ask the site what it holds
(how many story articles, which pages are broken on purpose) and compare with what the
pipeline made of it.
"""

from __future__ import annotations

import hashlib
import html
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from importlib import resources
from urllib.parse import parse_qs, urlsplit

import yaml

CONTENT = resources.files(__package__) / "content"

# Query parameters that the Seoul Daily Herald's feed appends, as real feeds do.
TRACKING_QUERY = "?utm_source=rss&utm_medium=feed&utm_campaign=world"
METADATA_ADDRESS = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"


@dataclass
class Outlet:
    id: str
    name: str
    template: str
    feeds: list[dict]
    quirks: list[str] = field(default_factory=list)
    language: str = "en"
    encoding: str = "utf-8"
    wire: bool = False
    base_url: str = ""


@dataclass
class DemoArticle:
    id: str
    outlet: str
    path: str
    published: datetime
    author: str
    title: str
    paragraphs: list[str]
    story: bool = False  # part of the seed story
    lookalike: bool = False
    quirk: str = ""
    copy_of: str = ""  # for syndicated copies: the id of the wire original
    unchanged_copy: bool = False  # syndicated word for word

    @property
    def reachable(self) -> bool:
        """Whether a polite crawler can fetch and index it at all."""
        return self.quirk not in ("slow_page", "huge_page") and not self.path.startswith(
            "/members/"
        )


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    cacheable: bool = True


def _load(name: str) -> list[dict]:
    return yaml.safe_load((CONTENT / name).read_text(encoding="utf-8"))


def _paragraphs(body: str) -> list[str]:
    return [" ".join(p.split()) for p in body.strip().split("\n\n") if p.strip()]


def _expand(raw: dict, story: bool) -> list[DemoArticle]:
    original = DemoArticle(
        id=raw["id"],
        outlet=raw["outlet"],
        path=raw["path"],
        published=datetime.fromisoformat(str(raw["published"])),
        author=raw["author"],
        title=raw["title"],
        paragraphs=_paragraphs(raw["body"]),
        story=story,
        lookalike=bool(raw.get("lookalike")),
        quirk=raw.get("quirk", ""),
    )
    out = [original]
    for n, syn in enumerate(raw.get("syndicated_by", []), 1):
        paragraphs = list(original.paragraphs)
        if syn.get("drop_last"):
            paragraphs = paragraphs[: -int(syn["drop_last"])]
        for old, new in (syn.get("replace") or {}).items():
            paragraphs = [p.replace(old, new) for p in paragraphs]
        if syn.get("append"):
            paragraphs.append(syn["append"])
        out.append(
            DemoArticle(
                id=f"{original.id}~{syn['outlet']}",
                outlet=syn["outlet"],
                path=syn["path"],
                published=original.published + timedelta(hours=syn.get("delay_hours", n)),
                author=syn.get("author", original.author),
                title=syn.get("title", original.title),
                paragraphs=paragraphs,
                story=story,
                lookalike=original.lookalike,
                copy_of=original.id,
                unchanged_copy=bool(syn.get("unchanged")),
            )
        )
    return out


class DemoSite:
    """All outlets and articles of the demo web, and the responses for every URL."""

    def __init__(self) -> None:
        self.outlets = {o["id"]: Outlet(**o) for o in _load("outlets.yaml")}
        self.articles: list[DemoArticle] = []
        for raw in _load("story_articles.yaml"):
            self.articles.extend(_expand(raw, story=True))
        for raw in _load("other_articles.yaml"):
            self.articles.extend(_expand(raw, story=False))
        self.search_base_url = ""

    # -- what the site holds, for tests and the demo summary ---------------------------------
    def by_outlet(self, outlet_id: str) -> list[DemoArticle]:
        arts = [a for a in self.articles if a.outlet == outlet_id]
        return sorted(arts, key=lambda a: a.published, reverse=True)

    def story_articles(self) -> list[DemoArticle]:
        return [a for a in self.articles if a.story]

    def url_of(self, article: DemoArticle) -> str:
        return self.outlets[article.outlet].base_url + article.path

    # -- routing ------------------------------------------------------------------------------
    def respond(self, outlet_id: str | None, raw_path: str) -> Response:
        parts = urlsplit(raw_path)
        path = parts.path
        if outlet_id is None:
            return self._search(parse_qs(parts.query))
        outlet = self.outlets[outlet_id]
        if path == "/robots.txt":
            return Response(200, self._robots(outlet).encode(), "text/plain")
        if path == "/":
            return self._page(outlet, self._front(outlet))
        for feed in outlet.feeds:
            if feed["path"] == path:
                return self._feed(outlet, feed)
        if path.startswith("/go/") and "hostile_redirect" in outlet.quirks:
            return Response(302, headers={"Location": METADATA_ADDRESS}, cacheable=False)
        if path.startswith("/amp/"):
            art = self._article_at(outlet, path[len("/amp") :])
            if art:
                return self._page(outlet, self._article_html(outlet, art, amp=True))
        art = self._article_at(outlet, path)
        if art is None:
            return Response(404, self._not_found(outlet).encode())
        if art.quirk == "huge_page":
            return self._page(outlet, self._huge_html(outlet, art))
        if art.quirk == "slow_page":
            resp = self._page(outlet, self._article_html(outlet, art))
            resp.delay = 4.0
            return resp
        if art.quirk == "mislabelled_encoding":
            # Bytes in windows-1252, no charset in the header: only the meta tag says so.
            page = self._article_html(outlet, art, charset="windows-1252")
            return Response(200, page.encode("cp1252"), "text/html")
        return self._page(outlet, self._article_html(outlet, art))

    def _article_at(self, outlet: Outlet, path: str) -> DemoArticle | None:
        for art in self.articles:
            if art.outlet == outlet.id and art.path == path:
                return art
        return None

    def _page(self, outlet: Outlet, page: str) -> Response:
        charset = outlet.encoding
        return Response(200, page.encode(charset), f"text/html; charset={charset}")

    # -- feeds --------------------------------------------------------------------------------
    def feed_items(self, outlet: Outlet) -> list[tuple[DemoArticle | None, str, str, datetime]]:
        """(article, link, title, published) for every item the outlet's feeds list."""
        items: list[tuple[DemoArticle | None, str, str, datetime]] = []
        for art in self.by_outlet(outlet.id):
            link = outlet.base_url + art.path
            if "tracking_links" in outlet.quirks:
                link += TRACKING_QUERY
            if "amp_links" in outlet.quirks:
                link = outlet.base_url + "/amp" + art.path
            items.append((art, link, art.title, art.published))
        if "dead_link" in outlet.quirks:
            items.append(
                (
                    None,
                    outlet.base_url + "/international/retracted-report",
                    "Retracted: report on border incident",
                    datetime(2025, 7, 9, 12, 0, tzinfo=UTC),
                )
            )
        if "hostile_redirect" in outlet.quirks:
            items.append(
                (
                    None,
                    outlet.base_url + "/go/exclusive-interview",
                    "Exclusive interview (sponsored)",
                    datetime(2025, 7, 20, 9, 0, tzinfo=UTC),
                )
            )
        return items

    def _feed(self, outlet: Outlet, feed: dict) -> Response:
        if feed["path"].endswith("archive-2019.xml"):
            return Response(404, self._not_found(outlet).encode())
        if feed["path"].endswith("breaking.xml"):
            # What a misconfigured CDN sends: an HTML error page, status 200.
            page = (
                "<html><body><h1>Service temporarily unavailable</h1><p>Try again later "
                "<b>unclosed</body>"
            )
            return Response(200, page.encode(), "application/rss+xml")
        kind = feed["kind"]
        if kind == "sitemap":
            return Response(200, self._sitemap(outlet).encode(), "application/xml")
        if kind == "atom":
            return Response(200, self._atom(outlet, feed).encode(), "application/atom+xml")
        body = self._rss(outlet, feed)
        return Response(
            200, body.encode(outlet.encoding), f"application/rss+xml; charset={outlet.encoding}"
        )

    def _rss(self, outlet: Outlet, feed: dict) -> str:
        sloppy = "unescaped_ampersand_feed" in outlet.quirks

        def text(s: str) -> str:
            # The Eurasia Report's CMS forgets to escape ampersands; feedparser must cope.
            return s if sloppy else html.escape(s, quote=False)

        items = []
        for art, link, title, published in self.feed_items(outlet):
            summary = art.paragraphs[0] if art else ""
            author = f"<dc:creator>{text(art.author)}</dc:creator>" if art else ""
            items.append(
                f"<item><title>{text(title)}</title><link>{html.escape(link)}</link>"
                f'<guid isPermaLink="false">{outlet.id}-'
                f"{hashlib.md5(link.encode()).hexdigest()[:12]}</guid>"
                f"<pubDate>{format_datetime(published.astimezone(UTC), usegmt=True)}</pubDate>"
                f"{author}<description>{text(summary)}</description></item>"
            )
        return (
            f'<?xml version="1.0" encoding="{outlet.encoding}"?>\n'
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<channel><title>{html.escape(outlet.name)}</title>"
            f"<link>{outlet.base_url}/</link><description>Latest from {html.escape(outlet.name)}"
            f"</description><language>{outlet.language}</language>"
            + "".join(items)
            + "</channel></rss>\n"
        )

    def _atom(self, outlet: Outlet, feed: dict) -> str:
        entries = []
        items = self.feed_items(outlet)
        for art, link, title, published in items:
            stamp = published.astimezone(UTC).isoformat()
            entries.append(
                f"<entry><title>{html.escape(title)}</title>"
                f'<link rel="alternate" href="{html.escape(link)}"/>'
                f"<id>tag:{outlet.id}.example,2025:{hashlib.md5(link.encode()).hexdigest()[:12]}</id>"
                f"<updated>{stamp}</updated><published>{stamp}</published>"
                f"<author><name>{html.escape(art.author if art else outlet.name)}</name></author>"
                f"<summary>{html.escape(art.paragraphs[0] if art else '')}</summary></entry>"
            )
        updated = max(p for *_, p in items).astimezone(UTC).isoformat()
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{html.escape(outlet.name)}</title><id>tag:{outlet.id}.example,2025:feed</id>"
            f'<link rel="self" href="{outlet.base_url}{feed["path"]}"/>'
            f"<updated>{updated}</updated>" + "".join(entries) + "</feed>\n"
        )

    def _sitemap(self, outlet: Outlet) -> str:
        urls = []
        for art in self.by_outlet(outlet.id):
            urls.append(
                f"<url><loc>{html.escape(outlet.base_url + art.path)}</loc><news:news>"
                f"<news:publication><news:name>{html.escape(outlet.name)}</news:name>"
                f"<news:language>{outlet.language}</news:language></news:publication>"
                f"<news:publication_date>{art.published.isoformat()}</news:publication_date>"
                f"<news:title>{html.escape(art.title)}</news:title></news:news></url>"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
            + "".join(urls)
            + "</urlset>\n"
        )

    def search_hits(self, query: str) -> list[DemoArticle]:
        """What the search service answers for a query: at most 20 originals, newest first."""
        terms = [t.strip('"') for t in query.lower().split() if t.strip('"')]
        hits = []
        for art in sorted(self.articles, key=lambda a: a.published, reverse=True):
            haystack = (art.title + " " + " ".join(art.paragraphs)).lower()
            if terms and all(t in haystack for t in terms) and art.reachable and not art.copy_of:
                hits.append(art)
        return hits[:20]

    def _search(self, query: dict[str, list[str]]) -> Response:
        """A news search service answering RSS, like the search feeds of news aggregators."""
        q = (query.get("q") or [""])[0].lower()
        hits = self.search_hits(q)
        items = "".join(
            f"<item><title>{html.escape(a.title)}</title><link>{html.escape(self.url_of(a))}</link>"
            f"<pubDate>{format_datetime(a.published.astimezone(UTC), usegmt=True)}</pubDate>"
            f'<source url="{self.outlets[a.outlet].base_url}/">'
            f"{html.escape(self.outlets[a.outlet].name)}</source>"
            "</item>"
            for a in hits
        )
        body = (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>News search: {html.escape(q)}</title><link>{self.search_base_url}/</link>"
            f"<description>Search results</description>{items}</channel></rss>\n"
        )
        return Response(200, body.encode(), "application/rss+xml; charset=utf-8")

    # -- pages --------------------------------------------------------------------------------
    def _robots(self, outlet: Outlet) -> str:
        lines = ["User-agent: *", "Disallow: /search", "Disallow: /admin/"]
        if "robots_members" in outlet.quirks:
            lines.append("Disallow: /members/")
        return "\n".join(lines) + "\n"

    def _chrome(
        self, outlet: Outlet, title: str, inner: str, head: str = "", charset: str | None = None
    ) -> str:
        """The outlet's page around the content: navigation, sidebars and footers, which an
        extractor must leave out."""
        charset = charset or outlet.encoding
        sections = {
            "wire": ["Top news", "Politics", "North Korea", "Economy", "Photos"],
            "classic": ["World", "Politics", "Business", "Sport", "Culture", "Opinion"],
            "magazine": ["Latest", "Analysis", "Asia", "Europe", "Podcasts"],
        }[outlet.template]
        nav = "".join(
            f'<li><a href="/{s.lower().replace(" ", "-")}/">{s}</a></li>' for s in sections
        )
        most_read = "".join(
            f'<li><a href="{a.path}">{html.escape(a.title)}</a></li>'
            for a in self.by_outlet(outlet.id)[:5]
        )
        return (
            f'<!DOCTYPE html><html lang="{outlet.language}"><head><meta charset="{charset}">'
            f"<title>{html.escape(title)} | {html.escape(outlet.name)}</title>{head}"
            '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>'
            f'<div class="cookie-banner">We use cookies to improve your experience. '
            f"<button>Accept all</button></div>"
            f'<header><a class="logo" href="/">{html.escape(outlet.name)}</a>'
            f"<nav><ul>{nav}</ul></nav>"
            f'<form action="/search"><input name="q" placeholder="Search"></form></header>'
            f"<main>{inner}<aside><h2>Most read</h2><ol>{most_read}</ol>"
            '<div class="newsletter">Sign up for our morning newsletter.</div></aside></main>'
            f"<footer><p>&copy; 2025 {html.escape(outlet.name)}. All rights reserved.</p>"
            '<ul><li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li>'
            '<li><a href="/privacy">Privacy policy</a></li></ul></footer></body></html>'
        )

    def _article_html(
        self, outlet: Outlet, art: DemoArticle, amp: bool = False, charset: str | None = None
    ) -> str:
        canonical = outlet.base_url + art.path
        stamp = art.published.isoformat()
        head = (
            f'<link rel="canonical" href="{html.escape(canonical)}">'
            f'<meta property="og:title" content="{html.escape(art.title)}">'
            '<meta property="og:type" content="article">'
            f'<meta property="og:site_name" content="{html.escape(outlet.name)}">'
            f'<meta property="article:published_time" content="{stamp}">'
            f'<meta name="author" content="{html.escape(art.author)}">'
        )
        if "amp_links" in outlet.quirks and not amp:
            head += f'<link rel="amphtml" href="{outlet.base_url}/amp{art.path}">'
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in art.paragraphs)
        related = "".join(
            f'<li><a href="{a.path}">{html.escape(a.title)}</a></li>'
            for a in self.by_outlet(outlet.id)[5:8]
        )
        inner = (
            f"<article><h1>{html.escape(art.title)}</h1>"
            f'<p class="byline">By {html.escape(art.author)} &middot; '
            f'<time datetime="{stamp}">{art.published:%d %B %Y %H:%M}</time></p>'
            f'<div class="article-body">{paragraphs}</div>'
            '<div class="share">Share on social media</div></article>'
            f'<section class="related"><h2>Related</h2><ul>{related}</ul></section>'
        )
        return self._chrome(outlet, art.title, inner, head, charset)

    def _huge_html(self, outlet: Outlet, art: DemoArticle) -> str:
        rng = random.Random(art.id)
        rows = "".join(
            f"<tr><td>APP/{n:06d}</td><td>{rng.randint(1, 400)} High Street</td>"
            f"<td>{rng.choice(['Extension', 'Change of use', 'New dwelling', 'Signage'])}</td></tr>"
            for n in range(40_000)
        )
        return self._chrome(
            outlet, art.title, f"<article><h1>{art.title}</h1><table>{rows}</table></article>"
        )

    def _front(self, outlet: Outlet) -> str:
        items = "".join(
            f'<li><a href="{a.path}">{html.escape(a.title)}</a></li>'
            for a in self.by_outlet(outlet.id)
        )
        return self._chrome(outlet, outlet.name, f"<section><ul>{items}</ul></section>")

    def _not_found(self, outlet: Outlet) -> str:
        return self._chrome(outlet, "Page not found", "<h1>Page not found</h1>")
