"""The alias table: names that are one entity (North Korea, North Korean, Nordkorea; the National
Intelligence Service, NIS, Seoul's spy agency), for story profiles, for finding a story's
entities in any language, and for one name per claimant. The packaged table is
resources/aliases.yaml; a user's file (NEWSMON_ALIASES) extends it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError
from .terms import fold


@dataclass
class Aliases:
    """Canonical names and their forms. A form ``Island@de`` counts only in German articles."""

    forms: dict[str, list[str]] = field(default_factory=dict)  # canonical -> forms
    _by_form: dict[str, str] = field(default_factory=dict)  # folded form -> canonical
    _cased: set[str] = field(default_factory=set)  # forms that count in capitals only (NIS)
    _language: dict[str, str] = field(default_factory=dict)  # forms of one language only

    def add(self, canonical: str, forms: Iterable[str]) -> None:
        known = self.forms.setdefault(canonical, [])
        for form in [canonical, *forms]:
            if form not in known and form != canonical:
                known.append(form)
            bare, _, language = form.partition("@")
            self._by_form[fold(bare)] = canonical
            if bare.isupper():
                self._cased.add(fold(bare))
            if language:
                self._language[fold(bare)] = language

    def canonical(self, name: str) -> str | None:
        return self._by_form.get(fold(name))

    def plain_forms(self, language: str = "") -> set[str]:
        """The folded forms that may be looked for in a folded text of this language: not
        acronyms (US is not "us"), not another language's (German "Island" is Iceland), and
        long enough not to be a word of any language."""
        return {
            f
            for f in self._by_form
            if f not in self._cased and len(f) > 3 and self._language.get(f, language) == language
        }


def _read_aliases(path: Path | Any, aliases: Aliases) -> None:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the alias file: {exc}") from exc
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: expected a mapping of canonical names to lists of forms")
    for canonical, forms in doc.items():
        if not isinstance(forms, list):
            raise ConfigError(f"{path}: {canonical}: expected a list of forms")
        aliases.add(str(canonical), [str(f) for f in forms])


@lru_cache(maxsize=8)
def load_aliases(extra: str | None = None) -> Aliases:
    """The packaged alias table, extended by a user's file (NEWSMON_ALIASES) when given."""
    aliases = Aliases()
    _read_aliases(resources.files(__package__) / "resources" / "aliases.yaml", aliases)
    if extra:
        _read_aliases(Path(extra), aliases)
    return aliases
