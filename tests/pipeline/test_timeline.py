from newsmon.pipeline.timeline import timeline


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
