"""Kibana cannot run here: the saved objects are checked against the index templates they
read, and the import against a stand-in for Kibana's import endpoint (a real HTTP server that
checks the request as Kibana documents it; not Kibana)."""

import json
import os
import subprocess
import sys
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newsmon.kibana import load_objects
from newsmon.pipeline.store.engine import RESOURCES

REPO = Path(__file__).resolve().parents[2]
AGGREGATABLE = {
    "keyword",
    "date",
    "long",
    "integer",
    "short",
    "byte",
    "double",
    "float",
    "half_float",
    "scaled_float",
    "boolean",
    "ip",
}


def _properties(mappings: dict) -> dict[str, str]:
    """Flattened field -> type, with object paths and multi-fields (title.raw)."""
    out = {}

    def walk(props, prefix=""):
        for name, spec in props.items():
            path = prefix + name
            if "properties" in spec:
                walk(spec["properties"], path + ".")
                continue
            out[path] = spec.get("type", "object")
            for sub, subspec in spec.get("fields", {}).items():
                out[f"{path}.{sub}"] = subspec["type"]

    walk(mappings["properties"])
    return out


FIELDS = {
    "newsmon-articles": _properties(
        json.loads((RESOURCES / "component_mappings.json").read_text())["template"]["mappings"]
    ),
    "newsmon-claims": _properties(
        json.loads((RESOURCES / "index_claims.json").read_text())["mappings"]
    ),
}


@pytest.fixture(scope="module")
def objects():
    return {o["id"]: o for o in load_objects()}


def test_data_views_have_a_date_time_field(objects):
    views = [o for o in objects.values() if o["type"] == "index-pattern"]
    assert {v["attributes"]["title"] for v in views} == set(FIELDS)
    for view in views:
        assert FIELDS[view["attributes"]["title"]][view["attributes"]["timeFieldName"]] == "date"


def test_the_articles_view_hides_the_minhash_signature_and_band_keys(objects):
    """Analysts see articles, not 128 numbers and 42 hashes per document."""
    hidden = json.loads(objects["newsmon-articles"]["attributes"]["sourceFilters"])
    names = {f["value"] for f in hidden}
    assert names == {"minhash", "minhash_bands", "minhash_version", "term_vector"}
    assert names <= set(FIELDS["newsmon-articles"])  # real fields, spelled as mapped


def test_every_panel_field_exists_and_can_be_aggregated(objects):
    lenses = [o for o in objects.values() if o["type"] == "lens"]
    assert len(lenses) >= 6
    for lens in lenses:
        (ref,) = lens["references"]
        fields = FIELDS[objects[ref["id"]]["attributes"]["title"]]
        for layer in lens["attributes"]["state"]["datasourceStates"]["formBased"][
            "layers"
        ].values():
            for column in layer["columns"].values():
                field = column["sourceField"]
                if field == "___records___":
                    continue
                assert field in fields, f"{lens['attributes']['title']}: no field {field}"
                assert fields[field] in AGGREGATABLE, (
                    f"{lens['attributes']['title']}: {field} is {fields[field]}, "
                    "Kibana cannot aggregate it"
                )


def test_saved_searches_use_existing_fields(objects):
    searches = [o for o in objects.values() if o["type"] == "search"]
    assert {s["id"] for s in searches} == {
        "newsmon-search-tracked-stories",
        "newsmon-search-syndicated",
    }
    for search in searches:
        for column in search["attributes"]["columns"]:
            assert column in FIELDS["newsmon-articles"]
        query = json.loads(search["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])[
            "query"
        ]["query"]
        assert query.split(":")[0].strip() in FIELDS["newsmon-articles"]


def test_the_dashboard_picks_its_story_with_a_control_not_a_hard_coded_id(objects):
    dashboard = objects["newsmon-story-tracker"]
    controls = json.loads(dashboard["attributes"]["controlGroupInput"]["panelsJSON"])
    ((control_id, control),) = controls.items()
    assert control["type"] == "optionsListControl"
    explicit = control["explicitInput"]
    assert explicit["fieldName"] == "story_ids" and explicit["singleSelect"]
    assert explicit["fieldName"] in FIELDS[objects[explicit["dataViewId"]]["attributes"]["title"]]
    refs = {r["name"]: r["id"] for r in dashboard["references"]}
    assert refs[f"controlGroup_{control_id}:optionsListDataView"] == explicit["dataViewId"]
    # No saved object names a story: every one is chosen by the analyst.
    assert not any("nk-engineers-russia" in json.dumps(o) for o in objects.values())


def test_dashboard_panels_resolve(objects):
    dashboard = objects["newsmon-story-tracker"]
    assert dashboard["attributes"]["title"] == "Story tracker"
    panels = json.loads(dashboard["attributes"]["panelsJSON"])
    refs = {r["name"]: r["id"] for r in dashboard["references"]}
    titles = set()
    for panel in panels:
        target = refs[f"{panel['panelIndex']}:{panel['panelRefName']}"]
        titles.add(objects[target]["attributes"]["title"])
    assert {
        "Articles over time, per story",
        "Top outlets",
        "Top people",
        "Top organisations",
        "Top places",
        "Figures claimed over time",
        "Figures by claimant over time",
        "Share of syndicated copies",
    } == titles


def test_prefix_is_written_into_the_data_views():
    titles = {
        o["attributes"]["title"]
        for o in load_objects(prefix="acme")
        if o["type"] == "index-pattern"
    }
    assert titles == {"acme-articles", "acme-claims"}


class _KibanaImportStandIn(BaseHTTPRequestHandler):
    """Kibana cannot run on this machine (no Docker engine, no Kibana package): this stand-in
    speaks the one endpoint newsmon uses, POST /api/saved_objects/_import, and answers as
    Kibana's documentation says. What it answers is set by the test, never derived from
    what it received, so the tests below do not count an echo."""

    received: list = []
    answer: dict = {}

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ok = (
            self.path == "/api/saved_objects/_import?overwrite=true"
            and self.headers.get("kbn-xsrf")
            and self.headers.get("Authorization", "") == "Basic ZWxhc3RpYzpzZWNyZXQ="
        )
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body
        )
        files = [
            part
            for part in message.iter_parts()
            if part.get_param("name", header="content-disposition") == "file"
        ]
        lines = files[0].get_payload(decode=True).decode().splitlines() if files else []
        type(self).received = [json.loads(line) for line in lines]
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(type(self).answer).encode())


@pytest.fixture
def kibana():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _KibanaImportStandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _import(url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "newsmon.cli",
            "kibana",
            "import",
            "--kibana-url",
            url,
            "--username",
            "elastic",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "KIBANA_PASSWORD": "secret"},
    )


def test_newsmon_kibana_import_posts_exactly_the_saved_objects(kibana):
    expected = load_objects()
    _KibanaImportStandIn.answer = {"success": True, "successCount": len(expected)}
    run = _import(kibana)
    assert run.returncode == 0, run.stderr
    assert _KibanaImportStandIn.received == expected  # every object, unchanged, in order
    assert f"imported {len(expected)} saved objects" in run.stdout


def test_a_partial_import_fails_loudly(kibana, objects):
    _KibanaImportStandIn.answer = {
        "success": False,
        "successCount": 11,
        "errors": [{"id": "newsmon-lens-top-places", "error": {"type": "missing_references"}}],
    }
    run = _import(kibana)
    assert run.returncode == 5
    total = len(objects)
    assert f"imported 11 of {total} objects" in run.stderr and "missing_references" in run.stderr
