"""Run mypy on newsmon as it imports: `newsmon.pipeline` is the repository's pipeline/ folder.

setuptools' package-dir mapping (pyproject.toml) puts pipeline/, crawlers/, seeds/ and kibana/
under the one import root `newsmon`; an editable install resolves that with an import hook that
mypy cannot see. So this script lays the mapping out as a tree of symbolic links in
build/typecheck/ (read from pyproject.toml, so it cannot drift) and runs mypy on it, on dags/ and
on bench/. Error paths are printed as repository paths.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TREE = REPO / "build" / "typecheck"


def link_tree() -> dict[str, str]:
    """Build the tree; return {tree prefix: repository prefix} for rewriting error paths."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapping: dict[str, str] = config["package-dir"]
    shutil.rmtree(TREE, ignore_errors=True)
    root = TREE / "newsmon"
    root.mkdir(parents=True)
    for entry in (REPO / mapping["newsmon"]).iterdir():
        if entry.name != "__pycache__":
            os.symlink(entry, root / entry.name)
    rewrites = {f"{TREE.relative_to(REPO)}/newsmon/": f"{mapping['newsmon']}/"}
    for package, folder in mapping.items():
        if package.count(".") == 1:  # newsmon.pipeline -> pipeline/
            os.symlink(REPO / folder, root / package.split(".", 1)[1])
            rewrites[f"{TREE.relative_to(REPO)}/{package.replace('.', '/')}/"] = f"{folder}/"
    return rewrites


def main() -> int:
    rewrites = link_tree()
    tree = str(TREE.relative_to(REPO) / "newsmon")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", tree, "dags", "bench", *sys.argv[1:]],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    for line in (proc.stdout + proc.stderr).splitlines():
        for tree_prefix, repo_prefix in sorted(rewrites.items(), key=lambda kv: -len(kv[0])):
            if line.startswith(tree_prefix):
                line = repo_prefix + line[len(tree_prefix) :]
                break
        print(line)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
