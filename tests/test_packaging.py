"""newsmon as a user installs it: a built wheel (not the checkout, not an editable install) in a
fresh virtual environment, run from a directory of its own."""

from __future__ import annotations

import json
import os
import re
import site
import socket
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[1]
PACKAGE_DATA = [
    "newsmon/seeds/nk-engineers-russia.yaml",
    "newsmon/seeds/000_b47da22447e8a96d.txt",
    "newsmon/seeds/sources.yaml",
    "newsmon/kibana/saved_objects.ndjson",
    "newsmon/pipeline/resources/stopwords_en.txt",
    "newsmon/pipeline/resources/aliases.yaml",
    "newsmon/resources/report.html",
    "newsmon/pipeline/store/sqlite_schema.sql",
    "newsmon/pipeline/store/engine/component_mappings.json",
    "newsmon/pipeline/store/engine/ism_policy.json",
    "newsmon/demoweb/content/outlets.yaml",
    "newsmon/crawlers/spiders/news.py",
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "--wheel-dir",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("newsmon-*.whl")
    return built


def test_the_wheel_holds_one_import_root_and_its_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert set(PACKAGE_DATA) <= names, set(PACKAGE_DATA) - names
    roots = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert roots == {"newsmon"}  # no top-level `pipeline` or `crawlers` to clash


def _requirements(dist_metadata, extras: set[str]) -> set[str]:
    out = set()
    for line in dist_metadata.get_all("Requires-Dist") or []:
        req = Requirement(line)
        if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in extras or {""}):
            out.add(re.sub(r"[-_.]+", "-", req.name).lower())
    return out


def test_a_cli_install_pulls_in_no_airflow(wheel):
    """Everything `pip install 'newsmon[nlp]'` would install, resolved from the wheel's
    metadata through the installed distributions' own metadata."""
    with zipfile.ZipFile(wheel) as zf:
        meta_name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        from email.parser import Parser

        own = Parser().parsestr(zf.read(meta_name).decode())
    wanted = _requirements(own, {"nlp"})
    assert "spacy" in wanted and "scrapy" in wanted  # the check sees real requirements
    closure: set[str] = set()
    while wanted:
        name = wanted.pop()
        if name in closure:
            continue
        closure.add(name)
        try:
            wanted |= _requirements(metadata.metadata(name), set())
        except metadata.PackageNotFoundError:
            pass  # a platform-only dependency
    assert not {n for n in closure if n.startswith("apache-airflow")}, sorted(closure)
    assert "apache-airflow" in _requirements(own, {"airflow"})  # and the extra does pull it


@pytest.fixture(scope="module")
def fresh_venv(wheel, tmp_path_factory) -> Path:
    """A new virtual environment with the wheel installed (no editable install). Its
    dependencies come from this test environment's site-packages through a .pth line, because
    the registries are not to be fetched from in tests; newsmon itself only from the wheel."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        timeout=120,
    )
    purelib = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(purelib) / "zz_test_dependencies.pth").write_text(site.getsitepackages()[0] + "\n")
    return venv


def test_the_installed_wheel_runs_the_demo_from_another_directory(fresh_venv, tmp_path):
    py = fresh_venv / "bin" / "python"
    where = subprocess.run(
        [
            str(py),
            "-c",
            "import newsmon, newsmon.pipeline, newsmon.seeds; "
            "print(newsmon.__file__, newsmon.pipeline.__file__, newsmon.seeds.__file__)",
        ],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert all(path.startswith(str(fresh_venv)) for path in where), where
    with socket.socket() as s:
        s.bind(("127.0.0.20", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    env["NEWSMON_HOME"] = str(tmp_path / "home")
    code = (
        "import sys; from newsmon.cli import main; rc = main(sys.argv[1:]); "
        "assert 'airflow' not in sys.modules, 'the CLI imported Airflow'; sys.exit(rc)"
    )
    proc = subprocess.run(
        [str(py), "-c", code, "demo", "--json", "--quiet", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["adds_up"] and summary["indexed"] > 0
    assert summary["store"] == str(tmp_path / "home" / "newsmon.sqlite")
    script = subprocess.run(
        [str(fresh_venv / "bin" / "newsmon"), "search", "deminers", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert script.returncode == 0 and json.loads(script.stdout), script.stderr
    # The report's template is package data: found in site-packages, not in a checkout.
    report = subprocess.run(
        [str(fresh_venv / "bin" / "newsmon"), "report", "nk-engineers-russia", "--html", "r.html"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert report.returncode == 0, report.stderr
    assert "<svg" in (tmp_path / "r.html").read_text(encoding="utf-8")
