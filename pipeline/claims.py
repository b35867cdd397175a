"""Quantity claims ("about 5,000 engineers") and who made them ("the NIS", via "Yonhap").

Rule-based on purpose: figures and attributions in news copy follow a handful of patterns, the
rules are explainable to an analyst, and their output does not change with a model version.
English only.
"""

from __future__ import annotations

import re

from .aliases import Aliases, load_aliases
from .models import Claim

UNITS = (
    "troops|soldiers|engineers|deminers|sappers|builders|workers|labourers|laborers|"
    "personnel|casualties|civilians|refugees|prisoners|drones|missiles|shells|people"
)
_NUMBER = r"(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s+(?P<scale>million|billion|thousand))?"
_QUALIFIER = (
    r"(?:(?P<qual>about|some|approximately|around|roughly|nearly|almost|as many as|"
    r"up to|more than|over|at least|an estimated|a total of about|a total of)\s+)?"
)
_FORWARD = re.compile(
    _QUALIFIER + _NUMBER + r"(?P<adj>(?:\s+(?!and\b|or\b)[A-Za-z-]+){0,3}?)\s+"
    rf"(?P<unit>{UNITS})\b",
    re.I,
)
# "the number of North Korean troops sent to Russia could reach 10,000"
_BACKWARD = re.compile(
    rf"number of (?:[\w-]+\s+){{0,4}}?(?P<unit>{UNITS})\b[^.;]{{0,80}}?\b"
    rf"(?:reach|to|at|is|was|of|be)\s+" + _QUALIFIER + _NUMBER,
    re.I,
)
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9}

_NAME = r"(?:[A-Z][\w'’.-]*|\([A-Z]{2,}\))"
_JOIN = r"(?:of|for|the|and|on|de)"
_ROLE = (
    r"(?:officials|lawmakers|analysts|sources|spokesman|spokeswoman|spokesperson|ministry|"
    r"agency|military|government|intelligence(?: service)?|service|media)"
)
_WHO = (
    rf"(?P<who>(?:the\s+)?{_NAME}(?:\s+(?:{_NAME}|{_JOIN}(?=\s+[A-Z(])))*"
    # "Seoul's spy agency", "South Korea's intelligence service": a possessor and its role.
    rf"(?:\s+(?:[a-z-]+\s+){{0,2}}?{_ROLE})?|{_ROLE})"
)
_VERB = (
    r"(?:spoke of|speaks of|said|says|told|estimated|estimates|estimate|reported|reports|"
    r"believes|believed|stated|announced|claimed|claims)"
)
_ATTRIBUTION = [
    re.compile(
        rf"\bciting (?:data|figures|a report|a briefing|estimates)?\s*(?:from|by)?\s*{_WHO}"
    ),
    re.compile(rf"\baccording to (?:[a-z]+\s+){{0,2}}?{_WHO}"),
    re.compile(rf"{_WHO},?\s+(?:[a-z]+\s+){{0,2}}?{_VERB}\b"),
    re.compile(rf"\b{_VERB}\s+{_WHO}"),
]
_AGENCY = re.compile(
    r"\b(Yonhap|KCNA|Reuters|AFP|TASS|Xinhua|Kyodo|Associated Press)\b|"
    r"\b([A-Z][\w]+)(?:['’]s)? news agency"
)
# A sentence ends at . ! or ? (maybe followed by a closing quote) before a capital; "Aug. 26"
# and "Rep. Lee" split wrongly, which only costs an attribution look-back step.
_SENTENCE = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’']))\s+(?=[A-Z\"“‘'(])")
# Words that refer back to a claimant named earlier: look further back instead.
_WEAK_WHO = {
    "the",
    "he",
    "she",
    "it",
    "they",
    "this",
    "that",
    "there",
    "we",
    "agency",
    "ministry",
    "military",
    "government",
    "intelligence",
    "service",
    "intelligence service",
    "media",
    "sources",
}


def sentences(text: str) -> list[str]:
    return [s.strip() for para in text.split("\n") for s in _SENTENCE.split(para) if s.strip()]


def _value(match: re.Match) -> float:
    value = float(match.group("num").replace(",", ""))
    return value * _SCALE.get((match.group("scale") or "").lower(), 1)


def _clean_who(who: str) -> str:
    who = re.sub(r"^the\s+", "", who.strip(), flags=re.I)
    who = re.sub(r"\s+(of|for|the|and|on|de)$", "", who)
    return who.strip(" ,.")


# The subject of a sentence, when it is a name: "The National Intelligence Service (NIS) briefed"
_SUBJECT = re.compile(
    rf"^(?:the\s+)?(?P<who>{_NAME}(?:\s+(?:{_NAME}|{_JOIN}(?=\s+[A-Z(])))+)\s+[a-z]"
)


def _scan(sentence: str) -> tuple[str, str, bool]:
    """(who, via, refers_back): refers_back when the claimant is 'the agency' or the like."""
    via = ""
    agency = _AGENCY.search(sentence)
    if agency:
        via = agency.group(1) or agency.group(2)
    refers_back = False
    for pattern in _ATTRIBUTION:
        for match in pattern.finditer(sentence):
            who = _clean_who(match.group("who"))
            if who.lower() in _WEAK_WHO:
                refers_back = True
            elif who and who != via:
                return who, via, False
    return (via, "", False) if via else ("", "", refers_back)


def attribution_in(sentence: str) -> tuple[str, str]:
    """(who, via) stated in one sentence; empty strings when it names nobody."""
    who, via, _ = _scan(sentence)
    return who, via


# Hedges analysts filter on: how sure the claimant is of the figure, or how sure anyone is.
_QUALIFIER_HEDGE = {
    "about": "approximate",
    "some": "approximate",
    "approximately": "approximate",
    "around": "approximate",
    "roughly": "approximate",
    "nearly": "approximate",
    "almost": "approximate",
    "as many as": "up_to",
    "up to": "up_to",
    "more than": "at_least",
    "over": "at_least",
    "at least": "at_least",
    "an estimated": "estimated",
    "a total of about": "approximate",
}
_SENTENCE_HEDGES = [
    ("could_reach", re.compile(r"\b(could|may|might)\s+(reach|rise to|climb to|exceed)\b", re.I)),
    ("estimated", re.compile(r"\bestimat(e|es|ed|ing)\b", re.I)),
    (
        "unverified",
        re.compile(r"\bunverified\b|\bunconfirmed\b|could not be (independently )?verified", re.I),
    ),
    ("denied", re.compile(r"\b(denied|denies|deny|rejected the (claim|report|figure))\b", re.I)),
]


def hedges_of(match: re.Match, sentence: str) -> list[str]:
    """The hedges on one figure: its own qualifier ("about 5,000"), and what its sentence
    says of it ("could reach", "estimate", "unverified", "denied")."""
    found = []
    qualifier = (match.groupdict().get("qual") or "").lower()
    if qualifier in _QUALIFIER_HEDGE:
        found.append(_QUALIFIER_HEDGE[qualifier])
    found += [name for name, pattern in _SENTENCE_HEDGES if pattern.search(sentence)]
    return sorted(set(found))


_SPELLED_OUT = re.compile(r"^(?P<name>.+?)\s*\((?P<acronym>[A-Z][A-Za-z]{1,7})\)$")
_POSSESSOR = re.compile(r"^(?P<owner>.+?)['’]s\s+(?P<what>.+)$")


def canonical_claimant(who: str, aliases: Aliases | None = None) -> str:
    """One name per claimant however the article names it: the alias table's canonical name
    for the name, its spelled-out acronym ("National Intelligence Service (NIS)"), or what
    follows a possessor ("South Korea's National Intelligence Service"); else the name as
    written, without "the" and a spelled-out acronym."""
    aliases = aliases or load_aliases()
    name = re.sub(r"^the\s+", "", " ".join(who.split()), flags=re.I).strip(" ,.")
    if not name:
        return ""
    candidates = [name]
    spelled = _SPELLED_OUT.match(name)
    if spelled:
        name = spelled.group("name")
        candidates += [name, spelled.group("acronym")]
    owned = _POSSESSOR.match(name)
    if owned:  # "South Korean's ..." or "Korea's ...": the owner by its canonical name too
        owner = aliases.canonical(owned.group("owner"))
        if owner:
            candidates.append(f"{owner}'s {owned.group('what')}")
        candidates.append(owned.group("what"))
    for candidate in candidates:
        found = aliases.canonical(candidate)
        if found:
            return found
    return name


def extract_claims(text: str) -> list[Claim]:
    claims: list[Claim] = []
    seen: set[tuple] = set()
    sents = sentences(text)
    lead_who = next((attribution_in(s) for s in sents if attribution_in(s)[0]), ("", ""))
    for i, sentence in enumerate(sents):
        matches = list(_FORWARD.finditer(sentence)) + list(_BACKWARD.finditer(sentence))
        if not matches:
            continue
        who, via, refers_back = _scan(sentence)
        for back in (1, 2):  # "The deployment includes 5,000 engineers" after "citing the NIS"
            if who or i - back < 0:
                break
            who, via = attribution_in(sents[i - back])
            if not who and refers_back:  # "the agency said": the agency named just before
                subject = _SUBJECT.match(sents[i - back])
                who = _clean_who(subject.group("who")) if subject else ""
        if not who:
            who, via = lead_who
        for m in matches:
            value, unit = _value(m), m.group("unit").lower()
            if 1900 <= value <= 2100 and "," not in m.group("num"):
                continue  # a year, not a head count
            key = (value, unit)
            if key in seen:
                continue
            seen.add(key)
            claims.append(
                Claim(
                    value=value,
                    unit=unit,
                    text=sentence,
                    attribution=who,
                    via=via,
                    claimant=canonical_claimant(who),
                    hedges=hedges_of(m, sentence),
                )
            )
    return claims
