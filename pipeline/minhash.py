"""MinHash signatures over word shingles, and LSH band keys.

Band keys are plain strings stored with each document, so finding near-duplicate candidates is
a terms query in any engine (SQLite, Elasticsearch, OpenSearch) and the state lives in the
store, not in one process's memory.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

NUM_PERM = 128
BANDS = 32  # 32 bands of 4 rows: a pair at Jaccard 0.5 meets in ~87% of
ROWS = NUM_PERM // BANDS  # cases, at 0.7 in >99.9%; candidates are verified afterwards
SHINGLE_WORDS = 4
_MERSENNE = np.uint64((1 << 61) - 1)
_rng = np.random.RandomState(1)  # fixed: signatures must be comparable across runs and hosts
_A = _rng.randint(1, 1 << 32, size=NUM_PERM, dtype=np.uint64)
_B = _rng.randint(0, 1 << 32, size=NUM_PERM, dtype=np.uint64)


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def signature(text: str) -> list[int]:
    grams = shingles(text)
    if not grams:
        return []
    hashes = np.array(
        [
            int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "little")
            for g in grams
        ],
        dtype=np.uint64,
    )
    # (a*x + b) mod p with a, x < 2**32 stays inside uint64.
    permuted = (_A[:, None] * hashes[None, :] + _B[:, None]) % _MERSENNE
    return permuted.min(axis=1).astype(np.int64).tolist()


def band_keys(sig: list[int]) -> list[str]:
    keys = []
    for band in range(BANDS):
        rows = sig[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(repr(rows).encode(), digest_size=8).hexdigest()
        keys.append(f"{band:02d}{digest}")
    return keys


def similarity(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    if not a or not b or len(a) != len(b):
        return 0.0
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)
