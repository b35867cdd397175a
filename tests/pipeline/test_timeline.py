from newsmon.pipeline.timeline import claim_history, timeline


def _doc(day, source, entities=(), copy_of=None, claims=()):
    return {
        "published_at": f"2025-07-{day:02d}T08:00:00Z",
        "fetched_at": "2025-09-01T00:00:00Z",
        "source": source,
        "source_name": source.title(),
        "duplicate_of": copy_of,
        "entities": [{"text": t, "label": label} for t, label in entities],
        "claims": list(claims),
    }


NIS = ("National Intelligence Service", "ORG")
KURSK = ("Kursk", "GPE")
SHOIGU = ("Sergei Shoigu", "PERSON")


def test_each_day_shows_own_reporting_copies_and_the_entities_new_to_the_story():
    figure = {"value": 5000, "unit": "engineers", "attribution": "NIS", "via": "Yonhap"}
    rows = timeline(
        [
            _doc(1, "kws", [NIS, KURSK, KURSK], claims=[figure]),
            _doc(1, "herald", [NIS, KURSK], copy_of="x", claims=[figure]),
            _doc(3, "times", [KURSK, SHOIGU, ("2025", "DATE")]),
        ]
    )
    first, third = rows
    assert (first["day"], first["articles"], first["copies"]) == ("2025-07-01", 2, 1)
    assert first["outlets"] == ["Herald", "Kws"] and first["independent_outlets"] == ["Kws"]
    assert first["new_entities"] == ["Kursk", "National Intelligence Service"]  # most mentioned
    assert [f["outlet"] for f in first["figures"]] == ["Kws"]  # the copy repeats, not reports
    assert third["new_entities"] == ["Sergei Shoigu"]  # Kursk was met on day 1; dates are not


def _claim(value, unit="troops", claimant="NIS", **extra):
    return {"value": value, "unit": unit, "attribution": claimant, "claimant": claimant, **extra}


def test_each_claimants_figures_over_time_with_first_seen_last_confirmed_and_changes():
    docs = [
        _doc(1, "kws", claims=[_claim(10000), _claim(1000, "deminers")]),
        _doc(2, "herald", copy_of="x", claims=[_claim(99999)]),  # a copy repeats, not reports
        _doc(3, "times", claims=[_claim(10000), _claim(12000, claimant="HUR")]),
        _doc(5, "kws", claims=[_claim(15000)]),
        _doc(9, "times", claims=[_claim(15000)]),
    ]
    series = {(s.claimant, s.unit): s for s in claim_history(docs)}
    nis = series[("NIS", "troops")]
    assert (nis.first_seen, nis.last_confirmed, nis.current, nis.reports) == (
        "2025-07-01",
        "2025-07-09",
        "15,000 troops",
        4,
    )
    assert [(c.day, c.before, c.after) for c in nis.changes] == [
        ("2025-07-05", "10,000 troops", "15,000 troops")
    ]
    assert nis.outlets == ["Kws", "Times"]
    assert series[("HUR", "troops")].changes == []
    assert set(series) == {("NIS", "troops"), ("NIS", "deminers"), ("HUR", "troops")}


def test_claim_history_filters_by_unit_in_either_number_and_by_part_of_the_claimant():
    docs = [_doc(1, "kws", claims=[_claim(10000), _claim(1000, "deminers", "South Korea's NIS")])]
    assert [s.unit for s in claim_history(docs, unit="deminer")] == ["deminers"]
    assert [s.unit for s in claim_history(docs, unit="troop")] == ["troops"]
    assert [s.claimant for s in claim_history(docs, claimant="korea")] == ["South Korea's NIS"]
    assert claim_history(docs, unit="tanks") == []
