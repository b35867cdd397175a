"""Fixture files carry their expected outcome in a comment:

    <!-- newsmon-expect: {"entries": 2, "warning": true} -->

so that a new regression case is one new file. A file without one must be rejected."""

from __future__ import annotations

import json
import re
from pathlib import Path

_EXPECT = re.compile(rb"newsmon-expect:\s*(\{.*?\})\s*-->", re.S)


def _text_bytes(raw: bytes) -> bytes:
    """The file's bytes as UTF-8, for a fixture written in UTF-16 or UTF-32 (by its BOM)."""
    for bom, codec in (
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if raw.startswith(bom):
            return raw.decode(codec).encode("utf-8")
    return raw


def expected(path: Path) -> dict:
    match = _EXPECT.search(_text_bytes(path.read_bytes()))
    return json.loads(match.group(1)) if match else {"rejected": True}


def fixture_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file())
