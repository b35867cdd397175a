"""A profile from the seed article alone: entities grouped by alias and acronym, weighed;
distinctive terms; figures with claimants; queries; and, without a model for the language,
names found all the same."""

from pathlib import Path

import pytest

from newsmon.pipeline.aliases import load_aliases
from newsmon.pipeline.errors import ConfigError
from newsmon.pipeline.profiles import derive_profile
from newsmon.seeds import __file__ as seeds_init

SEED_ARTICLE = Path(seeds_init).parent / "000_b47da22447e8a96d.txt"
TITLE = "North Korea sends engineers and deminers to Russia"


@pytest.fixture(scope="module")
def seed_profile(nlp):
    return derive_profile("nk", TITLE, SEED_ARTICLE.read_text(encoding="utf-8"), nlp)


def test_the_seeds_key_entities_are_its_subject_grouped_across_forms(seed_profile):
    names = [e.name for e in seed_profile.entities]
    assert names[:2] == ["North Korea", "Russia"]  # the title and the lead, most mentioned
    nis = next(e for e in seed_profile.entities if e.name == "National Intelligence Service")
    assert "NIS" in nis.forms  # spelled out in the text: "National Intelligence Service (NIS)"
    north_korea = seed_profile.entities[0]
    # "North Korean engineers" (a demonym) is the same entity, and so is German "Nordkorea".
    assert {"North Korean", "Nordkorea", "Corée du Nord"} <= set(north_korea.forms)
    assert north_korea.weight == 1.0 and all(0 < e.weight <= 1 for e in seed_profile.entities)
    assert "North Korean" not in names


def test_the_seeds_terms_figures_queries_and_date(seed_profile, nlp):
    assert {"deminer", "engineer", "kursk"} <= set(seed_profile.terms)
    assert "said" not in seed_profile.terms
    figures = {(c.value, c.unit) for c in seed_profile.figures}
    assert {(5000.0, "engineers"), (10000.0, "troops")} <= figures
    assert seed_profile.queries[0].startswith("North Korea Russia")
    dated = derive_profile("nk", TITLE, SEED_ARTICLE.read_text(), nlp, date="2025-06-16T08:00Z")
    assert dated.start_date == "2025-06-16" and seed_profile.start_date == ""


def test_without_a_model_for_the_language_names_come_from_aliases_and_capitals(nlp):
    text = (
        "Nordkorea schickt Tausende Pioniere nach Russland. Nach Angaben des Geheimdienstes "
        "NIS sollen die Soldaten in der Region Kursk Minen räumen. Auch Pjöngjang bestätigte "
        "die Entsendung nach Russland."
    )
    profile = derive_profile("de", "Nordkorea schickt Pioniere", text, nlp)
    assert profile.language == "de"
    names = [e.name for e in profile.entities]
    assert {"North Korea", "Russia", "Kursk"} <= set(names)


def test_aliases_acronyms_count_in_capitals_and_language_forms_in_their_language():
    aliases = load_aliases()
    assert aliases.canonical("Nordkorea") == "North Korea"
    assert aliases.canonical("the EU") is None and aliases.canonical("EU") == "European Union"
    assert "us" not in aliases.plain_forms()  # "US" is matched in capitals only
    assert "island" not in aliases.plain_forms("en")  # German "Island" is Iceland in German
    assert "island" in aliases.plain_forms("de")


def test_a_users_alias_file_extends_the_packaged_one(tmp_path):
    extra = tmp_path / "aliases.yaml"
    extra.write_text("Veltrix Systems: [Veltrix, VTX]\n", encoding="utf-8")
    aliases = load_aliases(str(extra))
    assert aliases.canonical("VTX") == "Veltrix Systems"
    assert aliases.canonical("Nordkorea") == "North Korea"
    (tmp_path / "bad.yaml").write_text("- a list\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.yaml"):
        load_aliases(str(tmp_path / "bad.yaml"))
