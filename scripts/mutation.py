"""Mutation testing of the pipeline stages with mutmut (`make mutation`).

mutmut copies the code it mutates into mutants/ and imports it from there. newsmon's import
root is laid out by setuptools' package-dir mapping (pipeline/ is newsmon.pipeline), which an
editable install resolves with an import hook that would import the unmutated checkout; so
this script first builds a workspace in build/mutation/ with the installed layout (newsmon/,
newsmon/pipeline/, ...) and the stage tests, runs mutmut there, and prints what survived.

    python scripts/mutation.py                 # the stages listed in STAGES
    python scripts/mutation.py dedupe minhash  # some of them
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "build" / "mutation"
# The pipeline stages: pure functions over typed records, tested without a crawl or an engine.
STAGES = ["canonical", "dedupe", "minhash", "ledger", "stories", "sources", "runfiles"]
TESTS = [
    "tests/pipeline/test_canonical.py",
    "tests/pipeline/test_dedupe.py",
    "tests/pipeline/test_ledger.py",
    "tests/pipeline/test_stories.py",
    "tests/pipeline/test_sources.py",
    "tests/pipeline/test_runfiles.py",
]


def workspace(stages: list[str]) -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    mapping = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-dir"
    ]
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / mapping["newsmon"], WORK / "newsmon", ignore=ignore)
    for package, folder in mapping.items():
        if package.count(".") == 1:
            shutil.copytree(REPO / folder, WORK / package.replace(".", "/"), ignore=ignore)
    for test in TESTS:
        if (REPO / test).exists():
            (WORK / test).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / test, WORK / test)
    shutil.copytree(REPO / "tests" / "support", WORK / "tests" / "support", ignore=ignore)
    shutil.copy2(REPO / "tests" / "conftest.py", WORK / "tests" / "conftest.py")
    only = ", ".join(f'"newsmon/pipeline/{s}.py"' for s in stages)
    tests = ", ".join(f'"{t}"' for t in TESTS if (REPO / t).exists())
    (WORK / "pyproject.toml").write_text(f"""\
[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["tests/support"]
addopts = "-p no:cacheprovider -q"
filterwarnings = ["ignore::DeprecationWarning"]

[tool.mutmut]
source_paths = ["newsmon/pipeline"]
only_mutate = [{only}]
also_copy = ["newsmon/"]
pytest_add_cli_args_test_selection = [{tests}]
""")


def summary() -> dict[str, Counter[str]]:
    """{stage: Counter(killed=..., survived=..., ...)} from mutmut's own results."""
    out = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        cwd=WORK,
        capture_output=True,
        text=True,
    ).stdout
    by_stage: dict[str, Counter[str]] = {}
    for line in out.splitlines():
        match = re.match(r"\s*newsmon\.pipeline\.(\w+)\.\S+: (.+)$", line)
        if match:
            by_stage.setdefault(match.group(1), Counter())[match.group(2)] += 1
    return by_stage


def main(argv: list[str]) -> int:
    stages = argv or STAGES
    workspace(stages)
    mutmut = [sys.executable, "-m", "mutmut"]
    run = subprocess.run([*mutmut, "run"], cwd=WORK, stdout=subprocess.DEVNULL)
    subprocess.run([*mutmut, "results"], cwd=WORK)
    print(f"{'stage':<12}{'mutants':>9}{'killed':>9}{'survived':>10}  other")
    total: Counter[str] = Counter()
    for stage, counts in sorted(summary().items()):
        total += counts
        other = {k: v for k, v in counts.items() if k not in ("killed", "survived")}
        print(
            f"{stage:<12}{sum(counts.values()):>9}{counts['killed']:>9}{counts['survived']:>10}"
            f"  {other or ''}"
        )
    print(f"{'all':<12}{sum(total.values()):>9}{total['killed']:>9}{total['survived']:>10}")
    return run.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
