"""The Store contract: every backend must behave the same.

sqlite always runs; opensearch runs against the real node `make test` starts (and must, in CI);
elasticsearch-client runs the real elasticsearch-py 9 client through a compatibility shim to
that node; elasticsearch runs when NEWSMON_ES_URL points at a real Elasticsearch."""

import pytest
from conftest import ENGINES, make_engine_store
from factories import store_article as _article

from newsmon.pipeline.models import (
    CrawlOutcome,
    FeedState,
    Story,
    StoryMatch,
)
from newsmon.pipeline.store import SearchFilters
from newsmon.pipeline.store.sqlite import SQLiteStore


@pytest.fixture(params=["sqlite", *ENGINES])
def store(request, tmp_path):
    if request.param == "sqlite":
        s = SQLiteStore(tmp_path / "contract.sqlite")
        yield s
        s.close()
        return
    s = make_engine_store(request.param, request)
    s.setup()
    yield s


def test_upsert_is_idempotent_and_ignores_fetch_time(store):
    first = store.upsert_articles([_article(1), _article(2)])
    assert sorted(first.written) == sorted([_article(1).id, _article(2).id])
    again = store.upsert_articles([_article(1, fetched_at="2025-10-01T00:00:00Z"), _article(2)])
    assert again.written == [] and len(again.unchanged) == 2
    changed = store.upsert_articles([_article(1, text="A corrected body about deminers.")])
    assert changed.written == [_article(1).id]
    assert store.count_articles() == 2
    assert store.get_article(_article(1).id)["text"] == "A corrected body about deminers."
    assert store.get_article("missing") is None


def test_search_text_and_filters(store):
    store.upsert_articles(
        [
            _article(1),
            _article(2, source="herald", language="de"),
            _article(3, duplicate_of=_article(1).id),
        ]
    )
    assert {h["id"] for h in store.search("deminers")} == {_article(n).id for n in (1, 2, 3)}
    assert [h["id"] for h in store.search("deminers", SearchFilters(source="herald"))] == [
        _article(2).id
    ]
    assert [h["id"] for h in store.search("", SearchFilters(language="de"))] == [_article(2).id]
    assert {h["id"] for h in store.search("deminers", SearchFilters(story="nk"))} == {
        _article(1).id,
        _article(3).id,
    }
    since = store.search("deminers", SearchFilters(since="2025-07-02", until="2025-07-03"))
    assert [h["id"] for h in since] == [_article(2).id]
    assert len(store.search("deminers", SearchFilters(entity="kim jong un"))) == 3
    assert store.search("deminers", SearchFilters(entity="Nobody")) == []
    originals = store.search("deminers", SearchFilters(include_duplicates=False))
    assert _article(3).id not in {h["id"] for h in originals}
    assert store.search('"engineers deminers"') == []  # a phrase that is not there
    assert store.search('AND OR NOT "') == []  # operators are words, not errors
    assert "[" in store.search("Kursk")[0]["_snippet"]


def test_near_candidates_and_content_hash_lookup(store):
    store.upsert_articles([_article(1), _article(2)])
    candidates = store.near_candidates(["b1"])
    assert [(c["id"], c["minhash"]) for c in candidates] == [(_article(1).id, [1] * 8)]
    assert {c["id"] for c in store.near_candidates(["shared", "b9"])} == {
        _article(1).id,
        _article(2).id,
    }
    assert store.near_candidates([]) == []
    assert store.find_by_content_hash("hash2") == _article(2).id
    assert store.find_by_content_hash("nope") is None
    assert store.content_hashes([_article(1).id, "missing"]) == {_article(1).id: "hash1"}


def test_story_records_and_members(store):
    store.upsert_articles([_article(1), _article(2), _article(3)])
    assert [d["id"] for d in store.story_articles("nk")] == [
        _article(1).id,
        _article(3).id,
    ]
    store.upsert_stories([Story("nk", "NK story", articles=2)])
    store.upsert_stories([Story("nk", "NK story", articles=3)])
    assert store.get_story("nk")["articles"] == 3
    assert [s["id"] for s in store.list_stories()] == ["nk"]
    # one write of several, of which two share an id: the later one wins
    store.upsert_stories(
        [Story("nk", "NK story", articles=4), Story("e1", "E"), Story("nk", "NK", articles=5)]
    )
    assert store.get_story("nk")["articles"] == 5
    assert [s["id"] for s in store.list_stories()] == ["e1", "nk"]
    store.upsert_stories([])  # nothing to write is no error


def test_upserts_tell_new_documents_from_rewritten_ones_and_their_stories(store):
    """What the story refresh goes on from: a story none of whose stored documents changed
    only gained the new ones."""
    first = store.upsert_articles([_article(1), _article(2)])
    assert sorted(first.created) == sorted([_article(1).id, _article(2).id])
    assert first.changed_stories == set()
    # Article 2 joins a story and article 3 is new: the old and the new story of 2 changed.
    later = store.upsert_articles(
        [_article(2, stories=[StoryMatch("other", 0.5)]), _article(3), _article(1)]
    )
    assert later.created == [_article(3).id] and later.unchanged == [_article(1).id]
    assert later.changed_stories == {"other"}
    moved = store.upsert_articles([_article(1, stories=[StoryMatch("other", 0.5)])])
    assert moved.created == [] and moved.changed_stories == {"nk", "other"}


def test_members_counted_fetched_by_id_and_tallies_kept(store):
    store.upsert_articles([_article(n) for n in range(1, 6)])
    assert store.count_story_articles("nk") == 3 and store.count_story_articles("none") == 0
    ids = [_article(5).id, "missing", _article(2).id]
    assert [d["id"] for d in store.get_articles(ids)] == [_article(5).id, _article(2).id]
    assert store.get_articles([]) == []
    assert store.story_tallies(["nk"]) == {}
    tally = {"version": 1, "summary": {"articles": 3, "mentions": {"Kim Jong Un": 3}}}
    store.save_story_tallies({"nk": tally, "e1": {"version": 1}})
    store.save_story_tallies({"nk": tally | {"version": 2}})
    assert store.story_tallies(["nk", "e1", "gone"]) == {
        "nk": tally | {"version": 2},
        "e1": {"version": 1},
    }
    store.save_story_tallies({})  # nothing to write is no error


def test_crawl_state(store):
    polled = FeedState(
        "https://e.org/rss",
        '"abc"',
        "Mon, 01 Sep 2025 00:00:00 GMT",
        digest="d1",
        checked_at="2025-09-01T00:10:00Z",
        changed_at="2025-09-01T00:00:00Z",
        interval_s=1800,
        listed_lastmod="2025-08-31T00:00:00Z",
    )
    store.save_feed_states([polled, FeedState("https://e.org/other")])
    assert store.feed_states()["https://e.org/rss"] == polled  # every polling field kept
    assert store.feed_states()["https://e.org/other"] == FeedState("https://e.org/other")
    store.record_outcomes(
        "r1",
        [
            CrawlOutcome("https://e.org/a", "indexed", doc_id="x"),
            CrawlOutcome("https://e.org/b", "rejected", "timeout"),
        ],
    )
    # 'seen' in a later run must not overwrite the final outcome of the first.
    store.record_outcomes("r2", [CrawlOutcome("https://e.org/a", "seen")])
    assert store.seen_urls() == ["https://e.org/a"]


def test_histogram_and_top_terms(store):
    store.upsert_articles(
        [
            _article(1),
            _article(2),
            _article(3, source="herald", persons=["Kim Jong Un", "Sergei Shoigu"]),
        ]
    )
    assert store.date_histogram() == [("2025-07-01", 1), ("2025-07-02", 1), ("2025-07-03", 1)]
    assert store.date_histogram(SearchFilters(source="herald")) == [("2025-07-03", 1)]
    assert store.top_terms("source") == [("kws", 2), ("herald", 1)]
    assert store.top_terms("persons", size=1) == [("Kim Jong Un", 3)]
    assert store.top_terms("persons", SearchFilters(story="nk")) == [
        ("Kim Jong Un", 2),
        ("Sergei Shoigu", 1),
    ]
    with pytest.raises(ValueError):
        store.top_terms("text")


def test_articles_streamed_in_publication_order_all_or_since_a_day(store):
    # Written out of order, so that the order read back is the store's, not the writes'.
    store.upsert_articles([_article(n) for n in (4, 1, 3, 2)])
    assert [d["id"] for d in store.iter_articles()] == [_article(n).id for n in (1, 2, 3, 4)]
    since = [d["id"] for d in store.iter_articles(SearchFilters(since="2025-07-03"))]
    assert since == [_article(3).id, _article(4).id]


def test_setup_is_safe_to_repeat(store):
    store.upsert_articles([_article(1)])
    store.setup()
    store.setup()
    assert store.count_articles() == 1


def test_pending_urls(store):
    from newsmon.pipeline.models import PendingURL

    a = PendingURL(
        "https://e.org/a", "kws", "https://e.org/rss", 1, "2025-01-01T00:00:00Z", "timeout"
    )
    b = PendingURL(
        "https://e.org/b", "kws", "https://e.org/rss", 2, "2025-01-03T00:00:00Z", "http_error:503"
    )
    store.save_pending([b, a], [])
    assert store.pending_urls() == [a, b]  # oldest due first
    assert store.pending_urls(due_by="2025-01-02T00:00:00Z") == [a]
    assert store.pending_urls(urls=[b.url, "https://e.org/none"]) == [b]
    later = PendingURL(a.url, "kws", a.feed_url, 2, "2025-01-05T00:00:00Z", "timeout")
    store.save_pending([later], [b.url])  # replaced, and one done
    assert store.pending_urls() == [later]


def test_regroup_makes_an_earlier_article_the_original(store):
    from newsmon.pipeline.models import Regroup

    first_stored, its_copy, earlier, same_text = (_article(n) for n in (5, 6, 3, 7))
    its_copy.duplicate_of = its_copy.dup_group = first_stored.id
    store.upsert_articles([first_stored, its_copy, earlier, same_text])
    old = store.regroup(Regroup(old=first_stored.id, new=earlier.id, similarity=0.8))
    assert old is not None and old["id"] == first_stored.id and old["duplicate_of"] is None
    for doc_id in (first_stored.id, its_copy.id):
        doc = store.get_article(doc_id)
        assert (doc["duplicate_of"], doc["dup_group"], doc["is_copy"]) == (
            earlier.id,
            earlier.id,
            True,
        )
    assert store.get_article(first_stored.id)["dup_similarity"] == 0.8
    removed = store.regroup(Regroup(old=same_text.id, new=earlier.id, exact=True))
    assert removed["id"] == same_text.id and store.get_article(same_text.id) is None
    assert store.count_articles() == 3
    assert same_text.id not in {h["id"] for h in store.search("deminers")}


def test_alerts_are_kept_once_and_listed_latest_first(store):
    from newsmon.pipeline.models import Alert

    first = Alert("a1", "coverage", "nk", "NK: 1 new", "2025-07-01T00:00:00Z", "r1", {"n": 1})
    second = Alert("a2", "new_outlet", "nk", "NK: Times", "2025-07-02T00:00:00Z", "r2")
    other = Alert("a3", "coverage", "other", "Other: 1 new", "2025-07-03T00:00:00Z", "r2")
    assert store.save_alerts([first]) == [first]
    again = Alert("a1", "coverage", "nk", "NK: 1 new", "2025-07-09T00:00:00Z", "r9", {"n": 1})
    assert store.save_alerts([again, second, other]) == [second, other]  # a1 was held
    assert [a["id"] for a in store.list_alerts()] == ["a3", "a2", "a1"]
    assert [a["id"] for a in store.list_alerts("nk", limit=1)] == ["a2"]
    assert store.list_alerts("nk")[-1] == first.to_document()  # as first raised


def test_run_records_come_back_in_order_and_since_a_time(store):
    store.setup()
    store.record_run("first", {"indexed": 1, "outlets": {"a": {"pages": 2}}})
    store.record_run("second", {"indexed": 2})
    store.record_run("first", {"indexed": 3})  # a re-run replaces its record
    runs = store.list_runs()
    assert [r["run_id"] for r in sorted(runs, key=lambda r: r["run_id"])] == ["first", "second"]
    assert {r["run_id"]: r["counts"]["indexed"] for r in runs} == {"first": 3, "second": 2}
    assert all(r["at"].endswith("Z") for r in runs)
    assert store.list_runs(since="2999-01-01T00:00:00Z") == []
