"""The job against the real OpenSearch node, including the engine going away mid-run."""

import threading

import pytest
from conftest import make_engine_store
from demo_truth import mismatches, truth_for
from engine_proxy import EngineProxy
from factories import store_article
from split_runs import two_runs

from newsmon import jobs
from newsmon.pipeline.runfiles import DEAD_LETTER_FILE
from newsmon.pipeline.store.engine import (
    ElasticsearchTransport,
    EngineStore,
    OpenSearchTransport,
    RetryPolicy,
)


def _ids(store) -> list[str]:
    return [d["id"] for d in store.iter_articles()]


def once_each(store, expected: int) -> list[str]:
    """Every document in the index exactly once, and as many as expected: the engine's own
    count across every index behind the alias, the ids listed, and the distinct ids agree."""
    ids = _ids(store)
    if store.count_articles() == len(ids) == len(set(ids)) == expected:
        return []
    return [
        f"engine count {store.count_articles()}, listed {len(ids)}, distinct "
        f"{len(set(ids))}, expected {expected}"
    ]


def test_once_each_fails_for_a_document_in_two_indices(request):
    """The check above can fail: the same document in both indices behind the alias."""
    store = make_engine_store("opensearch", request)
    store.setup()
    docs = [store_article(1), store_article(2)]
    store.upsert_articles(docs)
    old = store.article_indices()[0]
    store.rollover()
    assert once_each(store, 2) == []
    assert once_each(store, 3) != []  # one missing
    new = next(i for i in store.article_indices() if i != old)
    doc = store.get_article(docs[0].id)
    store._request("PUT", f"/{new}/_doc/{doc['id']}", doc, params={"refresh": "true"})
    assert once_each(store, 2) != []  # one twice


@pytest.fixture
def proxied(request, opensearch_url):
    """A store whose every request crosses a proxy the test can stop and start."""
    proxy = EngineProxy(opensearch_url).start()
    request.addfinalizer(proxy.stop)
    reference = make_engine_store("opensearch", request)  # owns the prefix and the cleanup
    reference.setup()
    store = EngineStore(
        OpenSearchTransport(proxy.url),
        f"opensearch+{proxy.url}",
        prefix=reference.prefix,
        backoff=0.2,
        max_retries=5,
    )
    return proxy, store, reference


def test_same_documents_as_sqlite(demo_run, stories, request, tmp_path):
    store = make_engine_store("opensearch", request)
    store.setup()
    landing = tmp_path / jobs.CRAWL_FILE
    landing.write_text(demo_run["landing"].read_text())
    counts = jobs.index(jobs.process(landing, store, stories), store, stories, "os-run")
    assert counts["adds_up"]
    assert {k: counts[k] for k in ("indexed", "duplicates", "rejected")} == {
        k: demo_run["counts"][k] for k in ("indexed", "duplicates", "rejected")
    }
    assert sorted(_ids(store)) == sorted(_ids(demo_run["store"]))
    assert (
        store.get_story("nk-engineers-russia")["articles"]
        == demo_run["store"].get_story("nk-engineers-russia")["articles"]
    )


def test_a_second_run_goes_on_from_the_kept_tally_as_on_sqlite(
    demo_run, stories, request, tmp_path
):
    from newsmon.pipeline.store import open_store

    first, second = two_runs(demo_run, tmp_path)
    engine, sqlite = make_engine_store("opensearch", request), open_store(tmp_path / "s.sqlite")
    engine.setup()
    for store in (engine, sqlite):
        jobs.index(first, store, stories, "one")
        assert jobs.index(second, store, stories, "two")["story_members_read"]["added"] == 1

    def kept(store):
        story = {k: v for k, v in store.get_story(stories[0].id).items() if k != "updated_at"}
        return story, store.story_tallies([stories[0].id])

    assert kept(engine) == kept(sqlite)
    assert kept(engine)[0]["articles"] == demo_run["store"].get_story(stories[0].id)["articles"]
    sqlite.close()


def test_engine_stopped_mid_run_and_started_again_loses_nothing(
    proxied, demo_web, demo_sources, stories, tmp_path, caplog
):
    proxy, store, reference = proxied
    restarted = threading.Event()
    lookup = store.content_hashes
    cut: list[bool] = []

    def outage_at_the_first_duplicate_lookup(ids):
        # Cut the engine off as the process step first asks it about duplicates (extraction
        # runs in worker processes, so no progress event marks that moment exactly).
        if not cut:
            cut.append(True)
            proxy.stop()
            timer = threading.Timer(1.5, lambda: (proxy.start(), restarted.set()))
            timer.start()
        return lookup(ids)

    store.content_hashes = outage_at_the_first_duplicate_lookup
    requests_before = proxy.requests
    counts = jobs.run_all(demo_sources, stories, store, tmp_path / "landing" / "r1", "r1")
    assert restarted.is_set(), "the outage did not happen"
    assert proxy.requests > requests_before
    retries = [
        r
        for r in caplog.records
        if r.name.startswith("newsmon.pipeline.store.engine") and "retry" in r.getMessage()
    ]
    assert retries, "no request met the outage"
    assert counts["adds_up"] and counts["dead_letter"] == {"pending": 0, "replayed": 0}
    truth = truth_for(demo_web, stories)
    assert once_each(reference, len(truth.indexed)) == []
    assert mismatches(reference, truth) == []


def _index_while_down(proxied, demo_sources, stories, run_dir):
    """Crawl and process with the engine up, then index with it down: the step must fail
    loudly, after saving the documents. Returns the processed file."""
    proxy, store, _ = proxied
    store.retry = RetryPolicy(max_retries=2, backoff=0.05)
    processed = jobs.process(jobs.crawl(demo_sources, stories, store, run_dir), store, stories)
    proxy.stop()
    with pytest.raises(Exception, match="unavailable"):
        jobs.index(processed, store, stories, run_dir.name)
    proxy.start()
    return processed


def test_engine_down_through_the_index_step_dead_letters_then_replays(
    proxied, demo_web, demo_sources, stories, tmp_path
):
    proxy, store, reference = proxied
    processed = _index_while_down(proxied, demo_sources, stories, tmp_path / "landing" / "r1")
    dead = (tmp_path / "landing" / DEAD_LETTER_FILE).read_text().splitlines()
    truth = truth_for(demo_web, stories)
    assert len(dead) == len(truth.indexed)
    assert reference.count_articles() == 0
    counts = jobs.index(processed, store, stories, "r1-retry")
    assert counts["dead_letter"]["pending"] == 0
    assert (tmp_path / "landing" / DEAD_LETTER_FILE).read_text() == ""
    assert once_each(reference, len(truth.indexed)) == []


def test_a_later_run_replays_what_an_earlier_run_could_not_write(
    proxied, demo_web, demo_sources, stories, tmp_path
):
    proxy, store, reference = proxied
    _index_while_down(proxied, demo_sources, stories, tmp_path / "landing" / "r1")
    # The next scheduled run: feeds were not marked as read, so it crawls again, and it also
    # replays the dead letters first.
    counts = jobs.run_all(demo_sources, stories, store, tmp_path / "landing" / "r2", "r2")
    assert counts["dead_letter"]["pending"] == 0
    truth = truth_for(demo_web, stories)
    assert once_each(reference, len(truth.indexed)) == []
    assert mismatches(reference, truth) == []


def test_elasticsearch_client_runs_the_whole_job(es_shim, demo_run, stories, request, tmp_path):
    store = make_engine_store("elasticsearch-client", request)
    assert isinstance(store.t, ElasticsearchTransport)
    store.setup()
    landing = tmp_path / jobs.CRAWL_FILE
    landing.write_text(demo_run["landing"].read_text())
    counts = jobs.index(jobs.process(landing, store, stories), store, stories, "es-run")
    assert counts["adds_up"] and counts["indexed"] == demo_run["counts"]["indexed"]
    assert sorted(_ids(store)) == sorted(_ids(demo_run["store"]))
