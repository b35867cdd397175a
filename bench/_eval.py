from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def eval_dir() -> Path:
    path = Path(os.environ.get("NEWSMON_EVAL_DIR", REPO.parent / "shared" / "eval"))
    if not path.is_dir():
        sys.exit(f"evaluation data not found at {path}: set NEWSMON_EVAL_DIR")
    return path


def extraction_benchmark() -> tuple[dict[str, dict], dict[str, Any]]:
    """The article-extraction benchmark: its ground truth, and each page as the crawler would
    have landed it (id -> FetchedPage), in the ground truth's order."""
    from newsmon.pipeline.models import FetchedPage

    root = eval_dir() / "article-extraction-benchmark"
    truth = json.loads((root / "ground-truth.json").read_text())
    pages = {}
    for doc_id, item in truth.items():
        raw = gzip.decompress((root / "html" / f"{doc_id}.html.gz").read_bytes())
        pages[doc_id] = FetchedPage(
            url=item["url"],
            final_url=item["url"],
            status=200,
            body=raw.decode("utf-8", errors="replace"),
            encoding="utf-8",
            fetched_at="2025-01-01T00:00:00Z",
            source="bench",
            source_name="bench",
        )
    return truth, pages
