"""A story profile from its seed article alone: key entities, distinctive terms, figures with
their claimants, search queries and the seed's date (``newsmon seed add``).

Entities come from the spaCy pipeline when the seed's language is the model's, else from the
alias table and the capitalised names the text repeats. Entities that are one (North Korea,
North Korean, Nordkorea; the National Intelligence Service and NIS) are grouped through the
alias table (resources/aliases.yaml, extendable by a user file) and through acronyms the text
spells out ("National Intelligence Service (NIS)"). An entity's weight is how much the seed
stresses it: mentions, in the title, in the lead.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from typing import Any

from .aliases import Aliases, load_aliases
from .claims import extract_claims
from .enrich import claim_languages, detect_language, entities_in
from .models import Entity, ProfileEntity, StoryProfile
from .terms import fold, rarity, term_vector

KEY_ENTITIES = 10
KEY_TERMS = 40
ENTITY_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC"})
_PLACE_LIKE = {"NORP": "GPE"}  # a demonym names its country's entity


def _clean(name: str) -> str:
    name = re.sub(r"^(the|a|an)\s+", "", " ".join(name.split()), flags=re.I)
    return re.sub(r"['’]s$", "", name).strip(" .,;:\"'“”‘’()")


def _acronyms(text: str) -> dict[str, str]:
    """Acronyms a text spells out: "National Intelligence Service (NIS)" -> {NIS: National
    Intelligence Service}."""
    found = {}
    for match in re.finditer(r"((?:[A-Z][\w'’-]+\s+){1,6}?)\(([A-Z]{2,6})\)", text):
        words = match.group(1).split()
        acronym = match.group(2)
        for start in range(len(words)):
            initials = "".join(w[0] for w in words[start:] if w[0].isupper())
            if initials == acronym:
                found[acronym] = " ".join(words[start:])
                break
    return found


def fallback_entities(text: str, lang: str, aliases: Aliases) -> list[Entity]:
    """Without a model for the language: names from the alias table, and capitalised words
    inside sentences that the language rarely uses (proper names)."""
    found: list[Entity] = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        tokens = re.findall(r"[^\W\d_][\w'’-]*", sentence)
        for i, token in enumerate(tokens):
            if aliases.canonical(token):
                found.append(Entity(token, "GPE"))
            elif i > 0 and token[0].isupper() and rarity(token.lower(), lang) >= 3.5:
                found.append(Entity(token, "ORG"))
    return found


def key_entities(
    title: str, text: str, entities: list[Entity], aliases: Aliases, limit: int = KEY_ENTITIES
) -> list[ProfileEntity]:
    """The entities a text stresses, grouped, weighed and with every form they go by."""
    spelled = _acronyms(text)
    lead = " ".join(re.split(r"(?<=[.!?])\s+", text)[:2])
    names: dict[str, str] = {}  # canonical key -> display name
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    forms: dict[str, set[str]] = defaultdict(set)
    for entity in entities:
        if entity.label not in ENTITY_LABELS:
            continue
        surface = _clean(entity.text)
        if len(surface) < 2:
            continue
        expanded = spelled.get(surface, surface)
        canonical = aliases.canonical(expanded) or aliases.canonical(surface) or expanded
        key = fold(canonical)
        names.setdefault(key, canonical)
        labels[key][_PLACE_LIKE.get(entity.label, entity.label)] += 1
        forms[key].update({surface, expanded})
    for acronym, full in spelled.items():
        key = fold(aliases.canonical(full) or full)
        if key in forms:
            forms[key].add(acronym)
    folded_title, folded_lead, folded_text = fold(title), fold(lead), fold(text)
    whole = f"{folded_title}\n{folded_text}"
    weights: dict[str, float] = {}
    first: dict[str, int] = {}  # where it is first named: of equal weights, the earlier first
    for key in names:
        patterns = [_whole_word(fold(f)) for f in forms[key]]
        found = [m.start() for p in patterns for m in p.finditer(whole)]
        first[key] = min(found, default=len(whole))
        weight = 1.0 + math.log(len(found) or 1)
        if any(p.search(folded_title) for p in patterns):
            weight *= 1.5
        if any(p.search(folded_lead) for p in patterns):
            weight *= 1.3
        weights[key] = weight
    ranked = sorted(weights, key=lambda k: (-round(weights[k], 6), first[k], k))[:limit]
    top = weights[ranked[0]] if ranked else 1.0
    result = []
    for key in ranked:
        canonical = names[key]
        all_forms = sorted(
            {*forms[key], *aliases.forms.get(canonical, [])} - {canonical}, key=str.lower
        )
        result.append(
            ProfileEntity(
                name=canonical,
                label=labels[key].most_common(1)[0][0],
                weight=round(weights[key] / top, 3),
                forms=all_forms,
            )
        )
    return result


def _whole_word(folded: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(folded)}(?!\w)")


def _queries(entities: list[ProfileEntity], terms: dict[str, float]) -> list[str]:
    """Search-feed queries: the two heaviest entities with the heaviest topical term, and the
    heaviest with the third entity and the next term."""
    named = {w for e in entities for n in (e.name, *e.forms) for w in re.findall(r"\w+", fold(n))}
    topical = [t for t in terms if " " not in t and t not in named and t.rstrip("s") not in named]
    names = [e.name for e in entities[:3]]
    queries = []
    if names:
        queries.append(" ".join([*names[:2], *topical[:1]]))
    if len(names) > 2 and len(topical) > 1:
        queries.append(" ".join([names[0], names[2], topical[1]]))
    return queries


def derive_profile(
    story_id: str,
    title: str,
    text: str,
    nlp: Any = None,
    date: str = "",
    aliases: Aliases | None = None,
    language: str | None = None,
) -> StoryProfile:
    """Everything a story needs, from one article."""
    aliases = aliases or load_aliases()
    lang = language or detect_language(f"{title}\n{text}")
    if nlp is not None and getattr(nlp, "lang", None) == lang:
        entities = entities_in(nlp, f"{title}\n\n{text}")
    else:
        entities = fallback_entities(f"{title}. {text}", lang, aliases)
    key = key_entities(title, text, entities, aliases)
    terms = term_vector(title, text, lang, top=KEY_TERMS)
    figures = extract_claims(text, lang) if lang in claim_languages(nlp) else []
    return StoryProfile(
        id=story_id,
        title=title,
        start_date=date[:10],
        language=lang,
        entities=key,
        terms=terms,
        figures=figures,
        queries=_queries(key, terms),
        seed_text=text,
    )
