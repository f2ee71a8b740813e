"""Text in XML reports (JUnit, the CI formats): escaped, and with the characters XML 1.0 forbids
replaced, so that an id holding a control character cannot make the whole report unreadable."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape as _escape
from xml.sax.saxutils import quoteattr as _quoteattr

#: Not allowed anywhere in an XML 1.0 document (https://www.w3.org/TR/xml/#charsets): C0 controls
#: but tab, newline and carriage return; lone surrogates; U+FFFE and U+FFFF.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def legal(text: str) -> str:
    """``text`` with each character XML cannot hold shown as its escape (``\\x1b``)."""
    if not _ILLEGAL.search(text):
        return text
    return _ILLEGAL.sub(
        lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), text
    )


def escape(text: str) -> str:
    """Element text: ``&``, ``<`` and ``>`` escaped, illegal characters replaced."""
    return _escape(legal(text))


def quoteattr(text: str) -> str:
    """An attribute value with its quotes (newlines and tabs kept as character references)."""
    return _quoteattr(legal(text), {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})
