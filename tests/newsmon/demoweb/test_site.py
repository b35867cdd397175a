"""The demo web is part of the product: it must hold what the README promises."""

import socket
from datetime import timedelta
from urllib.error import HTTPError
from urllib.request import urlopen

import feedparser
import pytest

from newsmon.demoweb.server import serve_demo_web
from newsmon.demoweb.site import DemoSite


@pytest.fixture(scope="module")
def site():
    return DemoSite()


def test_size_and_story_span(site):
    assert len(site.outlets) >= 8
    assert len(site.articles) >= 60
    story = site.story_articles()
    assert len(story) >= 20
    span = max(a.published for a in story) - min(a.published for a in story)
    assert span >= timedelta(weeks=4)
    assert len({a.outlet for a in story}) >= 6


def test_it_holds_the_cases_the_pipeline_must_handle(site):
    assert sum(1 for a in site.articles if a.copy_of and not a.unchanged_copy) >= 5  # edited copies
    assert any(a.unchanged_copy for a in site.articles)  # verbatim copy
    assert sum(1 for a in site.articles if a.lookalike) >= 5
    kinds = {f["kind"] for o in site.outlets.values() for f in o.feeds}
    assert kinds == {"rss", "atom", "sitemap"}
    quirks = {q for o in site.outlets.values() for q in o.quirks}
    assert {
        "tracking_links",
        "amp_links",
        "unescaped_ampersand_feed",
        "robots_members",
        "dead_link",
        "hostile_redirect",
        "html_served_as_feed",
    } <= quirks
    assert any(o.encoding != "utf-8" for o in site.outlets.values())


def test_served_over_http(demo_web):
    kws = demo_web.site.outlets["kws"].base_url
    feed = feedparser.parse(urlopen(kws + "/rss/world.xml").read())
    assert not feed.bozo and len(feed.entries) == len(demo_web.site.by_outlet("kws"))
    assert b"Disallow" in urlopen(kws + "/robots.txt").read()
    with pytest.raises(HTTPError) as err:
        urlopen(kws + "/no/such/page")
    assert err.value.code == 404
    search = feedparser.parse(
        urlopen(demo_web.site.search_base_url + "/search?q=deminers+kursk").read()
    )
    expected = demo_web.site.search_hits("deminers kursk")
    assert expected, "the query must match something for this check to mean anything"
    assert [(e.title, e.link) for e in search.entries] == [
        (a.title, demo_web.site.url_of(a)) for a in expected
    ]
    for article in expected:  # every hit holds every word, and is an original
        text = (article.title + " " + " ".join(article.paragraphs)).lower()
        assert "deminers" in text and "kursk" in text and not article.copy_of


def test_fixed_port_gives_outlet_i_port_plus_i():
    with socket.socket() as probe:
        probe.bind(("127.0.0.20", 0))
        base = probe.getsockname()[1]
    if base + 20 > 65535:
        base -= 100
    with serve_demo_web(port=base) as web:
        ports = [int(o.base_url.rsplit(":", 1)[1]) for o in web.site.outlets.values()]
        assert ports == [base + i for i in range(len(ports))]
