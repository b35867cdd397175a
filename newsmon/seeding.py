"""A story seed from an article: a text file, an HTML file, or a URL (`newsmon seed add`), or an
emergent story an analyst promotes (`newsmon stories promote`)."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from .pipeline.charset import decode_page
from .pipeline.errors import ConfigError
from .pipeline.extract import extract_page
from .pipeline.models import FetchedPage, StoryProfile, utc_now
from .pipeline.profiles import derive_profile
from .pipeline.stories import seed_document

MAX_SEED_BYTES = 10_000_000
USER_AGENT = "newsmon (+https://github.com/newsmon) seed"


def _page(url: str, body: bytes, content_type: str) -> FetchedPage:
    encoding, text = decode_page(body, content_type)
    return FetchedPage(
        url=url,
        final_url=url,
        status=200,
        body=text,
        encoding=encoding,
        fetched_at=utc_now(),
        source="seed",
        source_name="seed",
        content_type=content_type,
    )


def read_article(where: str, timeout: float = 30.0) -> tuple[str, str, str]:
    """(title, text, date) of the article at a URL or in a file (plain text, or HTML)."""
    if re.match(r"https?://", where):
        request = urllib.request.Request(where, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                body = response.read(MAX_SEED_BYTES + 1)
                content_type = response.headers.get("Content-Type", "")
                final = response.geturl()
        except OSError as exc:
            raise ConfigError(f"{where}: cannot fetch the seed article: {exc}") from exc
        if len(body) > MAX_SEED_BYTES:
            raise ConfigError(f"{where}: larger than {MAX_SEED_BYTES:,} bytes")
        return _from_html(final, body, content_type)
    path = Path(where)
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the seed article: {exc.strerror}") from exc
    if path.suffix.lower() in {".html", ".htm"} or body.lstrip()[:1] == b"<":
        return _from_html(path.resolve().as_uri(), body, "text/html")
    text = body.decode("utf-8", errors="replace").strip()
    return "", text, ""


def _from_html(url: str, body: bytes, content_type: str) -> tuple[str, str, str]:
    try:
        article = extract_page(_page(url, body, content_type))
    except ValueError as exc:
        raise ConfigError(f"{url}: no article found in the page ({exc})") from exc
    return article.title, article.text, (article.published_at or "")[:10]


def derive_seed(
    where: str,
    story_id: str | None,
    title: str | None,
    date: str | None,
    nlp: Any,
) -> tuple[StoryProfile, str]:
    """The profile of the article, and the text it was derived from."""
    found_title, text, found_date = read_article(where)
    if not text.strip():
        raise ConfigError(f"{where}: the seed article has no text")
    title = title or found_title or text.strip().split("\n", 1)[0][:120]
    story_id = story_id or _slug(title)
    profile = derive_profile(story_id, title, text, nlp, date=date or found_date)
    return profile, text


def _slug(title: str) -> str:
    words = re.findall(r"[a-z0-9]+", title.lower())
    return "-".join(words[:6]) or "story"


def write_seed(profile: StoryProfile, output: Path, article: str | None) -> None:
    header = (
        f"# Story seed {profile.id}, derived from its article by `newsmon seed add`.\n"
        '# Every part may be edited by hand (README, "Story seeds"); `required:` and\n'
        "# `extra_terms:` are further overrides. Nothing here needs editing to work.\n"
    )
    doc = seed_document(profile, article)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        header
        + yaml.safe_dump(
            doc, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None
        ),
        encoding="utf-8",
    )


def promote(
    store: Any, story_id: str, new_id: str | None, title: str | None, nlp: Any
) -> tuple[StoryProfile, str]:
    """A tracked story's profile from an emergent story: derived from its earliest original
    article (what the story was first about), as `seed add` derives one from an article."""
    from .pipeline.stories import EMERGENT_PREFIX

    if not story_id.startswith(EMERGENT_PREFIX):
        raise ConfigError(f"{story_id}: not an emergent story (their ids start {EMERGENT_PREFIX})")
    docs = [d for d in store.story_articles(story_id) if not d.get("duplicate_of")]
    if not docs:
        known = [s["id"] for s in store.list_stories() if s.get("kind") == "emergent"]
        raise ConfigError(
            f"{story_id}: no such emergent story; known: {', '.join(known[:10]) or 'none'}"
        )
    first = min(docs, key=lambda d: (str(d.get("published_at") or d["fetched_at"]), d["id"]))
    title = title or first["title"]
    profile = derive_profile(
        new_id or _slug(title),
        title,
        first["text"],
        nlp,
        date=str(first.get("published_at") or "")[:10],
        language=first.get("language") or None,
    )
    return profile, first["text"]
