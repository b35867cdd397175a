"""MinHash signatures over word shingles, and LSH band keys.

Band keys are plain strings stored with each document, so finding near-duplicate candidates is
a terms query in any engine (SQLite, Elasticsearch, OpenSearch) and the state lives in the
store, not in one process's memory.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

VERSION = 2  # stored with each signature; 1 had near-monotone permutations (see below)
NUM_PERM = 128
# 42 bands of 3 rows (126 of the 128 values): two texts at Jaccard 0.4 share a band in 94 % of
# cases, at 0.5 in 99.6 %, while two unrelated news texts (Jaccard ~0.005 over 4-word
# shingles) do in 5 of a million. Candidates are then verified on the whole signature.
BANDS = 42
ROWS = 3
SHINGLE_WORDS = 4
# Real permutations of the 32-bit shingle hashes: x -> (a*x + b) mod p is a bijection of Z_p
# for a prime p > 2**32 and a != 0. With a, b, x < 2**32, a*x + b < 2**64 is computed exactly
# in uint64, and reducing by a p just above 2**32 wraps it about a times, so the order of the
# permuted values has nothing to do with the order of the hashes. (Version 1 reduced by
# 2**61 - 1, which a*x hardly reaches: every permutation kept the hashes' order, and the
# smallest hash won most rows.)
PRIME = (1 << 32) + 15
_rng = np.random.RandomState(1)  # fixed: signatures must be comparable across runs and hosts
_A = _rng.randint(1, 1 << 32, size=NUM_PERM, dtype=np.uint64)
_B = _rng.randint(0, 1 << 32, size=NUM_PERM, dtype=np.uint64)
_P = np.uint64(PRIME)


_WORD = re.compile(r"\w+")
# Four odd 64-bit constants (from the SplitMix64 and MurmurHash3 finalisers): a shingle's hash
# depends on the order of its words, then is mixed so every output bit depends on every input.
_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0xC4CEB9FE1A85EC53],
    dtype=np.uint64,
)
_WORD_HASHES: dict[str, int] = {}  # word -> 64-bit hash; news vocabularies repeat
_WORD_CACHE_MAX = 2_000_000


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """The text's word shingles (what the signature summarises): for tests and analysis."""
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def _word_hash(word: str) -> int:
    found = _WORD_HASHES.get(word)
    if found is None:
        if len(_WORD_HASHES) >= _WORD_CACHE_MAX:
            _WORD_HASHES.clear()
        found = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
        _WORD_HASHES[word] = found
    return found


def shingle_hashes(text: str) -> np.ndarray:
    """32-bit hashes of the text's distinct 4-word shingles, computed on whole arrays: the
    words are hashed once each (and cached), and each shingle's hash combines its four."""
    words = _WORD.findall(text.lower())
    if not words:
        return np.empty(0, dtype=np.uint64)
    values = list(map(_WORD_HASHES.get, words))
    if None in values:
        values = [v if v is not None else _word_hash(w) for v, w in zip(values, words, strict=True)]
    hashed = np.array(values, dtype=np.uint64)
    size = min(SHINGLE_WORDS, len(hashed))
    count = len(hashed) - size + 1
    with np.errstate(over="ignore"):  # uint64 arithmetic wraps, as a hash wants it to
        mixed = np.zeros(count, dtype=np.uint64)
        for offset in range(size):
            mixed += hashed[offset : offset + count] * _MIX[offset]
        mixed ^= mixed >> np.uint64(33)
        mixed *= _MIX[3]
        mixed ^= mixed >> np.uint64(29)
    return np.unique(mixed >> np.uint64(32))


def signature(text: str) -> list[int]:
    hashes = shingle_hashes(text)
    if not len(hashes):
        return []
    permuted = (_A[:, None] * hashes[None, :] + _B[:, None]) % _P
    return permuted.min(axis=1).astype(np.int64).tolist()


def band_keys(sig: list[int]) -> list[str]:
    keys = []
    for band in range(BANDS):
        rows = sig[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(repr(rows).encode(), digest_size=8).hexdigest()
        keys.append(f"v{VERSION}.{band:02d}{digest}")  # never equal to another version's key
    return keys


def similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    if not a or not b or len(a) != len(b):
        return 0.0
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)
