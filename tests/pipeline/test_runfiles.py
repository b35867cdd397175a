"""Every run file goes through one module, as typed records, and reads back as it was."""

from __future__ import annotations

from newsmon.pipeline.models import (
    Article,
    Claim,
    CrawlOutcome,
    CrawlState,
    CrawlSummary,
    Entity,
    FeedState,
    FetchedPage,
    Outcome,
    StoryMatch,
)
from newsmon.pipeline.runfiles import (
    RunFiles,
    append_record,
    last_record,
    read_articles,
    read_crawl_state,
    read_records,
    write_crawl_state,
    write_records,
)


def _records():
    article = Article(
        id="a1",
        url="https://e.org/a",
        canonical_url="https://e.org/a",
        source="kws",
        source_name="KWS",
        title="Título",
        text="Body ☃",
        fetched_at="2025-09-01T00:00:00Z",
        entities=[Entity("NIS", "ORG")],
        claims=[Claim(5000.0, "engineers", "s", "NIS", "Yonhap")],
        stories=[StoryMatch("s1", 0.9)],
        minhash=[1, 2],
        duplicate_of="a0",
    )
    page = FetchedPage(
        url="https://e.org/a",
        final_url="https://e.org/a",
        status=200,
        body="<html>é</html>",
        encoding="utf-8",
        fetched_at="2025-09-01T00:00:00Z",
        source="kws",
        source_name="KWS",
    )
    return [
        page,
        CrawlOutcome("https://e.org/rss", Outcome.SOURCE_READ, detail="3 entries"),
        FeedState("https://e.org/rss", '"etag"', "Mon, 01 Sep 2025 00:00:00 GMT"),
        article,
        CrawlSummary(urls_met=2, finish_reason="finished", complete=True),
    ]


def test_records_round_trip(tmp_path):
    path = tmp_path / "processed.jsonl"
    assert write_records(path, _records()) == 5
    back = list(read_records(path))
    assert back == _records()
    assert isinstance(back[1].outcome, Outcome)
    assert not list(tmp_path.glob("*.tmp"))  # written whole, then renamed


def test_a_torn_last_line_is_skipped(tmp_path):
    path = tmp_path / "crawl.jsonl"
    with path.open("w") as stream:
        for record in _records()[:3]:
            append_record(record, stream)
        stream.write('{"type": "FetchedPage", "url": "https://e.org/b", "fin')
    assert list(read_records(path)) == _records()[:3]


def test_dead_letters_from_before_the_type_key_still_read(tmp_path):
    path = tmp_path / "dead-letter.jsonl"
    legacy = _records()[3].to_document()
    import json

    path.write_text(json.dumps(legacy) + "\n")
    assert read_articles(path) == [_records()[3]]
    assert read_articles(tmp_path / "none.jsonl") == []


def test_crawl_state_and_run_paths(tmp_path):
    state = CrawlState(
        feeds={"https://e.org/rss": FeedState("https://e.org/rss", "e", "")},
        seen_urls=["https://e.org/a"],
    )
    write_crawl_state(tmp_path / "s.json", state)
    assert read_crawl_state(tmp_path / "s.json") == state
    assert read_crawl_state(tmp_path / "missing.json") == CrawlState()
    files = RunFiles.of(tmp_path / "landing", "run-1")
    assert files.crawl == tmp_path / "landing" / "run-1" / "crawl.jsonl"
    assert files.dead_letter == tmp_path / "landing" / "dead-letter.jsonl"
    assert files.run_dir.is_absolute()


def test_the_last_record_is_read_from_the_end(tmp_path):
    path = tmp_path / "crawl.jsonl"
    write_records(path, _records())  # ends with a CrawlSummary
    assert last_record(path) == _records()[-1]
    with path.open("a") as stream:  # a page bigger than the tail read
        append_record(_records()[0], stream)
        stream.write('{"type": "FetchedPage", "url": "' + "x" * 10_000)  # torn
    assert last_record(path) is None
    path.write_text("")
    assert last_record(path) is None
