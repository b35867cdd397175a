"""The sources file is validated whole before any crawl starts: every problem is one line
naming the file and the field."""

from __future__ import annotations

import pytest

from newsmon.pipeline.sources import SourcesError, load_sources


def _write(tmp_path, text: str):
    path = tmp_path / "sources.yaml"
    path.write_text(text)
    return path


def test_defaults_apply_unless_a_source_sets_its_own(tmp_path):
    path = _write(
        tmp_path,
        """
defaults: {allow_networks: [127.0.0.0/8], timeout: 7, max_page_bytes: 1000}
sources:
  - {id: a, url: "https://a.example/rss.xml"}
  - {id: b, name: Bee, kind: sitemap, url: "https://b.example/s.xml", timeout: 3,
     max_page_bytes: 50, allow_networks: [], wire: true}
  - {id: 7, kind: search, url: "https://s.example/?q={query}"}
""",
    )
    plan = load_sources(path, ["North Korea engineers", "deminers"])
    a, b, *search = plan.sources
    assert (a.name, a.kind, a.allow_networks, a.timeout, a.max_page_bytes, a.wire) == (
        "a",
        "feed",
        ("127.0.0.0/8",),
        7,
        1000,
        False,
    )
    assert (b.name, b.kind, b.allow_networks, b.timeout, b.max_page_bytes, b.wire) == (
        "Bee",
        "sitemap",
        (),
        3,
        50,
        True,
    )
    assert [s.url for s in search] == [
        "https://s.example/?q=North+Korea+engineers",
        "https://s.example/?q=deminers",
    ]
    assert {s.id for s in search} == {"7"}
    assert plan.max_page_bytes == 1000


@pytest.mark.parametrize(
    "text, problems",
    [
        ("sources: []", ["sources: List should have at least 1 item"]),
        ("sources:\n  - {url: 'https://a.example'}", ["sources[0].id: Field required"]),
        (
            "sources:\n  - {id: a, url: 'ftp://a.example/x'}",
            ["sources[0].url: Value error, must be an http:// or https:// URL with a host"],
        ),
        (
            "sources:\n  - {id: a, url: 'https://a.example', kind: search}",
            ["sources[0]: Value error, a search source needs {query} in its url"],
        ),
        (
            "sources:\n  - {id: a, url: 'https://a.example', timeout: 0}",
            ["sources[0].timeout: Input should be greater than 0"],
        ),
        (
            "sources:\n  - {id: a, url: 'https://a.example', colour: red}",
            ["sources[0].colour: Extra inputs are not permitted"],
        ),
        (
            "defaults: {allow_networks: [10.0.0.0/33]}\nsources:\n  - {id: a, url: 'https://a.example'}",
            ["defaults.allow_networks: Value error"],
        ),
        # Two problems: two lines.
        (
            "sources:\n  - {id: a, url: 'x'}\n  - {id: b, url: 'https://b.example', kind: rss}",
            ["sources[0].url: Value error", "sources[1].kind: Input should be 'feed', 'sitemap'"],
        ),
    ],
)
def test_every_problem_is_one_line_naming_file_and_field(tmp_path, text, problems):
    path = _write(tmp_path, text)
    with pytest.raises(SourcesError) as err:
        load_sources(path)
    lines = str(err.value).splitlines()
    assert len(lines) == len(problems)
    for line, problem in zip(lines, problems, strict=True):
        assert line.startswith(f"{path}: {problem}"), line


def test_unreadable_files(tmp_path):
    with pytest.raises(SourcesError, match="sources file not found"):
        load_sources(tmp_path / "missing.yaml")
    with pytest.raises(SourcesError, match=r"not valid YAML \(line 1\)"):
        load_sources(_write(tmp_path, "sources: [a, {b"))
    with pytest.raises(SourcesError, match="expected a mapping"):
        load_sources(_write(tmp_path, "- just a list"))
