"""Shared fixtures. Airflow reads its configuration on first import, so it is set up here,
before any test module can import it: a throw-away AIRFLOW_HOME, no example DAGs, and a
parallelism that fits a 2-core machine."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="newsmon-airflow-")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__PARALLELISM"] = "2"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
# newsmon's own defaults (store, landing zone) live under NEWSMON_HOME: never the user's.
for _name in [
    n
    for n in os.environ
    if n.startswith("NEWSMON_")
    and n != "NEWSMON_OPENSEARCH_URL"
    and n != "NEWSMON_ES_URL"
    and not n.startswith("NEWSMON_ES_")
]:
    del os.environ[_name]
os.environ["NEWSMON_HOME"] = tempfile.mkdtemp(prefix="newsmon-home-")

import pytest  # noqa: E402

# Airflow's fixtures (a migrated metadata database, parsed DAGs) for tests/dags/.
pytest_plugins = ["dagruns"]

from newsmon import jobs  # noqa: E402
from newsmon.demoweb.server import serve_demo_web  # noqa: E402
from newsmon.pipeline.store import open_store  # noqa: E402
from newsmon.pipeline.stories import load_stories  # noqa: E402
from newsmon.settings import DEFAULT_SEED_FILE, packaged_seed  # noqa: E402

SEED_STORY = packaged_seed(DEFAULT_SEED_FILE)  # the seeds/ folder, as package data
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def demo_web():
    """The offline demo web, served over real HTTP on loopback for the whole session."""
    with serve_demo_web() as web:
        yield web


@pytest.fixture(scope="session")
def demo_sources(demo_web, tmp_path_factory) -> Path:
    return demo_web.write_sources_file(tmp_path_factory.mktemp("sources") / "sources.yaml")


@pytest.fixture(scope="session")
def nlp():
    """The installed spaCy model (the hashed en_core_web_sm re-upload), loaded once."""
    from newsmon.pipeline.enrich import load_nlp

    model = load_nlp()
    assert model is not None, "no spaCy model installed: make install pins one"
    return model


@pytest.fixture(scope="session")
def stories():
    return load_stories([SEED_STORY])


@pytest.fixture(scope="session")
def demo_run(demo_sources, stories, tmp_path_factory):
    """One full crawl -> process -> index of the demo web, shared by read-only tests."""
    root = tmp_path_factory.mktemp("demo-run")
    store = open_store(root / "store.sqlite")
    counts = jobs.run_all(demo_sources, stories, store, root / "landing" / "run1", "run1")
    yield {
        "root": root,
        "store": store,
        "counts": counts,
        "landing": root / "landing" / "run1" / jobs.CRAWL_FILE,
    }
    store.close()


# -- search engines -----------------------------------------------------------------------------
# OpenSearch: `make test` (and so CI) starts a real node and sets NEWSMON_OPENSEARCH_URL.
# Elasticsearch cannot run on the build machine: its backend runs against a real Elasticsearch
# when NEWSMON_ES_URL is set, and otherwise through the real elasticsearch-py client against
# the OpenSearch node behind a compatibility shim (tests/engine_proxy.py).


@pytest.fixture(scope="session")
def opensearch_url() -> str:
    url = os.environ.get("NEWSMON_OPENSEARCH_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail(
                "CI must test against a real engine: run the suite through "
                "scripts/with-opensearch.sh (make test), which sets NEWSMON_OPENSEARCH_URL"
            )
        pytest.skip("no OpenSearch node: run `make test`, or set NEWSMON_OPENSEARCH_URL")
    return url


@pytest.fixture(scope="session")
def es_shim(opensearch_url):
    from engine_proxy import EngineProxy

    with EngineProxy(opensearch_url, as_elasticsearch=True) as proxy:
        yield proxy


def make_engine_store(kind: str, request, **options):
    """A fresh set of indices under a unique prefix on the requested engine; removed after."""
    import uuid

    from newsmon.pipeline.store.engine import (
        ElasticsearchTransport,
        EngineStore,
        OpenSearchTransport,
    )

    prefix = f"t{uuid.uuid4().hex[:10]}"
    if kind == "opensearch":
        url = request.getfixturevalue("opensearch_url")
        transport = OpenSearchTransport(url)
    elif kind == "elasticsearch-client":
        url = request.getfixturevalue("es_shim").url
        transport = ElasticsearchTransport(url)
    else:
        url = os.environ.get("NEWSMON_ES_URL")
        if not url:
            pytest.skip("Elasticsearch cannot run here: set NEWSMON_ES_URL to test against one")
        transport = ElasticsearchTransport(
            url,
            api_key=os.environ.get("NEWSMON_ES_API_KEY"),
            ca_certs=os.environ.get("NEWSMON_CA_CERTS"),
        )
    store = EngineStore(transport, f"{kind}+{url}", prefix=prefix, **options)

    def cleanup():
        for path in (
            f"/{prefix}-*",
            f"/_index_template/{prefix}-*",
            f"/_component_template/{prefix}-*",
        ):
            try:
                transport.request("DELETE", path)
            except Exception:
                pass
        store.close()

    request.addfinalizer(cleanup)
    return store


ENGINES = ["opensearch", "elasticsearch-client", "elasticsearch"]
