"""Make untrusted text (feed titles, sentences, names, URLs) safe to print or put in a header.

Feed content can carry terminal escape sequences (which recolour, retitle or
rewrite a terminal), stray control characters, bidirectional overrides (which
make text read differently from its bytes) and line breaks in places that must
be one line (an email subject, a table cell). :func:`clean_text` removes the
first three and keeps ``\\n`` and ``\\t``; :func:`single_line` also folds every
line break into a space, so the result can never start a new header or row.

HTML output does not need this module: it escapes with :func:`html.escape`.
"""

from __future__ import annotations

import re

# ESC-introduced sequences: CSI (ESC [ ... final), OSC/DCS/SOS/PM/APC strings
# (terminated by BEL or ESC \), and two-character escapes. The 8-bit C1 forms
# (U+009B CSI, U+009D OSC, ...) are matched the same way.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    (?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?     # CSI: params, intermediates, final
  | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])                  # OSC, DCS, SOS, PM, APC ...
    [^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?                  # ... up to BEL, ST or line end
  | \x1b[\x20-\x2f]*[\x30-\x7e]?                             # any other escape
    """,
    re.VERBOSE,
)
# C0 controls except \t and \n, DEL, C1 controls, and the bidi embeddings,
# overrides and isolates (U+202A-U+202E, U+2066-U+2069).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_SPACES = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """``text`` without escape sequences and control characters; ``\\n`` and ``\\t`` stay.

    A carriage return can overwrite what a terminal already shows, so CRLF and
    lone CR become ``\\n`` instead of being dropped.
    """
    text = _LINE_BREAKS.sub("\n", text)
    text = _ESCAPE_SEQUENCE.sub("", text)
    return _CONTROL.sub("", text)


def single_line(text: str | None, *, max_length: int | None = None) -> str:
    """``text`` cleaned, every line break and run of whitespace folded into one space.

    Safe for an email header, a log line or a table cell. ``max_length`` cuts
    the result (with a trailing ``…``) for narrow places such as a subject.
    """
    if not text:
        return ""
    text = _LINE_BREAKS.sub(" ", text)
    text = clean_text(text)
    text = _SPACES.sub(" ", text).strip()
    if max_length is not None and len(text) > max_length:
        text = text[: max(max_length - 1, 0)].rstrip() + "…"
    return text
