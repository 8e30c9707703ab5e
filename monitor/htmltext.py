"""HTML to plain text for matching: paragraphs stay paragraphs, markup and scripts go.

The output is what the indicator engine reads and quotes as evidence, so it is
deterministic and compact: block elements are separated by a blank line
(``"\\n\\n"``), ``<br>`` is a newline, a pair of ``<br>`` is a paragraph break,
whitespace inside a paragraph is one space, and there is no leading or trailing
blank. Input without tags keeps its own line structure. Built on the standard
library's tolerant ``html.parser``: no network, no entity tricks beyond HTML's own.

Most feed HTML is plain markup (tags with well-formed attributes, text, entities),
which one regular expression splits exactly as ``html.parser`` does, several times
faster: such input takes that path (:func:`_split_simple`), anything else (comments,
scripts, stray ``<``, odd attributes) the parser itself. Both feed the same handlers.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

__all__ = ["html_to_text", "plain_to_text"]

BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
        "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
        "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend",
        "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
        "tfoot", "thead", "tr", "ul",
    }
)  # fmt: skip
# Their content is code, a fallback or a separate document, never the article's prose.
SKIPPED_TAGS = frozenset({"script", "style", "noscript", "iframe", "template", "svg", "math"})
CELL_TAGS = frozenset({"td", "th"})

_LINE = 1  # a <br>
_PARAGRAPH = 2  # a block boundary (or two <br> in a row)

_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TAG = re.compile(r"<[A-Za-z/!?]")
_BLANK_LINES = re.compile(r"\n\s*\n")


def is_markup(text: str) -> bool:
    """Whether ``text`` is HTML (it opens with a tag) rather than plain text."""
    return text.lstrip().startswith("<") and _TAG.search(text) is not None


def html_to_text(html_source: str) -> str:
    """Return the readable text of an HTML fragment or page."""
    if not html_source:
        return ""
    if _TAG.search(html_source) is None:
        return plain_to_text(html.unescape(html_source))
    parser = _TextExtractor()
    if not _split_simple(html_source, parser):
        parser = _TextExtractor()
        parser.feed(html_source)
        parser.close()
    return parser.text()


# A tag as html.parser reads it when it is this simple: a name, then attributes
# separated by whitespace with plain names and values without angle brackets.
_SIMPLE_TAG = re.compile(
    r"<(?:"
    r"/(?P<end>[a-zA-Z][-.a-zA-Z0-9:_]*)\s*"
    r"|(?P<start>[a-zA-Z][-.a-zA-Z0-9:_]*)"
    r"(?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'=<>`]+))?)*"
    r"\s*(?P<empty>/?)"
    r")>"
)
# Their content is not markup for html.parser: left to it.
_RAW_TEXT_TAGS = frozenset({"script", "style"})


def _split_simple(source: str, handler: _TextExtractor) -> bool:
    """Hand ``source`` to ``handler`` tag by tag and text by text, as html.parser would;
    False, with ``handler`` in an unknown state, when the markup is not that simple."""
    unescape = html.unescape
    position = 0
    for tag in _SIMPLE_TAG.finditer(source):
        start = tag.start()
        if start > position:
            text = source[position:start]
            if "<" in text:
                return False  # a comment, a declaration, a stray "<": the parser decides
            handler.handle_data(unescape(text))
        position = tag.end()
        end_name = tag.group("end")
        if end_name is not None:
            handler.handle_endtag(end_name.lower())
            continue
        name = tag.group("start").lower()
        if name in _RAW_TEXT_TAGS:
            return False
        if tag.group("empty"):
            handler.handle_startendtag(name, [])
        else:
            handler.handle_starttag(name, [])
    rest = source[position:]
    if rest:
        if "<" in rest:
            return False
        handler.handle_data(unescape(rest))
    return True


def plain_to_text(text: str) -> str:
    """Normalise text that has no markup: blank lines separate paragraphs (one blank line
    each), other newlines stay, whitespace runs within a line become one space."""
    text = _CONTROL.sub("", text)
    paragraphs = []
    for block in _BLANK_LINES.split(text):
        lines = (_SPACES.sub(" ", line).strip() for line in block.splitlines())
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)


class _TextExtractor(HTMLParser):
    """Collects text runs and break markers; ``text()`` joins them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._parts: list[str | int] = []
        self._skip_depth = 0
        self._skip_tag: str | None = None
        self._pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip_depth:
            if tag == self._skip_tag:
                self._skip_depth += 1
            return
        if tag in SKIPPED_TAGS:
            self._skip_tag, self._skip_depth = tag, 1
        elif tag == "br":
            self._parts.append(_LINE)
        elif tag in BLOCK_TAGS:
            self._parts.append(_PARAGRAPH)
            if tag == "pre":
                self._pre_depth += 1
        elif tag in CELL_TAGS:
            self._parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/>, <hr/>, and self-closed skipped tags, which have no content to skip.
        if tag in SKIPPED_TAGS:
            return
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self._skip_depth:
            if tag == self._skip_tag:
                self._skip_depth -= 1
            return
        if tag in BLOCK_TAGS:
            self._parts.append(_PARAGRAPH)
            if tag == "pre" and self._pre_depth:
                self._pre_depth -= 1
        elif tag == "br":  # </br> is read as <br> by browsers too
            self._parts.append(_LINE)
        elif tag in CELL_TAGS:
            self._parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if self._pre_depth:
            lines = data.split("\n")
            for index, line in enumerate(lines):
                if index:
                    self._parts.append(_LINE)
                self._parts.append(line)
        else:
            self._parts.append(data)

    def text(self) -> str:
        out: list[str] = []
        line: list[str] = []  # text runs of the line being built
        pending = 0  # strongest break since the last emitted line: 0, _LINE or _PARAGRAPH

        def emit() -> None:
            nonlocal pending
            # str.split() splits on exactly the whitespace that \s matches, and strips.
            text = " ".join("".join(line).split())
            line.clear()
            if text:
                if out:
                    out.append("\n" if pending == _LINE else "\n\n")
                out.append(text)
                pending = 0

        for part in self._parts:
            if isinstance(part, str):
                line.append(part)
            else:
                emit()
                # Two <br> in a row make a paragraph; a block boundary is one already.
                pending = min(_PARAGRAPH, pending + part)
        emit()
        return _CONTROL.sub("", "".join(out))
