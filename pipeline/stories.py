"""Stage 5, assign stories: each article joins the tracked stories it belongs to; an article
that joins none is clustered into an emergent story.

A tracked story's profile is derived from its seed article alone (pipeline/profiles.py); a
seed file may add overrides. An article's score for a story combines

- text similarity: the cosine of the article's distinctive terms (pipeline/terms.py) with the
  story's, the story's being the seed's plus, with decay, those of its confident members so
  far: later phases (casualties, a deal, an inquiry) bring words the seed never used;
- entity overlap: the weight of the story's key entities found in the article, by every form
  they go by in any language (so "Nordkorea" and "Corée du Nord" count as North Korea);
- distance in time: past a grace period since the story was last active, the score decays.

Evolution is bounded: members count at most as much as the seed, only confident members
count, copies do not count, and only members published before the article: re-running over
the same input gives the same assignment, and assignment does not depend on arrival order
within a batch (the batch is in publication order, see dedupe).

Emergent stories: an article that joins no tracked story joins the most similar recent
emergent story, or starts one. The id of an emergent story is its first member's, so ids are
stable across runs; when an article shows two emergent stories to be one, the younger is
merged into the older (a StoryMerge record; the index step moves its members).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .aliases import Aliases, load_aliases
from .errors import ConfigError
from .models import Article, Claim, ProfileEntity, StoryMatch, StoryMerge, StoryProfile
from .profiles import derive_profile, fallback_entities
from .terms import COMBINING, combine, cosine, fold, normalise, term_vector, vector_norm
from .timeline import ranked

# Tuned on the development half of bench/labelled (bench/story_tracking.py); see README.
THRESHOLD = 0.5
TERMS_WEIGHT = 0.55  # text similarity's share of the score; entity overlap has the rest
TERMS_SATURATION = 0.4  # a cosine at which text similarity counts in full
# Across languages only names are shared terms (Kaub, Veltrix), so a lower cosine means as much.
CROSS_LANGUAGE_SATURATION = 0.1
GRACE_DAYS = 21.0  # no decay within this many days of the story's last activity
DECAY_DAYS = 45.0  # then the score falls by 1/e every this many days
EVOLVE_WEIGHT = 0.5  # the members' centroid against the seed's 1.0
EVOLVE_MEMBERS = 20  # the most recent confident members that make the centroid
CONFIDENT = 1.2  # a member counts for evolution at this multiple of the threshold
ANCHORS = 3  # the story's heaviest entities: an article names two of them in one sentence
# ... of its lead: the title and the first two sentences. News puts who did what to whom there;
# the same names together further down are background. (The labelled set scores the same for
# any lead of 2 or more; the look-alike in tests/pipeline/test_stories.py needs at most 3.)
LEAD_SENTENCES = 3
ANCHOR_FALLBACK = 0.7  # or one in its title, with text this similar (of TERMS_SATURATION)
EMERGENT_JOIN = 0.5  # the least similarity to an emergent story to join it
EMERGENT_MERGE = 0.6  # two emergent stories this similar are one
EMERGENT_WINDOW_DAYS = 45.0  # an emergent story takes articles this close to its last member
EMERGENT_ENTITIES = 3  # shared entities for the entity part of similarity to count in full
EMERGENT_PREFIX = "emerging-"
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


class FigureModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: float
    unit: str
    attribution: str = ""
    claimant: str = ""
    via: str = ""
    text: str = ""
    hedges: list[str] = Field(default_factory=list)
    value_max: float | None = None
    kind: str = "count"
    counted: str = ""
    vague: bool = False


class EntityModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    label: str = "ORG"
    weight: float = Field(default=1.0, ge=0)
    forms: list[str] = Field(default_factory=list)


class SeedFile(BaseModel):
    """A story seed file (seeds/*.yaml), validated before any crawl starts. Only `id` and the
    article are needed; what is missing is derived from the article when the file is loaded,
    and what `newsmon seed add` wrote may be edited."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    title: str | None = None
    article: str | None = None  # the seed article, a text file relative to this file
    date: dt.date | None = None  # the seed's date: the story's start in time
    language: str | None = None
    entities: list[EntityModel] | None = None
    terms: dict[str, float] | None = None
    figures: list[FigureModel] = Field(default_factory=list)
    queries: list[str] | None = None
    threshold: float = Field(default=THRESHOLD, ge=0, le=1)
    # Overrides by hand (nothing needs them): term groups that must all match, extra terms.
    required: list[list[str]] = Field(default_factory=list)
    extra_terms: dict[str, float] = Field(default_factory=dict)


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


def load_story(
    path: str | Path,
    nlp: Any = None,
    aliases: Aliases | None = None,
    spacy_model: str | None = None,
) -> StoryProfile:
    """A seed file as a profile: what the file gives, and what it leaves out derived from its
    article (the spaCy pipeline is loaded only when entities must be derived)."""
    path = Path(path)
    seed = _seed_file(path)
    seed_text = ""
    if seed.article:
        article = path.parent / seed.article
        try:
            seed_text = article.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: article: cannot read {article}: {exc.strerror}") from exc
    elif seed.entities is None or seed.terms is None:
        raise ConfigError(f"{path}: needs `article:` (or derived `entities:` and `terms:`)")
    title = seed.title or seed.id
    if seed.entities is None and nlp is None:
        from .enrich import load_nlp

        nlp = load_nlp(spacy_model)
    needs = seed.entities is None or seed.terms is None or seed.queries is None
    derived = (
        derive_profile(
            seed.id,
            title,
            seed_text,
            nlp,
            date=seed.date.isoformat() if seed.date else "",
            aliases=aliases,
            language=seed.language,
        )
        if needs
        else None
    )

    def given_or_derived(given: Any, name: str) -> Any:
        return given if given is not None else getattr(derived, name)

    return StoryProfile(
        id=seed.id,
        title=title,
        start_date=seed.date.isoformat() if seed.date else "",
        language=given_or_derived(seed.language, "language") if derived else seed.language or "en",
        entities=given_or_derived(
            seed.entities and [ProfileEntity(**e.model_dump()) for e in seed.entities], "entities"
        ),
        terms=given_or_derived(seed.terms, "terms"),
        figures=[Claim(**f.model_dump()) for f in seed.figures]
        or (derived.figures if derived else []),
        queries=given_or_derived(seed.queries, "queries"),
        threshold=seed.threshold,
        required=[[fold(t) for t in group] for group in seed.required],
        extra_terms={fold(t): w for t, w in seed.extra_terms.items()},
        seed_text=seed_text,
    )


def load_stories(
    paths: Iterable[str | Path], nlp: Any = None, spacy_model: str | None = None
) -> list[StoryProfile]:
    return [load_story(p, nlp, spacy_model=spacy_model) for p in paths]


def seed_document(profile: StoryProfile, article: str | None = None) -> dict[str, Any]:
    """A profile as the seed file `newsmon seed add` writes: every derived part, editable."""
    doc: dict[str, Any] = {"id": profile.id, "title": profile.title}
    if article:
        doc["article"] = article
    if profile.start_date:
        doc["date"] = profile.start_date
    doc["language"] = profile.language
    doc["entities"] = [
        {"name": e.name, "label": e.label, "weight": e.weight, "forms": e.forms}
        for e in profile.entities
    ]
    doc["terms"] = dict(profile.terms)
    # Each figure with what differs from the defaults: a seed file stays short to read.
    doc["figures"] = [
        {
            k: v
            for k, v in (
                ("value", c.value),
                ("value_max", c.value_max),
                ("unit", c.unit),
                ("kind", c.kind),
                ("attribution", c.attribution),
                ("claimant", c.claimant),
                ("via", c.via),
                ("hedges", c.hedges),
                ("vague", c.vague),
            )
            if v not in ("", None, [], False) and not (k == "kind" and v == "count")
        }
        for c in profile.figures
    ]
    doc["queries"] = profile.queries
    doc["threshold"] = profile.threshold
    return doc


# -- evidence --------------------------------------------------------------------------------


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None


def article_day(article: Article) -> date | None:
    return _day(article.published_at) or _day(article.fetched_at)


class EntityForms:
    """Every form of one entity as two patterns per language: the folded forms (no case, no
    accents) and the acronyms (capitals only: NIS, not "nis"). A form ``Island@de`` counts in
    German articles only."""

    def __init__(self, entity: ProfileEntity):
        self.forms: list[tuple[str, bool, str]] = []  # (text to find, in capitals, language)
        for raw in {entity.name, *entity.forms}:
            form, _, lang = raw.partition("@")
            cased = form.isupper()
            text = _unaccent(form) if cased else fold(form)
            if len(text) >= 2:
                self.forms.append((text, cased, lang))
        self._patterns: dict[str, tuple[re.Pattern[str] | None, re.Pattern[str] | None]] = {}

    def patterns(self, lang: str) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        found = self._patterns.get(lang)
        if found is None:
            found = self._patterns[lang] = (
                _alternation(
                    t for t, cased, only in self.forms if not cased and only in ("", lang)
                ),
                _alternation(t for t, cased, only in self.forms if cased and only in ("", lang)),
            )
        return found

    def search(self, folded: str, cased: str, lang: str) -> bool:
        plain, capitals = self.patterns(lang)
        return bool((plain and plain.search(folded)) or (capitals and capitals.search(cased)))


def _alternation(texts: Iterable[str]) -> re.Pattern[str] | None:
    """Any of the texts as a whole word, longest first. The alternatives are laid out as a
    trie: Python's re tries every branch of a flat alternation at every position (1.9 ms an
    article for the 567 alias forms, against 0.17 ms as a trie, with the same matches)."""
    root: dict[str, dict] = {}
    for text in set(texts):
        node = root
        for char in text:
            node = node.setdefault(char, {})
        node[""] = {}
    if not root:
        return None
    return re.compile(r"(?<!\w)" + _trie(root) + r"(?!\w)")


def _trie(node: dict[str, dict]) -> str:
    # At most one branch can take the next character, and a greedy `?` tries the longer form
    # first, so the match is the longest form that ends on a word boundary.
    branches = [re.escape(char) + _trie(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    if len(branches) == 1 and "" not in node:
        return branches[0]
    group = "(?:" + "|".join(branches) + ")"
    return group + "?" if "" in node else group


def _unaccent(text: str) -> str:
    """Accents off, case kept: the form acronyms are found in."""
    if text.isascii():
        return text
    return COMBINING.sub("", unicodedata.normalize("NFKD", text))


@dataclass
class ArticleText:
    """What scoring reads of an article, computed once for every story."""

    article: Article
    vector: dict[str, float]
    folded: str
    cased: str
    day: date | None

    @classmethod
    def of(cls, article: Article) -> ArticleText:
        text = f"{article.title}\n{article.text}"
        lang = article.language or "en"
        return cls(
            article,
            article.term_vector or term_vector(article.title, article.text, lang),
            fold(text),
            _unaccent(text),
            article_day(article),
        )

    def has(self, forms: EntityForms) -> bool:
        return forms.search(self.folded, self.cased, self.article.language)

    @cached_property
    def sentences(self) -> list[tuple[str, str]]:
        """(folded, cased) of each sentence, the title first."""
        text = f"{self.article.title}\n{self.article.text}"
        return [(fold(part), _unaccent(part)) for part in _SENTENCE.split(text)]

    def sentences_with(self, forms: EntityForms, first: int | None = None) -> set[int]:
        """The sentences (0 is the title) that name the entity, of the first `first`."""
        lang = self.article.language
        return {
            n
            for n, (folded, cased) in enumerate(self.sentences[:first])
            if forms.search(folded, cased, lang)
        }


@dataclass
class _Member:
    day: date
    vector: dict[str, float]


def _member_day(member: _Member) -> date:
    return member.day


@dataclass
class TrackedStory:
    """A tracked story as scoring sees it: the profile, compiled, and its confident members."""

    profile: StoryProfile
    terms: dict[str, float]  # the seed's, with the seed file's extra terms
    seed_day: date | None
    entity_forms: list[tuple[float, EntityForms]]
    required: list[list[re.Pattern[str]]]
    members: list[_Member] = field(default_factory=list)  # confident, in publication order
    active: list[date] = field(default_factory=list)  # every member's day, sorted
    known: set[str] = field(default_factory=set)  # ids of the members counted so far
    _centroids: dict[int, dict[str, float]] = field(default_factory=dict)

    @classmethod
    def of(cls, profile: StoryProfile) -> TrackedStory:
        terms = profile.terms
        if profile.extra_terms:
            merged = dict(terms)
            for term, weight in profile.extra_terms.items():
                merged[term] = max(merged.get(term, 0.0), weight)
            terms = combine([(merged, 1.0)])
        return cls(
            profile,
            terms,
            _day(profile.start_date),
            [(e.weight, EntityForms(e)) for e in profile.entities if e.weight > 0],
            [
                [re.compile(rf"(?<!\w){re.escape(t)}(?!\w)") for t in group]
                for group in profile.required
            ],
        )

    def add(self, doc_id: str, day: date, vector: dict[str, float] | None) -> None:
        """A member: its day counts as activity; its terms, when given (a confident member,
        not a copy), join the centroid. A member already counted (a re-run over stored
        documents) is not counted again."""
        if doc_id in self.known:
            return
        self.known.add(doc_id)
        bisect.insort(self.active, day)
        if vector is None:
            return
        # After members of the same day: the order they were met in, as a re-run meets them.
        bisect.insort_right(self.members, _Member(day, vector), key=_member_day)
        self._centroids.clear()

    def _before(self, day: date | None) -> int:
        """How many members were published before this day (members are kept in order)."""
        if day is None:
            return len(self.members)
        return bisect.bisect_left(self.members, day, key=_member_day)

    def vector(self, upto: int) -> dict[str, float]:
        """The story's terms given its first `upto` members: the seed's, plus the recent
        confident members' centroid at most EVOLVE_WEIGHT as heavy."""
        if upto == 0:
            return self.terms
        cached = self._centroids.get(upto)
        if cached is None:
            recent = self.members[max(0, upto - EVOLVE_MEMBERS) : upto]
            centroid = combine((m.vector, 1.0) for m in recent)
            cached = combine([(self.terms, 1.0), (centroid, EVOLVE_WEIGHT)])
            self._centroids[upto] = cached
        return cached

    def last_active(self, day: date | None) -> date | None:
        """The story's latest day before this one: the seed's, or a member's."""
        at = bisect.bisect_left(self.active, day) if day else len(self.active)
        days = [d for d in (self.seed_day, self.active[at - 1] if at else None) if d]
        return max(days) if days else None

    def score(self, text: ArticleText) -> float:
        for group in self.required:
            if not any(p.search(text.folded) for p in group):
                return 0.0
        found = [text.has(forms) for _, forms in self.entity_forms]
        upto = self._before(text.day)
        same = (text.article.language or "en") == self.profile.language
        saturation = TERMS_SATURATION if same else CROSS_LANGUAGE_SATURATION
        similarity = min(1.0, cosine(text.vector, self.vector(upto)) / saturation)
        if not self._anchored(text, found, similarity):
            return 0.0
        total = sum(w for w, _ in self.entity_forms) or 1.0
        overlap = sum(w for (w, _), hit in zip(self.entity_forms, found, strict=True) if hit)
        value = TERMS_WEIGHT * similarity + (1 - TERMS_WEIGHT) * overlap / total
        return round(value * self._time_factor(text.day), 3)

    def _anchored(self, text: ArticleText, found: list[bool], similarity: float) -> bool:
        """Whether the article is about the story's heaviest entities together: two of them
        named in one sentence of the lead (or the title), or one in the title of an article
        whose words are the story's. The same countries in different sentences, together only
        in the background ("Putin thanked North Korea last year ..." at the end of a story
        about Russian engineers), or in the margin of a story about something else, are
        another story."""
        anchors = [
            forms
            for (_, forms), hit in zip(self.entity_forms[:ANCHORS], found, strict=False)
            if hit
        ]
        if len(self.entity_forms) < 2:
            return bool(anchors) or not self.entity_forms
        if len(anchors) < 2:
            return False
        where = [text.sentences_with(forms, LEAD_SENTENCES) for forms in anchors]
        if any(a & b for a, b in itertools.combinations(where, 2)):
            return True
        return similarity >= ANCHOR_FALLBACK and any(0 in w for w in where)

    def _time_factor(self, day: date | None) -> float:
        active = self.last_active(day)
        if active is None or day is None:
            return 1.0
        if self.seed_day and day < self.seed_day:
            gap = (self.seed_day - day).days  # earlier than the seed: before the story began
        else:
            gap = (day - active).days
        return _decay(abs(gap))


def _decay(gap_days: float) -> float:
    """A story's pull on an article this many days from its last activity."""
    return 1.0 if gap_days <= GRACE_DAYS else math.exp(-(gap_days - GRACE_DAYS) / DECAY_DAYS)


# -- emergent stories -----------------------------------------------------------------------


@dataclass
class EmergentStory:
    id: str
    first_seen: date
    last_seen: date
    terms: Counter[str] = field(default_factory=Counter)  # sum of member vectors
    entities: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    size: int = 0
    merged_into: str = ""
    _centroid: dict[str, float] | None = None
    indexed: set[str] = field(default_factory=set)  # the terms it is indexed under
    # What similarity reads of the counters, kept until they change: each article is compared
    # with every story sharing a term, and ranking a large story's entities each time was the
    # largest cost of the step's main process (a third of it at 2,000 articles).
    _top: tuple[str, set[str]] | None = field(default=None, compare=False, repr=False)

    def centroid(self) -> dict[str, float]:
        if self._centroid is None:
            self._centroid = normalise(self.terms)  # one vector: combine would only copy it
        return self._centroid

    def _language_and_top_entities(self) -> tuple[str, set[str]]:
        if self._top is None:
            language = ranked(self.languages, 1)[0][0] if self.languages else ""
            self._top = (language, {e for e, _ in ranked(self.entities, 5)})
        return self._top

    def similarity(self, text: ArticleText, entities: set[str]) -> float:
        """How much an article looks like this story now: terms and entities, as for a tracked
        story, and time since the story was last active."""
        gap = abs((text.day - self.last_seen).days) if text.day else 0
        if self.out_of_reach(gap):
            return 0.0
        language, top = self._language_and_top_entities()
        same = (text.article.language or "en") == language
        saturation = TERMS_SATURATION if same else CROSS_LANGUAGE_SATURATION
        terms = min(1.0, cosine(text.vector, self.centroid()) / saturation)
        shared = min(1.0, len(entities & top) / min(EMERGENT_ENTITIES, len(top))) if top else 0.0
        value = TERMS_WEIGHT * terms + (1 - TERMS_WEIGHT) * shared
        return value * _decay(gap)

    @staticmethod
    def out_of_reach(gap_days: int) -> bool:
        """Whether an article this many days from the story's last member is too far to join it."""
        return gap_days > EMERGENT_WINDOW_DAYS

    def add(self, day: date, text: ArticleText, entities: set[str], copy: bool) -> None:
        self.size += 1
        self.first_seen = min(self.first_seen, day)
        self.last_seen = max(self.last_seen, day)
        if not copy:  # a copy says nothing new of what the story is about
            self.terms.update(text.vector)
            self.entities.update(entities)
            self.languages[text.article.language or "en"] += 1
            self._centroid = self._top = None

    def absorb(self, other: EmergentStory) -> None:
        other.merged_into = self.id
        self.terms.update(other.terms)
        self.entities.update(other.entities)
        self.languages.update(other.languages)
        self.size += other.size
        self.first_seen = min(self.first_seen, other.first_seen)
        self.last_seen = max(self.last_seen, other.last_seen)
        self._centroid = self._top = None

    def profile(self) -> dict[str, Any]:
        return {
            "terms": self.centroid(),
            # The centroid is normalised; its weight lets a reloaded story weigh as all its
            # members did, not as one article, when the next run's members join it.
            "terms_weight": round(vector_norm(dict(self.terms)), 5),
            "entities": dict(ranked(self.entities, 20)),
            "languages": dict(self.languages),
            "size": self.size,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> EmergentStory | None:
        profile = doc.get("profile") or {}
        first, last = _day(profile.get("first_seen")), _day(profile.get("last_seen"))
        if first is None or last is None:
            return None
        story = cls(doc["id"], first, last, size=int(profile.get("size", 0)))
        weight = float(profile.get("terms_weight", 1.0))  # stored without it: as one article
        story.terms.update({t: w * weight for t, w in profile.get("terms", {}).items()})
        story.entities.update(profile.get("entities", {}))
        story.languages.update(profile.get("languages", {}))
        return story


class EmergentProfile:
    """An emergent story's stored centroid, built from its member documents one at a time, in
    any order (what the next run's articles are compared with)."""

    def __init__(self, tracker: StoryTracker):
        self.tracker = tracker  # for the entities it finds in any language
        self.story: EmergentStory | None = None

    def add(self, doc: dict[str, Any]) -> None:
        article = Article.from_document(doc)
        text = ArticleText.of(article)
        if text.day is None:
            return
        if self.story is None:
            self.story = EmergentStory("", text.day, text.day)
        keys = self.tracker.entity_keys(article, text)
        self.story.add(text.day, text, keys, bool(article.duplicate_of))

    def profile(self) -> dict[str, Any]:
        return self.story.profile() if self.story else {}


def emergent_profile(docs: Iterable[dict[str, Any]], tracker: StoryTracker) -> dict[str, Any]:
    """An emergent story's stored centroid, from its member documents."""
    builder = EmergentProfile(tracker)
    for doc in docs:
        builder.add(doc)
    return builder.profile()


SPLIT_MIN = 4  # an emergent story this large is checked for two stories in one
SPLIT_MAX = 500  # larger ones are not (each check reads every member; left for later)
SPLIT_PART = 2  # a part of at least this many articles leaves as a story of its own


def split_emergent(story_id: str, docs: list[dict[str, Any]]) -> dict[str, list[str]]:
    """The parts that leave an emergent story, by the id each becomes: its members clustered
    again from scratch, in publication order. A single pass can put into one story what later
    reports show to be two (an early article like both); what no longer joins the part that
    holds the story's first member leaves, when it is a story itself (SPLIT_PART articles),
    under its own first member's id. Lone articles stay."""
    originals = [d for d in docs if not d.get("duplicate_of")]
    if not SPLIT_MIN <= len(originals) <= SPLIT_MAX:
        return {}
    tracker = StoryTracker([])
    ordered = sorted(
        originals, key=lambda d: (str(d.get("published_at") or d["fetched_at"]), d["id"])
    )
    parts: dict[str, list[str]] = {}
    for doc in ordered:
        article = Article.from_document(doc)
        article.stories = []
        (match,) = tracker.assign(article).stories or [StoryMatch(story_id, 0.0)]
        parts.setdefault(match.id, []).append(doc["id"])
    for merge in tracker.merges:  # parts that the second pass itself found to be one
        parts.setdefault(merge.new, []).extend(parts.pop(merge.old, []))
    first = ordered[0]["id"]
    copies: dict[str, list[str]] = {}
    for doc in docs:
        if doc.get("duplicate_of"):
            copies.setdefault(doc["duplicate_of"], []).append(doc["id"])
    leaving = {}
    for part_id, members in parts.items():
        if first in members or len(members) < SPLIT_PART:
            continue
        leaving[part_id] = members + [c for m in members for c in copies.get(m, [])]
    return leaving


class StoryTracker:
    """Assigns articles, in publication order, to tracked and emergent stories."""

    def __init__(
        self,
        profiles: list[StoryProfile],
        aliases: Aliases | None = None,
        emergent: bool = True,
    ):
        self.tracked = [TrackedStory.of(p) for p in profiles]
        self.aliases = aliases or load_aliases()
        self.emergent_on = emergent
        self.emergent: dict[str, EmergentStory] = {}
        self.merges: list[StoryMerge] = []
        self._alias_patterns: dict[str, re.Pattern[str]] = {}
        self._by_term: dict[str, set[str]] = {}  # term -> emergent stories whose centroid has it
        self._latest: date | None = None  # the latest day an emergent story was looked for

    def remember(self, docs: Iterable[dict[str, Any]]) -> None:
        """Stored state: the tracked stories' confident members and the emergent stories."""
        by_id = {t.profile.id: t for t in self.tracked}
        for doc in docs:
            if doc.get("kind") == "emergent":  # a story record
                emergent = EmergentStory.from_document(doc)
                if emergent and not doc.get("merged_into"):
                    self.emergent[emergent.id] = emergent
                    self._index(emergent)
                continue
            day = _day(doc.get("published_at")) or _day(doc.get("fetched_at"))
            if day is None:
                continue
            vector: dict[str, float] | None = None
            for match in doc.get("stories", []):
                tracked = by_id.get(match["id"])
                if tracked is None:
                    continue
                confident = match["score"] >= tracked.profile.threshold * CONFIDENT
                if confident and not doc.get("duplicate_of") and vector is None:
                    lang = doc.get("language") or "en"
                    vector = doc.get("term_vector") or term_vector(doc["title"], doc["text"], lang)
                tracked.add(doc["id"], day, vector if confident else None)

    def entity_keys(self, article: Article, text: ArticleText) -> set[str]:
        keys = {
            fold(self.aliases.canonical(e.text) or e.text)
            for e in article.entities
            if e.label in {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC"}
        }
        language = article.language or "en"
        pattern = self._alias_patterns.get(language)
        if pattern is None:
            pattern = self._alias_patterns[language] = _alias_pattern(self.aliases, language)
        for match in pattern.finditer(text.folded):
            canonical = self.aliases.canonical(match.group(0))
            if canonical:
                keys.add(fold(canonical))
        if not article.entities:  # no model for the language: names it repeats, capitalised
            names = fallback_entities(
                f"{article.title}. {article.text}", article.language, self.aliases
            )
            keys.update(fold(self.aliases.canonical(e.text) or e.text) for e in names)
        return keys

    def assign(self, article: Article) -> Article:
        text = ArticleText.of(article)
        article.term_vector = text.vector
        matches = []
        for story in self.tracked:
            value = story.score(text)
            if value >= story.profile.threshold:
                matches.append(StoryMatch(story.profile.id, value))
                if text.day:
                    confident = value >= story.profile.threshold * CONFIDENT
                    evidence = text.vector if confident and not article.duplicate_of else None
                    story.add(article.id, text.day, evidence)
        if not matches and self.emergent_on and text.day:
            matches.append(self._emerge(article, text))
        article.stories = matches
        return article

    def _index(self, story: EmergentStory) -> None:
        """Keep the term index right for this story's centroid now."""
        self._unindex(story)
        story.indexed = set() if story.merged_into else set(story.centroid())
        for term in story.indexed:
            self._by_term.setdefault(term, set()).add(story.id)

    def _unindex(self, story: EmergentStory) -> None:
        for term in story.indexed:
            ids = self._by_term.get(term)
            if ids is not None:
                ids.discard(story.id)
                if not ids:
                    del self._by_term[term]
        story.indexed = set()

    def _let_go(self, day: date) -> None:
        """Forget the emergent stories no article from `day` on can join: their last member is
        more than the window before it. Articles come in publication order, so memory holds
        the stories of one window, not of the whole run; the store keeps every story (the
        refresh step writes them from their members), and the next run loads them again."""
        if self._latest is not None and day <= self._latest:
            return
        self._latest = day
        stale = [s for s in self.emergent.values() if s.out_of_reach((day - s.last_seen).days)]
        for story in stale:
            self._unindex(story)
            del self.emergent[story.id]

    def _emerge(self, article: Article, text: ArticleText) -> StoryMatch:
        day = text.day
        assert day is not None
        self._let_go(day)
        keys = self.entity_keys(article, text)
        # Only stories sharing a term can reach EMERGENT_JOIN: entities alone give at most
        # 1 - TERMS_WEIGHT. The index makes this exact shortcut cheap at any number of stories.
        candidates = set().union(*(self._by_term.get(t, ()) for t in text.vector))
        near = sorted(
            (
                (story.similarity(text, keys), story.first_seen, story.id)
                for story in map(self.emergent.__getitem__, candidates)
                if not story.merged_into
            ),
            key=lambda s: (-s[0], s[1], s[2]),
        )
        joined = [s for s in near if s[0] >= EMERGENT_JOIN]
        copy = bool(article.duplicate_of)
        if not joined:
            story = EmergentStory(EMERGENT_PREFIX + article.id[:16], day, day)
            self.emergent[story.id] = story
            story.add(day, text, keys, copy)
            self._index(story)
            return StoryMatch(story.id, 1.0)
        best = self.emergent[joined[0][2]]
        for value, _, other_id in joined[1:]:
            other = self.emergent[other_id]
            if value >= EMERGENT_MERGE and cosine(best.centroid(), other.centroid()) > 0.0:
                older, younger = sorted((best, other), key=lambda s: (s.first_seen, s.id))
                older.absorb(younger)
                self.merges.append(StoryMerge(old=younger.id, new=older.id))
                self._index(younger)
                best = older
        best.add(day, text, keys, copy)
        self._index(best)
        return StoryMatch(best.id, round(joined[0][0], 3))


def _alias_pattern(aliases: Aliases, language: str) -> re.Pattern[str]:
    return _alternation(aliases.plain_forms(language)) or re.compile(r"(?!)")


def score(article: Article, profile: StoryProfile) -> float:
    """One article's score for one story, with no history (the seed alone)."""
    return TrackedStory.of(profile).score(ArticleText.of(article))


def assign_article(article: Article, profiles: list[StoryProfile]) -> Article:
    """Tracked stories only, against the seeds alone (no history, no emergent stories)."""
    return StoryTracker(profiles, emergent=False).assign(article)


def assign_stories(
    articles: Iterable[Article], profiles: list[StoryProfile], emergent: bool = False
) -> Iterator[Article]:
    tracker = StoryTracker(profiles, emergent=emergent)
    for article in articles:
        yield tracker.assign(article)
