from newsmon.pipeline.enrich import detect_language, enrich, keywords_of, load_nlp
from newsmon.pipeline.models import Article


def test_language_of_english_german_russian():
    assert (
        detect_language(
            "North Korea is sending engineers and deminers to Russia, the spy agency said."
        )
        == "en"
    )
    assert (
        detect_language("Nordkorea schickt Tausende Pioniere und Minenräumer nach Russland.")
        == "de"
    )
    assert detect_language("Северная Корея направит саперов и инженеров в Россию.") == "ru"


def test_keywords_prefer_repeated_content_words_and_phrases():
    kws = keywords_of(
        "Deminers head to Kursk",
        "North Korean deminers arrived in Kursk. The deminers will clear minefields. "
        "North Korean engineers follow.",
    )
    assert kws[0] == "deminers"
    assert "north korean" in kws
    assert "the" not in kws


def test_entities_with_the_installed_spacy_model():
    nlp = load_nlp()
    assert nlp is not None, (
        "the test environment installs the spaCy model (requirements-nlp-model.txt)"
    )
    article = Article(
        id="x",
        url="u",
        canonical_url="u",
        source="s",
        source_name="s",
        title="Shoigu meets Kim Jong Un in Pyongyang",
        text="Sergei Shoigu met Kim Jong Un in Pyongyang. The National Intelligence "
        "Service in Seoul said 5,000 engineers would go to Russia.",
        fetched_at="2025-09-01T00:00:00Z",
    )
    (out,) = enrich([article], nlp)
    assert out.language == "en"
    assert "Kim Jong Un" in out.persons
    assert "Pyongyang" in out.places
    assert any("National Intelligence Service" in o for o in out.orgs)
    assert out.claims and out.claims[0].value == 5000


def test_no_entities_for_languages_the_model_does_not_speak():
    article = Article(
        id="x",
        url="u",
        canonical_url="u",
        source="s",
        source_name="s",
        title="Nordkorea schickt Pioniere nach Russland",
        text="Nordkorea hat nach Angaben des Geheimdienstes Tausende Pioniere nach Russland "
        "geschickt.",
        fetched_at="2025-09-01T00:00:00Z",
    )
    (out,) = enrich([article], load_nlp())
    assert out.language == "de"
    assert out.entities == [] and out.claims == []
