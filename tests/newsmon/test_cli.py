"""`newsmon` as a user runs it: a subprocess, its output and its exit status."""

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from newsmon.pipeline.models import Article

REPO = Path(__file__).resolve().parents[2]


def newsmon(*args, check=True) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsmon.cli", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=600, check=check)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.20", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo_twice(tmp_path_factory):
    store = tmp_path_factory.mktemp("cli") / "demo.sqlite"
    port = _free_port()
    first = newsmon("demo", "--json", "--store", store, "--port", port)
    export1 = newsmon("export", "--store", store, "--format", "jsonl").stdout
    second = newsmon("demo", "--json", "--store", store, "--port", port)
    export2 = newsmon("export", "--store", store, "--format", "jsonl").stdout
    return {"store": store, "first": first, "second": second, "export1": export1, "export2": export2}


def test_demo_json_summary(demo_twice):
    summary = json.loads(demo_twice["first"].stdout.strip().splitlines()[-1])
    assert set(summary) >= {"fetched", "indexed", "duplicates", "rejected", "stories", "store"}
    assert summary["indexed"] > 40 and summary["duplicates"]["near"] > 0
    assert summary["duplicates"]["exact"] > 0
    assert {"robots", "http_error:404", "blocked_address", "timeout", "too_large"} <= set(summary["rejected"])
    (story,) = summary["stories"]
    assert story["id"] == "nk-engineers-russia" and story["articles"] >= 20
    assert set(story) >= {"id", "title", "articles", "outlets", "first_seen", "last_seen"}
    assert story["first_seen"] < story["last_seen"]
    assert summary["store"] == str(demo_twice["store"].resolve())


def test_second_demo_run_adds_and_changes_nothing(demo_twice):
    second = json.loads(demo_twice["second"].stdout.strip().splitlines()[-1])
    assert second["indexed"] == 0 and second["duplicates"] == {"exact": 0, "near": 0}
    assert second["not_modified"] > 0
    assert demo_twice["export1"] == demo_twice["export2"]


def test_export_follows_the_article_schema(demo_twice):
    docs = [json.loads(line) for line in demo_twice["export1"].splitlines()]
    fields = set(Article.__dataclass_fields__) - {"VOLATILE"}
    assert docs and all(fields <= set(doc) for doc in docs)
    assert all(doc["id"] and doc["canonical_url"].startswith("http") for doc in docs)
    assert len({doc["id"] for doc in docs}) == len(docs)


def test_search_with_filters(demo_twice):
    store = demo_twice["store"]
    hits = json.loads(newsmon("search", "deminers", "--story", "nk-engineers-russia",
                              "--store", store, "--json").stdout)
    assert hits and all("deminer" in (h["title"] + h["_snippet"]).lower() for h in hits)
    since = json.loads(newsmon("search", "engineers", "--since", "2025-08-01", "--store", store,
                               "--json").stdout)
    assert since and all(h["published_at"] >= "2025-08-01" for h in since)
    originals = json.loads(newsmon("search", "engineers", "--originals", "--store", store,
                                   "--json").stdout)
    assert all(h["duplicate_of"] is None for h in originals)
    assert "results for" in newsmon("search", "Kursk", "--store", store).stdout


def test_story_timeline_and_plot(demo_twice, tmp_path):
    plot = tmp_path / "story.png"
    out = newsmon("story", "nk-engineers-russia", "--store", demo_twice["store"], "--json",
                  "--plot", plot)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    days = [row["day"] for row in data["timeline"]]
    assert days == sorted(days) and len(days) >= 8
    assert "engineers" in data["figures"]
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = newsmon("story", "nk-engineers-russia", "--store", demo_twice["store"]).stdout
    assert "Claimed figures" in text and "Yonhap" in text


def test_unknown_story_and_bad_sources_fail_clearly(demo_twice, tmp_path):
    missing = newsmon("story", "nope", "--store", demo_twice["store"], check=False)
    assert missing.returncode == 2 and "no story" in missing.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - {id: x, kind: nonsense, url: 'http://x'}\n")
    run = newsmon("run", "--sources", bad, "--store", tmp_path / "s.sqlite", check=False)
    assert run.returncode == 1 and "kind must be one of" in run.stderr
