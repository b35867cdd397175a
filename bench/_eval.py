from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def eval_dir() -> Path:
    path = Path(os.environ.get("NEWSMON_EVAL_DIR", REPO.parent / "shared" / "eval"))
    if not path.is_dir():
        sys.exit(f"evaluation data not found at {path}: set NEWSMON_EVAL_DIR")
    return path
