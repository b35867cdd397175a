"""Synthetic article documents for store benchmarks: realistic sizes, varied words, claims."""

from __future__ import annotations

import random

from _eval import REPO  # noqa: F401  (puts the repo on sys.path)

from newsmon.pipeline import minhash
from newsmon.pipeline.extract import content_hash
from newsmon.pipeline.models import Article, Claim, Entity, StoryMatch, doc_id

WORDS = (
    "north korea russia engineers deminers kursk troops deployment intelligence service "
    "seoul moscow pyongyang bridge railway minefield report officials lawmakers briefing "
    "estimate ministry defence agency border region satellite imagery camps analysts army "
    "construction workers ukraine war front casualties statement president treaty"
).split()
OUTLETS = [f"outlet-{n}" for n in range(40)]


def _vocabulary(size: int = 20000, seed: int = 3) -> list[str]:
    """News-like vocabulary: the story's words plus many pseudo-words, so that a query
    matches a realistic share of documents rather than all of them."""
    rng = random.Random(seed)
    letters = "abcdefghiklmnoprstuvwy"
    made = {"".join(rng.choice(letters) for _ in range(rng.randint(4, 10))) for _ in range(size)}
    return WORDS + sorted(made - set(WORDS))


VOCABULARY = _vocabulary()
# Zipf-like weights: word k is used about 1/k as often as the most common one.
_WEIGHTS = [1 / (k + 1) for k in range(len(VOCABULARY))]


PEOPLE = [f"Person {k:04d}" for k in range(2000)]
_PEOPLE_RANKS = range(len(PEOPLE))
_PW = [1 / (k + 1) for k in _PEOPLE_RANKS]


def articles(count: int, seed: int = 7, with_minhash: bool = True) -> list[Article]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        text = " ".join(rng.choices(VOCABULARY, _WEIGHTS, k=rng.randint(120, 260))) + "."
        url = f"https://{rng.choice(OUTLETS)}.example/news/{n}"
        sig = minhash.signature(text) if with_minhash else []
        # Three people of 2,000, the frequent ones often (Zipf), and the story's man in a third.
        people = [Entity(PEOPLE[k], "PERSON") for k in set(rng.choices(_PEOPLE_RANKS, _PW, k=3))]
        if n % 3 == 0:
            people.append(Entity("Kim Jong Un", "PERSON"))
        out.append(
            Article(
                id=doc_id(url),
                url=url,
                canonical_url=url,
                source=url.split("/")[2].split(".")[0],
                source_name="Outlet",
                title=f"Report {n}: " + " ".join(rng.sample(WORDS, 6)),
                text=text,
                fetched_at="2025-09-01T00:00:00Z",
                published_at=(
                    f"2025-{rng.randint(6, 8):02d}-{rng.randint(1, 28):02d}"
                    f"T{rng.randint(0, 23):02d}:00:00Z"
                ),
                language="en",
                content_hash=content_hash(text),
                dup_group=doc_id(url),
                minhash=sig,
                minhash_bands=minhash.band_keys(sig) if sig else [],
                entities=people + [Entity("Kursk", "GPE")],
                persons=[e.text for e in people],
                places=["Kursk"],
                orgs=["National Intelligence Service"],
                keywords=rng.sample(WORDS, 5),
                claims=[
                    Claim(
                        float(rng.choice([1000, 5000, 6000])), "engineers", "text", "NIS", "Yonhap"
                    )
                ],
                stories=[StoryMatch("nk-engineers-russia", 0.9)] if n % 3 == 0 else [],
            )
        )
    return out
