"""Search-engine behaviour beyond the shared contract, on the real OpenSearch node."""

import json
import shutil

import pytest
from conftest import make_engine_store
from factories import store_article as _article

from newsmon.pipeline.store.base import StoreNotReady
from newsmon.pipeline.store.engine import RESOURCES


@pytest.fixture
def store(request):
    s = make_engine_store("opensearch", request, backoff=0.05, max_retries=2)
    s.setup()
    return s


def test_updates_after_rollover_stay_in_their_index(store):
    store.upsert_articles([_article(1), _article(2)])
    rolled = store.rollover().details
    assert rolled["rolled_over"] and len(store.article_indices()) == 2
    result = store.upsert_articles(
        [_article(1, text="Corrected body about deminers."), _article(3)]
    )
    assert sorted(result.written) == sorted([_article(1).id, _article(3).id])
    assert store.count_articles() == 3  # not 4: the update found its index
    hits = store._search(store.articles, {"query": {"ids": {"values": [_article(1).id]}}})["hits"][
        "hits"
    ]
    assert [h["_index"] for h in hits] == [rolled["old_index"]]
    assert store.get_article(_article(1).id)["text"] == "Corrected body about deminers."
    new = store._search(store.articles, {"query": {"ids": {"values": [_article(3).id]}}})["hits"][
        "hits"
    ]
    assert new[0]["_index"] == rolled["new_index"]


def test_claims_index_follows_the_article(store):
    from newsmon.pipeline.models import Claim

    claims = [
        Claim(5000, "engineers", "5,000 engineers", "NIS", "Yonhap"),
        Claim(1000, "deminers", "x", "NIS"),
    ]
    store.upsert_articles([_article(1, claims=claims)])
    count = lambda: store._request("GET", f"/{store.claims}/_count")["count"]  # noqa: E731
    assert count() == 2
    store.upsert_articles([_article(1, claims=claims[:1], text="Shorter body about deminers.")])
    assert count() == 1
    doc = store._search(store.claims, {"query": {"match_all": {}}})["hits"]["hits"][0]["_source"]
    assert (doc["figure"], doc["attribution"], doc["via"]) == ("5,000 engineers", "NIS", "Yonhap")


def test_migration_to_a_new_mapping_version_behind_the_alias(store, tmp_path, request):
    store.upsert_articles([_article(1), _article(2)])
    resources = tmp_path / "engine"
    shutil.copytree(RESOURCES, resources)
    mappings = json.loads((resources / "component_mappings.json").read_text())
    mappings["_meta"]["version"] = 2
    mappings["template"]["mappings"]["properties"]["section"] = {"type": "keyword"}
    (resources / "component_mappings.json").write_text(json.dumps(mappings))
    v2 = type(store)(store.t, store.url, prefix=store.prefix, resources_dir=resources)
    lines = v2.migrate().lines
    assert any("reindexed 2 documents" in line for line in lines)
    assert v2.article_indices() == [f"{store.prefix}-articles-v2-000001"]
    assert v2.count_articles() == 2
    mapping = v2._request("GET", f"/{store.prefix}-articles-v2-000001/_mapping")
    assert "section" in next(iter(mapping.values()))["mappings"]["properties"]
    assert v2.migrate().lines == [
        "already at mapping version 2",
        "MinHash signatures recomputed for 0 documents (version 2)",
    ]
    assert v2.upsert_articles([_article(3)]).written == [_article(3).id]


def test_lifecycle_is_reported_not_fatal_when_the_cluster_has_none(store):
    report = store.setup()
    # The test node has no ISM plugin (it is not on Maven Central); a real cluster has one.
    assert not report.lifecycle
    assert any(line.startswith("lifecycle: ISM not available") for line in report.lines)


def test_a_document_the_engine_refuses_fails_alone(store):
    bad = _article(2, published_at="the second of July")
    result = store.upsert_articles([_article(1), bad])
    assert result.written == [_article(1).id]
    ((failed_id, error),) = result.failed
    assert failed_id == bad.id and "400" in error


def test_writing_before_setup_is_refused_with_the_fix(request):
    fresh = make_engine_store("opensearch", request)
    with pytest.raises(StoreNotReady, match="newsmon index setup"):
        fresh.upsert_articles([_article(1)])


def test_setup_adds_new_fields_to_the_indices_already_behind_the_alias(store):
    """An index created before a field existed refuses documents with it (strict mappings);
    setup brings it up to date, as it does for the other indices."""
    (index,) = store.article_indices()
    mappings = store._request("GET", f"/{index}/_mapping")[index]["mappings"]
    analysis = store._request("GET", f"/{index}/_settings")[index]["settings"]["index"]["analysis"]
    del mappings["properties"]["extractor"]  # the index as a deployment before the field has it
    store._request("DELETE", f"/{index}")
    legacy = f"{store.prefix}-legacy"  # outside the template's pattern, which would add it back
    store._request(
        "PUT",
        f"/{legacy}",
        {
            "settings": {"analysis": analysis},
            "mappings": mappings,
            "aliases": {store.articles: {"is_write_index": True}},
        },
    )
    refused = store.upsert_articles([_article(1)])
    ((refused_id, why),) = refused.failed
    assert refused_id == _article(1).id and "strict_dynamic_mapping" in why
    report = store.setup()
    assert "article mappings brought up to date" in report.lines
    assert store.upsert_articles([_article(1)]).written == [_article(1).id]


def test_migrate_re_signs_documents_signed_by_an_older_minhash(store):
    from newsmon.pipeline import minhash

    store.upsert_articles([_article(1), _article(2)])  # version 0 signatures
    report = store.migrate()
    assert f"MinHash signatures recomputed for 2 documents (version {minhash.VERSION})" in (
        report.lines
    )
    bands = minhash.band_keys(minhash.signature(_article(2).text))
    assert _article(2).id in {c["id"] for c in store.near_candidates(bands)}
    assert "MinHash signatures recomputed for 0 documents" in " ".join(store.migrate().lines)


def test_lifecycle_check_without_lifecycle_management_is_a_report_not_a_problem(store):
    store.setup()
    report = store.check_lifecycle()
    assert report.details["problems"] == []
    assert any("not available" in line for line in report.lines)


def test_lifecycle_check_finds_a_store_never_set_up(request):
    fresh = make_engine_store("opensearch", request)
    problems = fresh.check_lifecycle().details["problems"]
    assert problems and "newsmon index setup" in problems[0]


def test_lifecycle_check_on_elasticsearch_finds_an_index_the_policy_left(request):
    """ILM exists only on Elasticsearch: this runs when NEWSMON_ES_URL names one."""
    es = make_engine_store("elasticsearch", request)
    es.setup()
    report = es.check_lifecycle()
    assert report.lifecycle and report.details["problems"] == []
    [index] = es.article_indices()
    es._request("PUT", f"/{index}/_settings", {"index.lifecycle.name": None})
    problems = es.check_lifecycle().details["problems"]
    assert problems == [f"{index} is not managed by lifecycle policy {es.prefix}-articles"]
