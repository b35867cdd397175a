"""newsmon's extraction on the article-extraction benchmark (181 pages), authors' metric."""

from __future__ import annotations

import json
import re
import time
from collections import Counter

from _eval import eval_dir, extraction_benchmark

from newsmon.pipeline.extract import extract_page


def _grams(text: str) -> Counter:
    tokens = re.findall(r"\w+", text or "")
    return Counter(tuple(tokens[i : i + 4]) for i in range(max(len(tokens) - 3, 0)))


def score(truth: dict, predicted: dict) -> dict:
    """Mean precision and recall over documents of word 4-gram overlap; F1 of the means."""
    precisions, recalls, exact = [], [], 0
    for doc_id, item in truth.items():
        expected = item["articleBody"]
        got = (predicted.get(doc_id) or {}).get("articleBody", "")
        t, p = _grams(expected), _grams(got)
        tp = sum((t & p).values())
        fp = sum((p - t).values())
        fn = sum((t - p).values())
        if fp == 0 and fn == 0:
            precisions.append(1.0)
            recalls.append(1.0)
        else:
            total = tp + fp + fn
            ntp, nfp, nfn = tp / total, fp / total, fn / total
            precisions.append(ntp / (ntp + nfp) if ntp + nfp else 0.0)
            recalls.append(ntp / (ntp + nfn) if ntp + nfn else 0.0)
        exact += re.findall(r"\w+", expected) == re.findall(r"\w+", got)
    precision = sum(precisions) / len(precisions)
    recall = sum(recalls) / len(recalls)
    f1 = 2 * precision * recall / (precision + recall)
    return {"f1": f1, "precision": precision, "recall": recall, "accuracy": exact / len(truth)}


def main() -> None:
    root = eval_dir() / "article-extraction-benchmark"
    truth, pages = extraction_benchmark()
    predicted: dict[str, dict] = {}
    rejected: Counter[str] = Counter()
    start = time.perf_counter()
    for doc_id, page in pages.items():
        try:
            predicted[doc_id] = {"articleBody": extract_page(page).text}
        except ValueError as exc:
            rejected[str(exc)] += 1
    seconds = time.perf_counter() - start

    ours = score(truth, predicted)

    def reference_output(name: str) -> dict:
        # Stored as {"version": ..., "output": {id: {"articleBody": ...}}}.
        data = json.loads((root / "reference-outputs" / f"{name}.json").read_text())
        return data.get("output", data)

    reference = score(truth, reference_output("trafilatura"))
    whole_page = score(truth, reference_output("html-text"))
    print(
        f"pages: {len(truth)}  rejected: {dict(rejected) or 0}  "
        f"time per page: {seconds / len(truth) * 1e3:.1f} ms"
    )
    for name, s in (
        ("newsmon extract", ours),
        ("trafilatura reference output", reference),
        ("whole-page text", whole_page),
    ):
        print(
            f"  {name:<30} F1 {s['f1']:.3f}  P {s['precision']:.3f}  R {s['recall']:.3f}  "
            f"accuracy {s['accuracy']:.3f}"
        )
    print(
        f"F1 ratio newsmon / trafilatura reference: {ours['f1'] / reference['f1']:.3f} "
        "(published reference F1: 0.958)"
    )


if __name__ == "__main__":
    main()
