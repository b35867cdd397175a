"""Distinctive terms: weighed against the language at large, folded, normalised."""

import math

from newsmon.pipeline.terms import combine, cosine, fold, rarity, term_vector, words


def test_rare_words_outweigh_common_ones():
    assert rarity("deminer", "en") > rarity("engineer", "en") > rarity("said", "en")
    # Each language against its own background: "Rhein" is ordinary German, rarer English.
    assert rarity("rhein", "de") < rarity("rhein", "en")


def test_words_fold_case_accents_and_english_plurals_and_drop_function_words():
    terms = [w[0] if w else None for w in words("The Engineers of Grindavík said", "en")]
    assert terms == [None, "engineer", None, "grindavik", None]
    assert fold("Québec’s") == "quebec's"
    # Weighed as the language writes them: accents kept for the lookup, elisions cut.
    (word,) = words("l'aéroport", "fr")
    assert word and word[0] == "aeroport" and word[1] > 0


def test_a_vector_is_normalised_and_ranked_by_weight():
    vector = term_vector(
        "Deminers sent to Kursk",
        "North Korea sent deminers and engineers to Kursk. The deminers will clear minefields.",
        "en",
    )
    assert math.isclose(math.sqrt(sum(w * w for w in vector.values())), 1.0, abs_tol=1e-3)
    ranked = list(vector)
    assert ranked.index("deminer") < ranked.index("engineer")
    assert "deminer sent" in vector  # a phrase in the title


def test_a_phrase_seen_once_in_the_text_is_not_a_term():
    vector = term_vector("", "Heavy rain fell. The river rose quickly overnight.", "en")
    assert "heavy rain" not in vector and "rain" in vector


def test_cosine_and_centroid():
    a = term_vector("Volcano erupts", "A volcano erupted near Grindavik, lava flowed.", "en")
    b = term_vector(
        "Lava reaches walls", "Lava from the volcano reached walls near Grindavik.", "en"
    )
    c = term_vector("Rates cut", "The central bank cut interest rates by a quarter point.", "en")
    assert math.isclose(cosine(a, a), 1.0, abs_tol=1e-3)
    assert cosine(a, b) > 0.2 > cosine(a, c)
    centroid = combine([(a, 1.0), (b, 1.0)])
    assert cosine(centroid, a) > cosine(b, a) and cosine(centroid, b) > cosine(a, b)


def test_the_heaviest_terms_are_those_a_full_sort_keeps_ties_included():
    """`_kept` sorts only the weights; what it keeps must be what sorting every (weight, term)
    by weight then term and cutting at `top` keeps, at the cut's ties most of all."""
    import random

    from newsmon.pipeline.terms import _kept

    rng = random.Random(7)
    for _ in range(500):
        weights = {
            f"t{i}": rng.choice([0.0, -0.5, 1.0, 2.0, rng.random(), round(rng.random(), 1)])
            for i in range(rng.randrange(0, 150))
        }
        top = rng.randrange(1, 70)
        every = sorted(((w, t) for t, w in weights.items() if w > 0), key=lambda x: (-x[0], x[1]))
        assert _kept(weights, top) == every[:top]
