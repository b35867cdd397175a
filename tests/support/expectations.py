"""Fixture files carry their expected outcome in a comment:

    <!-- newsmon-expect: {"entries": 2, "warning": true} -->

so that a new regression case is one new file. A file without one must be rejected."""

from __future__ import annotations

import json
import re
from pathlib import Path

_EXPECT = re.compile(rb"newsmon-expect:\s*(\{.*?\})\s*-->", re.S)


def expected(path: Path) -> dict:
    match = _EXPECT.search(path.read_bytes())
    return json.loads(match.group(1)) if match else {"rejected": True}


def fixture_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file())
