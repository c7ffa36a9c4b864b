"""What the health programs' tests share: an identity number for a date of birth, and the text of a page as a
person reads it."""

from __future__ import annotations

from html.parser import HTMLParser

from jifen.identity.national_id import check_digit


def id_number(born: str, serial: int) -> str:
    """A valid identity number (Beijing's area code, never a Zhejiang one of a test account) born on ``born``."""
    first17 = f"110101{born}{serial:03d}"
    return first17 + check_digit(first17)


class _ReadText(HTMLParser):
    """The text a person reads (no tags, attributes, scripts or styles)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def read_text(html: str) -> str:
    parser = _ReadText()
    parser.feed(html)
    return "\n".join(parser.texts)
