"""The index step's refresh of emergent stories reads each story's members as a stream."""

from dataclasses import asdict

from factories import store_article
from split_runs import two_runs

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


# -- tracked stories: the kept tally ----------------------------------------------------------


def _summaries(store):
    return [{k: v for k, v in s.items() if k != "updated_at"} for s in store.list_stories()]


def test_a_run_that_only_adds_members_reads_those_and_keeps_what_a_full_read_gives(
    demo_run, stories, tmp_path, monkeypatch
):
    first, second = two_runs(demo_run, tmp_path)
    store = open_store(tmp_path / "store.sqlite")
    assert jobs.index(first, store, stories, "one")["story_members_read"] == {"added": 0, "all": 1}
    members = store.count_story_articles(stories[0].id)

    read = []

    def counted(story_id):
        for doc in type(store).iter_story_articles(store, story_id):
            read.append(story_id)
            yield doc

    monkeypatch.setattr(store, "iter_story_articles", counted)
    counts = jobs.index(second, store, stories, "two")
    monkeypatch.undo()
    assert counts["story_members_read"] == {"added": 1, "all": 0}
    assert stories[0].id not in read  # the emergent stories it touched are read, not this one
    assert store.count_story_articles(stories[0].id) > members, "the second run adds members"

    incremental = (_summaries(store), store.story_tallies([stories[0].id]))
    jobs.refresh_stories(None, store, stories, "from-the-store")  # reads every member
    assert (_summaries(store), store.story_tallies([stories[0].id])) == incremental
    assert store.get_story(stories[0].id) == {
        **demo_run["store"].get_story(stories[0].id),
        "updated_at": store.get_story(stories[0].id)["updated_at"],
    }
    store.close()


def test_a_kept_tally_that_disagrees_with_the_store_is_read_again(demo_run, stories, tmp_path):
    """The member count is the check: a tally off by one member is not gone on from."""
    first, second = two_runs(demo_run, tmp_path)
    store = open_store(tmp_path / "store.sqlite")
    jobs.index(first, store, stories, "one")
    story = stories[0].id
    kept = store.story_tallies([story])[story]
    kept["summary"]["articles"] -= 1
    store.save_story_tallies({story: kept})
    counts = jobs.index(second, store, stories, "two")
    assert counts["story_members_read"] == {"added": 0, "all": 1}
    assert store.get_story(story)["articles"] == store.count_story_articles(story)
    assert (
        store.story_tallies([story])[story]["summary"]["articles"]
        == store.get_story(story)["articles"]
    )
    store.close()


def test_a_rewritten_member_or_a_second_refresh_reads_every_member(demo_run, stories, tmp_path):
    from newsmon.pipeline.models import Article
    from newsmon.pipeline.runfiles import read_records, write_records

    first, second = two_runs(demo_run, tmp_path)
    store = open_store(tmp_path / "store.sqlite")
    jobs.index(first, store, stories, "one")
    jobs.index(second, store, stories, "two")
    # The refresh once more on the same index step's changes: its members are counted in.
    again = jobs.refresh_stories(second, store, stories, "two-again")
    assert again["story_members_read"] == {"added": 0, "all": 1}
    assert store.get_story(stories[0].id)["articles"] == store.count_story_articles(stories[0].id)

    # A member corrected at its source: the story it is in is read whole.
    records = list(read_records(second))
    member = next(
        r
        for r in records
        if isinstance(r, Article) and any(m.id == stories[0].id for m in r.stories)
    )
    member.title += " (corrected)"
    (tmp_path / "third").mkdir()
    write_records(tmp_path / "third" / jobs.PROCESSED_FILE, [member])
    counts = jobs.index(tmp_path / "third" / jobs.PROCESSED_FILE, store, stories, "three")
    assert counts["written"] == 1 and counts["story_members_read"] == {"added": 0, "all": 1}
    store.close()


def test_alerts_from_a_kept_tally_are_those_a_full_read_raises(demo_run, stories, tmp_path):
    first, second = two_runs(demo_run, tmp_path)
    raised = {}
    for how in ("added", "all"):
        store = open_store(tmp_path / f"{how}.sqlite")
        jobs.index(first, store, stories, "one")
        if how == "all":  # a tally of an older version is not gone on from
            store.save_story_tallies({stories[0].id: {"version": 0}})
        counts = jobs.index(second, store, stories, "two")
        assert counts["story_members_read"][how] == 1
        raised[how] = sorted(
            (a["id"], a["rule"], a["title"]) for a in store.list_alerts(stories[0].id, 1000)
        )
        store.close()
    rules = {rule for _, rule, _ in raised["added"]}
    assert {"coverage", "new_figure"} <= rules, rules
    assert raised["added"] == raised["all"]


def test_a_stored_article_joins_when_the_reports_before_it_arrive_only_later(
    demo_run, stories, tmp_path, monkeypatch
):
    """The later half of a story indexed first, one of its members without the story (as if
    assigned before what led to it was known); the earlier half's run lets it in, reading only
    what was published since the earlier half began."""
    from newsmon.pipeline.models import Article
    from newsmon.pipeline.runfiles import read_records, write_records

    story = stories[0].id
    articles = sorted(
        (
            r
            for r in read_records(demo_run["landing"].parent / jobs.PROCESSED_FILE)
            if isinstance(r, Article)
        ),
        key=lambda a: (a.published_at or "", a.id),
    )
    earlier, later = articles[: len(articles) // 2], articles[len(articles) // 2 :]
    stripped = next(a for a in reversed(later) if any(m.id == story for m in a.stories))
    stripped.stories = [m for m in stripped.stories if m.id != story]
    paths = []
    for name, batch in (("later", later), ("earlier", earlier)):
        (tmp_path / name).mkdir()
        write_records(tmp_path / name / jobs.PROCESSED_FILE, batch)
        paths.append(tmp_path / name / jobs.PROCESSED_FILE)
    store = open_store(tmp_path / "store.sqlite")
    assert jobs.index(paths[0], store, stories, "later")["reassigned"] == 0
    assert story not in {m["id"] for m in store.get_article(stripped.id)["stories"]}

    asked = []

    def recorded(filters=None):
        asked.append(filters)
        return type(store).iter_articles(store, filters)

    monkeypatch.setattr(store, "iter_articles", recorded)
    counts = jobs.index(paths[1], store, stories, "earlier")
    monkeypatch.undo()
    assert counts["reassigned"] >= 1
    assert story in {m["id"] for m in store.get_article(stripped.id)["stories"]}
    since = min(a.published_at for a in earlier if any(m.id == story for m in a.stories))
    assert [f.since for f in asked] == [since[:10]]
    store.close()
