"""Who published an article: the outlet configured for its URL (the longest path prefix on its
host), then the feed that listed it; a search or aggregator feed never. Real servers, the real
crawler; the credit is the `source` of each fetched page."""

from __future__ import annotations

from webfixtures import Reply, article_page, crawl, rss, serve

XML = {"Content-Type": "application/xml"}


def test_each_article_is_credited_to_its_publisher_never_to_an_aggregator(tmp_path):
    with (
        serve("127.0.0.111") as paper,
        serve("127.0.0.112") as aggregator,
        serve("127.0.0.113") as unlisted,
    ):
        p, u = paper.base, unlisted.base
        paper.routes.update(
            {
                "/rss.xml": Reply(200, rss(p + "/world/a", p + "/sport/b"), XML),  # site-wide
                "/sport/rss.xml": Reply(200, rss(p + "/sport/c", p + "/world/e"), XML),
                "/wire.xml": Reply(200, rss(p + "/world/f"), XML),  # a second root feed
                **{path: Reply(200, article_page(path)) for path in ("/world/a", "/sport/b")},
                **{path: Reply(200, article_page(path)) for path in ("/sport/c", "/world/d")},
                **{path: Reply(200, article_page(path)) for path in ("/world/e", "/world/f")},
            }
        )
        aggregator.routes["/top.xml"] = Reply(200, rss(p + "/world/d", u + "/x", p + "/b"), XML)
        unlisted.routes["/x"] = Reply(200, article_page("x"))
        paper.routes["/b"] = Reply(200, article_page("b"))
        result = crawl(
            tmp_path,
            [
                {"id": "paper", "url": p + "/rss.xml"},
                {"id": "paper-sport", "url": p + "/sport/rss.xml"},
                {"id": "paper-wire", "url": p + "/wire.xml"},
                {"id": "agg", "kind": "aggregator", "url": aggregator.base + "/top.xml"},
            ],
            defaults={"allow_networks": ["127.0.0.0/8"]},
        )
    credited = {
        url.split(":", 2)[2].split("/", 1)[1]: page.source for url, page in result.pages.items()
    }
    assert credited == {
        "world/a": "paper",
        "sport/b": "paper-sport",  # the longer prefix wins over the site-wide feed that listed it
        "sport/c": "paper-sport",
        "world/e": "paper",  # listed by the sport feed, but not under its folder
        "world/f": "paper-wire",  # two outlets at the root: the one whose feed listed it
        "world/d": "paper",  # listed by the aggregator, published by the paper
        "b": "paper",  # on the paper's host, no section: the paper, first listed
        "x": "127.0.0.113",  # a site nobody configured: its host, never "agg"
    }
    assert result.summary is not None and result.summary.complete
