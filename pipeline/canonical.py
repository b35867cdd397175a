"""Stage 2, canonicalize: one URL per article, and the document id that hashes it."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from .models import Article, doc_id

# Parameters that say how a reader arrived, not which article it is.
_TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|igshid|yclid|_ga|_gl|"
    r"ocid|cmpid|cmp|ref|ref_src|referrer|src|smid|sr_share|at_medium|at_campaign|share|"
    r"ns_mchannel|ns_campaign|ito|taid|spm|__twitter_impression|amp|outputType)$",
    re.I,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_url(url: str) -> str:
    """Scheme and host lower-cased, default port, fragment and tracking parameters dropped,
    the rest of the query sorted, dot segments resolved."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    path = posixpath.normpath(parts.path) if parts.path not in ("", "/") else "/"
    if parts.path.endswith("/") and not path.endswith("/"):
        path += "/"
    path = re.sub(r"/{2,}", "/", path)
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not _TRACKING_PARAMS.match(k)
    )
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def _same_site(a: str, b: str) -> bool:
    def site(u: str) -> str:
        host = (urlsplit(u).hostname or "").lower()
        return host[4:] if host.startswith("www.") else host

    return site(a) == site(b)


def is_web_url(url: str) -> bool:
    """Only http and https URLs with a host are ever fetched."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def canonical_url(page_url: str, declared: str) -> str:
    """The declared rel=canonical when it stays on the same site (a page must not be able to
    claim another outlet's article and overwrite it), else the fetched URL itself."""
    if declared:
        absolute = urljoin(page_url, declared)
        if is_web_url(absolute) and _same_site(absolute, page_url):
            return normalize_url(absolute)
    return normalize_url(page_url)


def canonicalize(articles: Iterable[Article]) -> Iterator[Article]:
    for article in articles:
        yield canonicalize_article(article)


def canonicalize_article(article: Article) -> Article:
    article.canonical_url = canonical_url(article.final_url or article.url, article.canonical_url)
    article.id = doc_id(article.canonical_url)
    for met in (article.url, article.final_url):
        if met and met != article.canonical_url and met not in article.alternate_urls:
            article.alternate_urls.append(met)
    return article
