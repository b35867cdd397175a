"""The Scrapy crawler against the demo web served on 127.0.0.x: real HTTP, real Scrapy."""

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

from newsmon.jobs import crawler_command
from newsmon.pipeline.models import CrawlOutcome, CrawlSummary, FeedState, FetchedPage
from newsmon.pipeline.runfiles import read_records

REPO = Path(__file__).resolve().parents[2]


def crawl(sources: Path, out: Path, state: dict | None = None) -> list:
    state_file = None
    if state is not None:
        state_file = out.with_suffix(".state.json")
        state_file.write_text(json.dumps(state))
    cmd = crawler_command(sources, out, state_file, ["North Korea engineers Russia"], "WARNING")
    subprocess.run(cmd, check=True, cwd=out.parent, capture_output=True, timeout=300)
    return list(read_records(out))


@pytest.fixture(scope="module")
def first_crawl(demo_sources, tmp_path_factory):
    return crawl(demo_sources, tmp_path_factory.mktemp("crawl") / "crawl.jsonl")


def _outcomes(records):
    return {r.url: r for r in records if isinstance(r, CrawlOutcome)}


def test_every_broken_input_is_recorded_with_its_reason(first_crawl, demo_web):
    site = demo_web.site
    outcomes = _outcomes(first_crawl)
    reasons = Counter(o.reason for o in outcomes.values() if o.outcome == "rejected")
    assert reasons["robots"] == 1  # Capital Times /members/
    assert reasons["http_error:404"] == 2  # a dead feed and a dead feed link
    assert reasons["blocked_address"] == 1  # redirect to 169.254.169.254
    assert reasons["timeout"] == 1  # Metro Daily's slow page
    assert reasons["too_large"] == 1  # Metro Daily's huge page
    assert sum(n for r, n in reasons.items() if r.startswith("feed_parse_error")) == 1
    eurasia = outcomes[site.outlets["eurasia-report"].base_url + "/rss.xml"]
    assert eurasia.outcome == "source" and "recovered_from" in eurasia.detail  # damaged, not lost
    members = site.outlets["capital-times"].base_url + "/members/analysis-pyongyang-moscow-pact"
    assert outcomes[members].reason == "robots"
    assert "/members/" not in " ".join(demo_web.hits("capital-times"))  # never even asked


def test_pages_feeds_and_state(first_crawl, demo_web):
    pages = [r for r in first_crawl if isinstance(r, FetchedPage)]
    states = [r for r in first_crawl if isinstance(r, FeedState)]
    reachable = [a for a in demo_web.site.articles if a.reachable]
    amp_twins = len(demo_web.site.by_outlet("pacific-monitor"))
    assert len(pages) == len(reachable) + amp_twins
    assert all(p.status == 200 and p.body for p in pages)
    assert all(s.etag for s in states)
    # Search-feed results are credited to the outlet that published them.
    assert "newswire-search" not in {p.source for p in pages}
    german = next(p for p in pages if "nordkorea-pioniere" in p.url)
    assert german.encoding.lower() in ("iso-8859-1", "cp1252", "windows-1252")
    assert "Minenräumer" in german.body
    cafe = next(p for p in pages if "cafe-review" in p.url)
    assert "Côté" in cafe.body and "“secret is the rest”" in cafe.body


def test_second_crawl_with_state_is_conditional_and_skips_seen(first_crawl, demo_sources, tmp_path):
    states = {
        r.url: {"url": r.url, "etag": r.etag, "last_modified": r.last_modified}
        for r in first_crawl
        if isinstance(r, FeedState)
    }
    seen = [r.url for r in first_crawl if isinstance(r, FetchedPage)]
    again = crawl(demo_sources, tmp_path / "crawl.jsonl", {"feeds": states, "seen_urls": seen})
    counts = Counter(r.outcome for r in again if isinstance(r, CrawlOutcome))
    assert counts["not_modified"] == len(states)
    assert not [r for r in again if isinstance(r, FetchedPage)]
    # Without validators the feeds are read again, but known article URLs are not fetched.
    again = crawl(demo_sources, tmp_path / "crawl2.jsonl", {"feeds": {}, "seen_urls": seen})
    counts = Counter(r.outcome for r in again if isinstance(r, CrawlOutcome))
    assert counts["seen"] == len(seen) and not [r for r in again if isinstance(r, FetchedPage)]


def test_loopback_is_refused_unless_a_source_allows_it(demo_sources, tmp_path):
    doc = yaml.safe_load(demo_sources.read_text())
    doc["defaults"].pop("allow_networks")
    doc["sources"] = doc["sources"][:2]
    strict = tmp_path / "strict.yaml"
    strict.write_text(yaml.safe_dump(doc))
    records = crawl(strict, tmp_path / "crawl.jsonl")
    outcomes = [r for r in records if isinstance(r, CrawlOutcome)]
    assert [(r.outcome, r.reason) for r in outcomes] == [("rejected", "blocked_address")] * 2


def test_unreachable_source_is_an_outcome_not_a_crash(tmp_path):
    sources = tmp_path / "dead.yaml"
    sources.write_text(
        yaml.safe_dump(
            {
                "defaults": {"allow_networks": ["127.0.0.0/8"], "timeout": 2},
                "sources": [{"id": "dead", "url": "http://127.0.0.1:9/rss.xml"}],
            }
        )
    )
    outcome, summary = crawl(sources, tmp_path / "crawl.jsonl")
    assert (outcome.outcome, outcome.reason) == ("rejected", "connection_refused")
    assert summary == CrawlSummary(urls_met=1, finish_reason="finished", complete=True)
