"""Stage 5, assign stories: score each article against every tracked story profile.

A profile comes from a seed file (seeds/*.yaml) and its seed article. Scoring is transparent:
required entity groups must all match, then the weight of matched topical terms, saturating,
gives a score in [0, 1]. Terms the seed article itself stresses are added with a small weight.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .enrich import keywords_of
from .errors import ConfigError
from .models import Article, StoryMatch, StoryProfile

SEED_TERM_WEIGHT = 0.2


class SeedFile(BaseModel):
    """A story seed file (seeds/*.yaml), validated before any crawl starts."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    title: str | None = None
    article: str | None = None
    start_date: date | None = None
    required: list[list[str]] = Field(default_factory=list)
    terms: dict[str, float] = Field(default_factory=dict)
    queries: list[str] = Field(default_factory=list)
    threshold: float = Field(default=0.6, ge=0, le=1)
    saturation: float = Field(default=3.0, gt=0)


def _seed_file(path: Path) -> SeedFile:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: seed file not found") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read seed file: {' '.join(str(exc).split())}") from exc
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: expected a mapping with at least `id:`")
    try:
        return SeedFile.model_validate(doc)
    except ValidationError as exc:
        raise ConfigError(
            "\n".join(
                f"{path}: {'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}"
                for e in exc.errors()
            )
        ) from None


def load_story(path: str | Path) -> StoryProfile:
    path = Path(path)
    seed = _seed_file(path)
    seed_text = ""
    if seed.article:
        article = path.parent / seed.article
        try:
            seed_text = article.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: article: cannot read {article}: {exc.strerror}") from exc
    doc = seed.model_dump(exclude_none=True)
    if seed.start_date:
        doc["start_date"] = seed.start_date.isoformat()
    terms = {str(k).lower(): float(v) for k, v in (doc.get("terms") or {}).items()}
    for term in keywords_of("", seed_text, limit=15):
        terms.setdefault(term, SEED_TERM_WEIGHT)
    profile = StoryProfile(
        id=doc["id"],
        title=doc.get("title", doc["id"]),
        start_date=str(doc.get("start_date", "")),
        required=[[str(t).lower() for t in group] for group in doc.get("required") or []],
        terms=terms,
        queries=list(doc.get("queries") or []),
        threshold=float(doc.get("threshold", 0.6)),
        saturation=float(doc.get("saturation", 3.0)),
        seed_text=seed_text,
    )
    return profile


def load_stories(paths: Iterable[str | Path]) -> list[StoryProfile]:
    return [load_story(p) for p in paths]


def _contains(haystack: str, term: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(term)}(?!\w)", haystack) is not None


def score(article: Article, profile: StoryProfile) -> float:
    haystack = f"{article.title}\n{article.text}".lower()
    for group in profile.required:
        if not any(_contains(haystack, term) for term in group):
            return 0.0
    if (
        profile.start_date
        and article.published_at
        and article.published_at[:10] < profile.start_date
    ):
        return 0.0
    matched = sum(w for term, w in profile.terms.items() if _contains(haystack, term))
    return round(min(1.0, matched / profile.saturation), 3)


def assign_article(article: Article, profiles: list[StoryProfile]) -> Article:
    article.stories = [
        StoryMatch(p.id, s) for p in profiles if (s := score(article, p)) >= p.threshold
    ]
    return article


def assign_stories(articles: Iterable[Article], profiles: list[StoryProfile]) -> Iterator[Article]:
    for article in articles:
        yield assign_article(article, profiles)
