"""The three job steps over the demo web: outcomes add up, and re-running steps changes nothing."""

import shutil
import sqlite3

from demo_truth import expected_counts, mismatches, stored_outcomes, truth_for

from newsmon import jobs
from newsmon.pipeline.store import open_store
from newsmon.pipeline.store.base import stable_document


def _snapshot(store):
    return {d["id"]: stable_document(d) for d in store.iter_articles()}


def test_every_url_ends_exactly_as_the_ground_truth_says(demo_run, demo_web, stories):
    truth = truth_for(demo_web, stories)
    assert mismatches(demo_run["store"], truth) == []
    counts = demo_run["counts"]
    expected = expected_counts(truth)
    assert counts["adds_up"] and counts["verdict"]["code"] == 0
    assert counts["fetched"] == counts["outcomes"] == expected["fetched"]
    assert (counts["indexed"], counts["duplicates"], counts["sources_read"]) == (
        expected["indexed"],
        expected["duplicates"],
        expected["sources_read"],
    )
    assert sum(counts["rejected"].values()) == expected["rejected"]


def test_the_comparison_with_the_ground_truth_can_fail(demo_run, demo_web, stories):
    truth = truth_for(demo_web, stories)
    got = stored_outcomes(demo_run["store"])
    near = next(u for u, o in got.items() if o[0] == "duplicate:near")
    wrong = dict(got)
    wrong[near] = ("indexed", "", "")
    assert any(near in p for p in mismatches(demo_run["store"], truth, wrong))
    missing = dict(got)
    missing.pop(near)
    assert any("expected but not met" in p for p in mismatches(demo_run["store"], truth, missing))
    # A copy credited to the wrong original is a mismatch too.
    other = next(o[2] for u, o in got.items() if o[0] == "indexed" and o[2] != got[near][2])
    misattributed = dict(got)
    misattributed[near] = ("duplicate:near", "", other)
    assert any("a duplicate of" in p for p in mismatches(demo_run["store"], truth, misattributed))


def test_story_tracked_with_independent_outlets_and_figures(demo_run, demo_web, stories):
    store = demo_run["store"]
    (story,) = jobs.story_summaries(store, stories)
    site = demo_web.site
    expected = [a for a in site.story_articles() if a.reachable]
    assert story["articles"] == len(expected)
    assert story["independent_outlets"] == len({a.outlet for a in expected if not a.copy_of})
    docs = store.story_articles(story["id"])
    titles = {d["title"] for d in docs}
    assert not any(a.title in titles for a in site.articles if a.lookalike)
    seed_like = next(
        d for d in docs if d["source"] == "capital-times" and "thousands" in d["title"]
    )
    claim = next(c for c in seed_like["claims"] if c["value"] == 5000)
    assert (claim["unit"], claim["via"]) == ("engineers", "Yonhap")
    copies = [d for d in docs if d["duplicate_of"]]
    assert copies and all(store.get_article(d["duplicate_of"])["source"] == "kws" for d in copies)


def test_rerunning_process_and_index_on_the_same_landing_changes_nothing(
    demo_run, stories, tmp_path
):
    store_path = tmp_path / "copy.sqlite"
    with sqlite3.connect(store_path) as copy:  # the backup API also copies the WAL's pages
        demo_run["store"].db.backup(copy)
    store = open_store(store_path)
    before = _snapshot(store)
    landing = tmp_path / "landing" / jobs.CRAWL_FILE
    landing.parent.mkdir()
    shutil.copy(demo_run["landing"], landing)
    counts = jobs.index(jobs.process(landing, store, stories), store, stories, "rerun")
    assert counts["written"] == 0 and counts["adds_up"]
    assert _snapshot(store) == before
    store.close()


def test_indexing_the_same_processed_file_twice_raises_each_alert_once(demo_run, stories, tmp_path):
    """The second index step re-evaluates every rule on the same articles (they are this
    run's again); only the store's memory of the alerts keeps them from being raised twice."""
    store = open_store(tmp_path / "alerts.sqlite")
    landing = tmp_path / jobs.CRAWL_FILE
    shutil.copy(demo_run["landing"], landing)
    processed = jobs.process(landing, store, stories)
    first = jobs.index(processed, store, stories, "one")["alerts"]
    second = jobs.index(processed, store, stories, "two")["alerts"]
    assert first["raised"] > 0 and first["log"] == first["raised"]
    assert second["raised"] == 0 and second["log"] == 0
    assert len(store.list_alerts()) == first["raised"]
    store.close()


def test_processing_the_same_landing_into_a_fresh_store_gives_the_same_documents(
    demo_run, stories, tmp_path
):
    store = open_store(tmp_path / "fresh.sqlite")
    landing = tmp_path / jobs.CRAWL_FILE
    shutil.copy(demo_run["landing"], landing)
    jobs.index(jobs.process(landing, store, stories), store, stories, "fresh")
    assert _snapshot(store) == _snapshot(demo_run["store"])
    store.close()


def test_a_torn_landing_line_is_skipped_not_fatal(demo_run, stories, tmp_path):
    landing = tmp_path / jobs.CRAWL_FILE
    landing.write_text(
        demo_run["landing"].read_text() + '{"type": "FetchedPage", "url": "http://trunc'
    )
    store = open_store(tmp_path / "torn.sqlite")
    counts = jobs.index(jobs.process(landing, store, stories), store, stories, "torn")
    assert counts["adds_up"] and counts["indexed"] == demo_run["counts"]["indexed"]
    store.close()


def _processed_copy(demo_run, tmp_path, edit):
    """The demo run's processed file, edited, in a fresh run folder."""
    from newsmon.pipeline.runfiles import read_records, write_records

    records = list(read_records(demo_run["landing"].parent / jobs.PROCESSED_FILE))
    run_dir = tmp_path / "landing" / "edited"
    run_dir.mkdir(parents=True)
    path = run_dir / jobs.PROCESSED_FILE
    write_records(path, edit(records))
    return path


def test_the_index_step_catches_a_lost_or_doubled_outcome(demo_run, stories, tmp_path):
    from newsmon.pipeline.models import CrawlOutcome

    def drop_one(records):
        victim = next(i for i, r in enumerate(records) if isinstance(r, CrawlOutcome))
        return records[:victim] + records[victim + 1 :]

    def double_one(records):
        outcome = next(r for r in records if isinstance(r, CrawlOutcome))
        return [*records, outcome]

    for name, edit in (("lost", drop_one), ("doubled", double_one)):
        store = open_store(tmp_path / f"{name}.sqlite")
        counts = jobs.index(_processed_copy(demo_run, tmp_path / name, edit), store, stories, name)
        assert not counts["adds_up"], name
        assert counts["verdict"]["code"] == 3, name
        store.close()
