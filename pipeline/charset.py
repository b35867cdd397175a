"""A page's bytes as text: the encoding the page declares, else the one its bytes look like.

The order is the HTML standard's: a byte-order mark, then the HTTP Content-Type charset, then a
``<meta charset>`` or ``http-equiv`` tag in the document (w3lib reads all three). Only a page that
declares nothing is guessed at: valid UTF-8 is UTF-8; anything else is detected by
charset-normalizer, which tells Shift_JIS, EUC-KR, KOI8-R and windows-125x apart where a fixed
fallback (Scrapy tries cp1252) would turn them into mojibake that still "decodes".
"""

from __future__ import annotations

from charset_normalizer import from_bytes
from w3lib.encoding import html_to_unicode, resolve_encoding

DETECT_BYTES = 64 * 1024  # enough text to tell encodings apart; detection is not free


def detect_encoding(body: bytes) -> str | None:
    """A guess for bytes that declare no encoding: None when there is nothing to go on."""
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= DETECT_BYTES - 4:  # a character cut at the sample's end, in a big page
            return "utf-8"
    best = from_bytes(body[:DETECT_BYTES]).best()
    if best is None:
        return None
    return resolve_encoding(best.encoding) or best.encoding


def decode_page(body: bytes, content_type: str = "") -> tuple[str, str]:
    """(encoding, text) of an HTML page; undecodable bytes become U+FFFD, never an error."""
    encoding, text = html_to_unicode(
        content_type or None, body, default_encoding="utf-8", auto_detect_fun=detect_encoding
    )
    return encoding, text
