"""The index step's refresh of emergent stories reads each story's members as a stream."""

from dataclasses import asdict

from factories import store_article

from newsmon import jobs
from newsmon.pipeline import stories as stories_module
from newsmon.pipeline.models import StoryMatch, StoryMerge
from newsmon.pipeline.store import open_store
from newsmon.pipeline.stories import EMERGENT_PREFIX, StoryTracker, emergent_profile
from newsmon.pipeline.timeline import summarize, top_entities


def test_a_streamed_emergent_summary_is_what_the_whole_member_list_gives(demo_run):
    store = demo_run["store"]
    emergent = [s for s in store.list_stories() if s.get("kind") == "emergent" and s["articles"]]
    assert emergent, "the demo web has emergent stories"
    for story in emergent:
        docs = store.story_articles(story["id"])
        whole = summarize(story["id"], story["title"], docs)
        assert (story["articles"], story["outlets"], story["independent_outlets"]) == (
            whole.articles,
            whole.outlets,
            whole.independent_outlets,
        )
        assert (story["first_seen"], story["last_seen"]) == (whole.first_seen, whole.last_seen)
        assert story["top_entities"] == top_entities(docs)
        assert story["profile"] == emergent_profile(docs, StoryTracker([]))


def test_the_refresh_reads_each_story_as_a_stream_and_never_holds_one_whole(
    demo_run, stories, tmp_path, monkeypatch
):
    copy = open_store(tmp_path / "store.sqlite")
    demo_run["store"].db.backup(copy.db)

    def whole(story_id):
        raise AssertionError(f"story {story_id} was read whole")

    monkeypatch.setattr(copy, "story_articles", whole)
    counts = jobs.refresh_stories(None, copy, stories, "again")
    assert counts["stories_refreshed"] >= 2

    def summaries(store):
        return [{k: v for k, v in s.items() if k != "updated_at"} for s in store.list_stories()]

    assert summaries(copy) == summaries(demo_run["store"])
    copy.close()


def test_a_summary_of_members_in_any_order_is_the_summary_in_publication_order(demo_run):
    store = demo_run["store"]
    story = max(store.list_stories(), key=lambda s: s["articles"])
    docs = store.story_articles(story["id"])
    assert len(docs) >= 5
    ordered = summarize(story["id"], story["title"], docs)
    shuffled = summarize(story["id"], story["title"], reversed(docs[::2] + docs[1::2]))
    assert asdict(shuffled) | {"updated_at": None} == asdict(ordered) | {"updated_at": None}
    assert (ordered.first_seen, ordered.last_seen) == (story["first_seen"], story["last_seen"])


def test_a_story_too_large_to_split_is_not_read_past_the_limit(demo_run, monkeypatch):
    store = demo_run["store"]
    story = max(store.list_stories(), key=lambda s: s["independent_outlets"])
    assert story["independent_outlets"] >= 3
    originals = {d["id"] for d in store.story_articles(story["id"]) if not d.get("duplicate_of")}
    read = []

    def counted(story_id):
        for doc in type(store).iter_story_articles(store, story_id):
            read.append(doc["id"])
            yield doc

    monkeypatch.setattr(store, "iter_story_articles", counted)
    monkeypatch.setattr(stories_module, "SPLIT_MAX", 1)
    assert jobs._split_candidates(store, story["id"]) == []
    # it stopped at the second original, however many members follow
    assert len(originals) > 2 and len([i for i in read if i in originals]) == 2
    monkeypatch.setattr(stories_module, "SPLIT_MAX", 500)
    read.clear()
    assert len(jobs._split_candidates(store, story["id"])) == story["articles"]


def test_a_chain_of_merges_leaves_every_member_where_the_chain_ends(tmp_path):
    # A into B, then B into C, in one run: the moves are written in batches, so A's members go
    # straight to C; left at B they would belong to a story that no longer exists.
    store = open_store(tmp_path / "store.sqlite")
    a, b, c = (f"{EMERGENT_PREFIX}{x}" for x in "abc")
    members = {1: a, 2: a, 3: b, 4: c}
    store.upsert_articles(
        [store_article(n, stories=[StoryMatch(s, 0.5)]) for n, s in members.items()]
    )
    merges = [StoryMerge(a, b), StoryMerge(b, c)]
    jobs._refresh_emergent(store, [], [], merges, set(), set())
    assert [d["id"] for d in store.story_articles(c)] == [store_article(n).id for n in members]
    assert store.story_articles(a) == store.story_articles(b) == []
    assert {s["id"]: s["merged_into"] for s in store.list_stories()} == {a: b, b: c, c: ""}
    assert store.get_story(c)["articles"] == 4
    # a cycle of merges ends, where it began again
    assert jobs._last({a: b, b: a}, a) == b
    store.close()
