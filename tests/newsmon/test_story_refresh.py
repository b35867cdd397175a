"""The index step's refresh of emergent stories reads each story's members as a stream."""

from newsmon import jobs
from newsmon.pipeline import stories as stories_module
from newsmon.pipeline.stories import StoryTracker, emergent_profile
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
