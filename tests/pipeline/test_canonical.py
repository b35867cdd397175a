import pytest

from newsmon.pipeline.canonical import canonical_url, normalize_url


@pytest.mark.parametrize(
    "url, expected",
    [
        (
            "HTTPS://Example.ORG:443/World/Story?utm_source=rss&utm_medium=feed",
            "https://example.org/World/Story",
        ),
        ("http://example.org:80/a/./b/../c#comments", "http://example.org/a/c"),
        ("https://example.org/s?b=2&a=1&fbclid=xyz&gclid=1", "https://example.org/s?a=1&b=2"),
        ("https://example.org:8443/x", "https://example.org:8443/x"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org/section/", "https://example.org/section/"),
    ],
)
def test_normalize_url(url, expected):
    assert normalize_url(url) == expected


def test_rel_canonical_is_followed_on_the_same_site_only():
    page = "https://www.example.org/amp/world/story"
    assert (
        canonical_url(page, "https://example.org/world/story") == "https://example.org/world/story"
    )
    assert canonical_url(page, "https://other.example.net/world/story") == normalize_url(page)
    assert canonical_url(page, "javascript:void(0)") == normalize_url(page)
    assert canonical_url(page, "") == normalize_url(page)
