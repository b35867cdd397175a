"""Every edge-case feed of the feedparser project through newsmon's feed ingestion."""

from __future__ import annotations

import time
from collections import Counter

import feedparser
from _eval import eval_dir

from newsmon.pipeline.feeds import parse_feed


def main() -> None:
    root = eval_dir() / "feedparser-feeds"
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != "LICENSE")
    bodies = [(p, p.read_bytes()) for p in files]

    start = time.perf_counter()
    for _, body in bodies:
        feedparser.parse(body)
    raw_seconds = time.perf_counter() - start

    outcomes: Counter[str] = Counter()
    by_folder: dict[str, Counter[str]] = {}
    unhandled = []
    start = time.perf_counter()
    for path, body in bodies:
        try:
            result = parse_feed(body, f"https://example.org/{path.name}", "bench")
        except Exception as error:  # the point of the benchmark: this must never happen
            unhandled.append((path, error))
            continue
        if result.error:
            key = f"rejected:{result.error}"
        elif result.entries:
            key = "entries"
        elif result.skipped:
            key = "entries skipped:" + ",".join(sorted({r for _, r in result.skipped}))
        else:
            key = "feed without entries"
        outcomes[key] += 1
        by_folder.setdefault(path.relative_to(root).parts[0], Counter())[key] += 1
    ours_seconds = time.perf_counter() - start

    print(f"feeds: {len(bodies)}  unhandled errors: {len(unhandled)}")
    for key, n in outcomes.most_common():
        print(f"  {n:5d}  {key}")
    for folder, counts in sorted(by_folder.items()):
        print(f"  {folder:<11} " + ", ".join(f"{k}={v}" for k, v in counts.most_common(4)))
    per_feed_ours = ours_seconds / len(bodies) * 1e3
    per_feed_raw = raw_seconds / len(bodies) * 1e3
    print(
        f"time per feed: newsmon {per_feed_ours:.2f} ms, raw feedparser {per_feed_raw:.2f} ms, "
        f"ratio {per_feed_ours / per_feed_raw:.2f}"
    )
    for path, exc in unhandled[:10]:
        print(f"  UNHANDLED {path}: {exc!r}")
    raise SystemExit(1 if unhandled else 0)


if __name__ == "__main__":
    main()
