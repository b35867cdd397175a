"""Story assignment against the demo web's ground truth: every story article joins, no
look-alike does (a missile test, Russia-Ukraine news without North Korea, a Moscow-Pyongyang
train). The profile is the committed seed file, derived from the seed article alone."""

from newsmon.demoweb.site import DemoSite
from newsmon.pipeline.enrich import detect_language
from newsmon.pipeline.models import Article
from newsmon.pipeline.stories import assign_stories, score


def _article(demo) -> Article:
    """A demo page as the stages before assignment leave it (its language detected)."""
    text = "\n".join(demo.paragraphs)
    return Article(
        id=demo.id,
        url=demo.path,
        canonical_url=demo.path,
        source=demo.outlet,
        source_name=demo.outlet,
        title=demo.title,
        text=text,
        fetched_at="2025-09-01T00:00:00Z",
        published_at=demo.published.isoformat(),
        language=detect_language(f"{demo.title}\n{text}"),
    )


def test_story_articles_join_and_lookalikes_do_not(stories):
    (profile,) = stories
    site = DemoSite()
    ordered = sorted(map(_article, site.articles), key=lambda a: a.published_at or "")
    assigned = {a.id: a.stories for a in assign_stories(ordered, stories)}
    for demo in site.articles:
        if not demo.reachable:
            continue  # paywalled or broken on purpose: never fetched, never assigned
        if demo.story:
            assert assigned[demo.id], f"story article left out: {demo.id}"
        else:
            assert not assigned[demo.id], f"unrelated article joined: {demo.id}"
    assert any(d.lookalike for d in site.articles)


# An article with nothing but a title and a text to score (its date inside the story).
BARE = dict(
    id="x",
    url="u",
    canonical_url="u",
    source="s",
    source_name="s",
    fetched_at="2025-09-01T00:00:00Z",
    published_at="2025-07-01T00:00:00Z",
)


def test_score_needs_two_of_the_storys_three_heaviest_entities(stories):
    (profile,) = stories
    base = BARE
    both = Article(
        title="North Korea sends engineers",
        text="Deminers and engineers go to Russia's Kursk.",
        **base,
    )
    no_russia = Article(
        title="North Korea sends engineers", text="Deminers and engineers go home.", **base
    )
    assert score(both, profile) >= profile.threshold
    assert score(no_russia, profile) == 0.0


def test_articles_before_the_story_start_are_not_assigned(stories):
    (profile,) = stories
    old = Article(
        id="x",
        url="u",
        canonical_url="u",
        source="s",
        source_name="s",
        title="North Korea to send engineers and deminers to Russia's Kursk",
        text="The NIS said 5,000 engineers would go to Russia.",
        fetched_at="2025-09-01T00:00:00Z",
        published_at="2024-01-01T00:00:00Z",
    )
    assert score(old, profile) == 0.0


def test_profile_adds_terms_from_the_seed_article(stories):
    (profile,) = stories
    assert "north korea" in profile.terms
    assert profile.seed_text.startswith("North Korea has reportedly")


def test_terms_match_whole_words_only(stories):
    (profile,) = stories
    base = BARE
    text = "North Korea sends engineers and deminers to Russia's Kursk region, officials said."
    real = Article(title="North Korean engineers in Kursk", text=text, **base)
    # The story's words inside longer ones: every required group and enough terms would match
    # as substrings (Pyongyangers, Prussian, deminerskills, ...), none as words.
    inside = Article(
        title="Pyongyangers club",
        text="Prussian history society; the "
        "deminerskills and engineersville exhibits, troopship construction ledgers "
        "and Kurskaya street sappersons; nisei ministry records.",
        **base,
    )
    assert score(real, profile) >= profile.threshold
    assert score(inside, profile) == 0.0
