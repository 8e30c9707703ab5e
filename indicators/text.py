"""Text folding, word spans and sentence splitting.

Folding makes case, diacritics, script, quote style and dash style irrelevant
to matching: ``"Vučić’s"`` and ``"ВУЧИЋ'S"`` both fold to ``"vucic's"``. Every
folded character remembers which original character it came from
(:class:`Normalized`), so a match found in folded text is reported as a span
of the text as written.

Folding runs on every item, so it is built for speed. A table precomputed
for the scripts news is written in gives each character its folded form.
Mostly-ASCII text is lowered in bulk and only its non-ASCII runs are looked
up; other text is translated in one ``str.translate`` call. Only characters
whose folding changes the length (``ß`` → ``ss``, ``љ`` → ``lj``, combining
marks → nothing) or that lie outside the table take a per-character path.

Words are runs of letters and digits of the folded text (:func:`words`);
sentences come from :func:`split_sentences`.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from indicators.types import Sentence

__all__ = [
    "WORD_PATTERN",
    "Normalized",
    "fold",
    "normalize",
    "split_sentences",
    "word_texts",
    "word_texts_by_span",
    "words",
]

# Characters folded before Unicode decomposition: quotes, dashes, letters with
# strokes that NFKD leaves alone, and Cyrillic (Serbian, Macedonian, Russian,
# Ukrainian) transliterated the way Serbian Latin spells it, without diacritics.
_QUOTES = {c: "'" for c in "’‘‛`´′‹›"} | {c: '"' for c in "“”„‟«»″"}
_DASHES = {c: "-" for c in "‐‑‒–—―−﹘﹣－"}
# An ellipsis stays one character (NFKD would make it three), so text using
# it keeps the fast path; invisible characters that can sit inside a word
# (soft hyphen, zero-width space and joiners, BOM) are dropped.
_PUNCTUATION = {"…": ".", "‥": "."} | {c: "" for c in "\u00ad\u200b\u200c\u200d\u2060\ufeff"}
_STROKES = {
    "đ": "dj",
    "Đ": "dj",
    "ł": "l",
    "Ł": "l",
    "ø": "o",
    "Ø": "o",
    "æ": "ae",
    "Æ": "ae",
    "œ": "oe",
    "Œ": "oe",
    "ı": "i",
    "ħ": "h",
    "Ħ": "h",
    "ŧ": "t",
    "Ŧ": "t",
    "ð": "d",
    "Ð": "d",
    "þ": "th",
    "Þ": "th",
    "ƒ": "f",
}
_CYRILLIC_LOWER = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "ђ": "dj",
    "е": "e",
    "ж": "z",
    "з": "z",
    "и": "i",
    "ј": "j",
    "к": "k",
    "л": "l",
    "љ": "lj",
    "м": "m",
    "н": "n",
    "њ": "nj",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "ћ": "c",
    "у": "u",
    "ф": "f",
    "х": "h",
    "ц": "c",
    "ч": "c",
    "џ": "dz",
    "ш": "s",
    # Macedonian
    "ѓ": "gj",
    "ќ": "kj",
    "ѕ": "dz",
    # Russian, Ukrainian, Belarusian
    "й": "j",
    "ё": "e",
    "ы": "y",
    "э": "e",
    "ю": "ju",
    "я": "ja",
    "щ": "sc",
    "ъ": "",
    "ь": "",
    "є": "je",
    "і": "i",
    "ї": "ji",
    "ґ": "g",
    "ў": "u",
}
_DIRECT: dict[str, str] = (
    _QUOTES
    | _DASHES
    | _PUNCTUATION
    | _STROKES
    | _CYRILLIC_LOWER
    | {c.upper(): v for c, v in _CYRILLIC_LOWER.items()}
)


def _fold_char(char: str) -> str:
    """The folded form of one character (possibly empty or several characters)."""
    direct = _DIRECT.get(char)
    if direct is not None:
        return direct
    if unicodedata.combining(char):
        return ""
    out = _strip_marks(unicodedata.normalize("NFKD", char)).casefold()
    # casefold can produce decomposable or further-mapped characters (e.g. "İ").
    out = _strip_marks(unicodedata.normalize("NFKD", out))
    return "".join(_DIRECT.get(c, c) for c in out)


def _strip_marks(text: str) -> str:
    return "".join(c for c in text if not unicodedata.combining(c))


# The table covers the Basic Multilingual Plane up to CJK (Latin, Greek,
# Cyrillic, Arabic, punctuation, symbols), Latin ligatures and full-width forms.
_TABLE_RANGES = ((0x0000, 0x3000), (0xFB00, 0xFB50), (0xFE50, 0xFE70), (0xFF00, 0xFFF0))


def _build_tables() -> tuple[dict[int, str], str]:
    table: dict[int, str] = {}
    irregular: list[int] = []
    for low, high in _TABLE_RANGES:
        for code in range(low, high):
            char = chr(code)
            folded = _fold_char(char)
            if folded != char:
                table[code] = folded
            # Regular characters fold to one character that lower() leaves alone,
            # so sparse non-ASCII text can be lowered in bulk (see _fold_regular).
            if len(folded) != 1 or unicodedata.combining(char) or folded.lower() != folded:
                irregular.append(code)
    return table, _char_class(irregular)


def _char_class(codes: list[int]) -> str:
    """A regex character class for the given code points, written as ranges."""
    parts: list[str] = []
    start = prev = codes[0]
    for code in [*codes[1:], -2]:
        if code == prev + 1:
            prev = code
            continue
        parts.append(
            re.escape(chr(start))
            if start == prev
            else f"{re.escape(chr(start))}-{re.escape(chr(prev))}"
        )
        start = prev = code
    return "".join(parts)


_TABLE, _IRREGULAR_CLASS = _build_tables()
_OUTSIDE_TABLE = "".join(
    f"{re.escape(chr(high))}-{re.escape(chr(low - 1))}"
    for (_, high), (low, _) in zip(_TABLE_RANGES, [*_TABLE_RANGES[1:], (0x110000, 0)], strict=True)
)
_COMBINING = r"\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
# A base character followed by combining marks is folded as its NFC form, so
# NFD input ("и" + breve) folds like NFC input ("й" → "j"). Any other character
# whose folding changes the length, or that the table does not cover, is
# folded one by one.
_SLOW = re.compile(f"(?s:.)[{_COMBINING}]+|[{_IRREGULAR_CLASS}{_OUTSIDE_TABLE}]")
_ASCII_TABLE = {ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"} | {ord("`"): "'"}
_ASCII_BYTES = bytes(range(128))


def _fold_run(run: str) -> str | None:
    """A run of non-ASCII characters folded, or None if one of them is irregular."""
    if len(run) > _CACHED_LENGTH:
        return _fold_run_uncached(run)
    return _fold_run_cached(run)


def _fold_run_uncached(run: str) -> str | None:
    return None if _SLOW.search(run) else run.translate(_TABLE)


# Short runs (a curly quote, a name) repeat endlessly; long ones are not worth keeping.
_CACHED_LENGTH = 32
_fold_run_cached = lru_cache(maxsize=16384)(_fold_run_uncached)


def _is_sparse(text: str) -> bool:
    """Mostly ASCII (English news with curly quotes), judged from the UTF-8 length."""
    return (len(text.encode("utf-8", "surrogatepass")) - len(text)) * 8 < len(text)


def _fold_sparse(text: str) -> str | None:
    """Fold mostly-ASCII text: replace each distinct non-ASCII character, then lower in bulk.

    ``str.translate`` looks every character up in a dict (about 20 MB/s); a
    regex over the non-ASCII runs is not much faster. Here the distinct
    non-ASCII characters are collected in C (the UTF-8 bytes minus the ASCII
    ones) and each is replaced throughout with ``str.replace``. The order of
    the replacements does not matter: folding a regular character twice
    gives the same as folding it once. None if the text has irregular
    characters.
    """
    folded = text
    # ("surrogatepass": a lone surrogate in untrusted text must not raise.)
    non_ascii = text.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES)
    for char in set(non_ascii.decode("utf-8", "surrogatepass")):
        replacement = _fold_run(char)
        if replacement is None:
            return None
        if replacement != char:
            folded = folded.replace(char, replacement)
    # Regular characters fold to characters lower() leaves alone (see _build_tables).
    folded = folded.lower()
    return folded.replace("`", "'") if "`" in folded else folded


def _fold_regular(text: str) -> str:
    """Fold text whose characters each fold to exactly one character."""
    if _is_sparse(text):
        folded = _fold_sparse(text)
        if folded is not None:
            return folded
    return text.translate(_TABLE)


def _fold_cluster(cluster: str) -> str:
    """A base character and its combining marks, folded as their NFC form."""
    if len(cluster) > _CACHED_LENGTH:
        return _fold_cluster_uncached(cluster)
    return _fold_cluster_cached(cluster)


def _fold_cluster_uncached(cluster: str) -> str:
    composed = unicodedata.normalize("NFC", cluster)
    return "".join(_fold_char(c) for c in composed)


_fold_cluster_cached = lru_cache(maxsize=4096)(_fold_cluster_uncached)


@dataclass(frozen=True, slots=True)
class Normalized:
    """A folded string and, for each of its characters, the index it came from in the original."""

    original: str
    text: str
    offsets: Sequence[int]

    def folded_index(self, original_index: int) -> int:
        """The first folded character that comes from ``original_index`` or later."""
        if isinstance(self.offsets, range):
            return min(original_index, len(self.text))
        return bisect_left(self.offsets, original_index)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of folded ``text[start:end]`` (``start < end``).

        The end takes in combining marks that follow the last character, so a
        word written in decomposed form is reported whole.
        """
        orig_start = self.offsets[start]
        orig_end = self.offsets[end - 1] + 1
        original = self.original
        while orig_end < len(original) and unicodedata.combining(original[orig_end]):
            orig_end += 1
        return orig_start, orig_end


def normalize(text: str) -> Normalized:
    """Fold ``text`` for matching and keep the map back to the original."""
    if text.isascii():
        return Normalized(text, text.translate(_ASCII_TABLE), range(len(text)))
    if _is_sparse(text):
        folded = _fold_sparse(text)
        if folded is not None:
            return Normalized(text, folded, range(len(text)))
    elif _SLOW.search(text) is None:
        # Every character folds to exactly one character: the map is the identity.
        return Normalized(text, text.translate(_TABLE), range(len(text)))
    pieces: list[str] = []
    offsets: list[int] = []
    pos = 0
    for found in _SLOW.finditer(text):
        start, end = found.span()
        if start > pos:
            pieces.append(_fold_regular(text[pos:start]))
            offsets.extend(range(pos, start))
        chunk = found.group()
        folded = _fold_cluster(chunk) if len(chunk) > 1 else _fold_char(chunk)
        pieces.append(folded)
        offsets.extend([start] * len(folded))
        pos = end
    if pos < len(text):
        pieces.append(_fold_regular(text[pos:]))
        offsets.extend(range(pos, len(text)))
    return Normalized(text, "".join(pieces), offsets)


def fold(text: str) -> str:
    """The folded form of ``text`` (see :func:`normalize`)."""
    if text.isascii():
        return text.translate(_ASCII_TABLE)
    return normalize(text).text


WORD_PATTERN = re.compile(r"[^\W_]+")  # a word: letters and digits


# Every ASCII character that is not a letter or digit, to a space.
_ASCII_SEPARATORS = {code: " " for code in range(128) if not chr(code).isalnum()}


def word_texts(folded: str, start: int = 0, end: int | None = None) -> list[str]:
    """The words of ``folded[start:end]`` as strings (the same words :func:`words` finds).

    ASCII text (most folded news) takes ``translate`` + ``split``, several
    times faster than the word regex.
    """
    piece = folded[start:end]
    if piece.isascii():
        return piece.translate(_ASCII_SEPARATORS).split()
    return WORD_PATTERN.findall(piece)


def word_texts_by_span(folded: str, spans: Sequence[tuple[int, int]]) -> list[list[str]]:
    """:func:`word_texts` of each ``folded[start:end]`` (sentences of one document)."""
    if folded.isascii():
        separated = folded.translate(_ASCII_SEPARATORS)  # once for the whole text
        return [separated[start:end].split() for start, end in spans]
    return [word_texts(folded, start, end) for start, end in spans]


def words(folded: str) -> list[tuple[int, int]]:
    """Spans of the words (runs of letters and digits) of a folded string."""
    return [m.span() for m in WORD_PATTERN.finditer(folded)]


# --- sentences ---------------------------------------------------------------

_ABBREVIATION_LIST = """
    mr mrs ms dr prof st no nos gen lt col sgt capt cpt maj adm gov sen rep rev fr jr sr
    sq cf vs etc approx dept est inc ltd co corp jan feb mar apr jun jul aug sep sept oct
    nov dec mt ft pp vol art br str ul tel e.g i.e u.s u.n u.k e.u a.m p.m u.s.a d.c
"""
_ABBREVIATIONS = _ABBREVIATION_LIST.split()
_CLOSERS = "\"'”’»)\\]"  # closing quotes and brackets after sentence-final punctuation
# A full stop that ends nothing: after an abbreviation ("Mr."), an initial
# ("John F. Kennedy") or inside an acronym or number ("U.S.", "3.5.").
# (One look-behind per length: look-behinds must have a fixed width.)
_NOT_AFTER = "".join(
    f"(?<!\\b(?i:{'|'.join(re.escape(a) for a in _ABBREVIATIONS if len(a) == n)})\\.)"
    for n in sorted({len(a) for a in _ABBREVIATIONS})
)
_NOT_AFTER += r"(?<!\b[^\W\d_]\.)(?<!\.\w\.)"
# Candidates all start with one character class, so the regex engine skips
# ahead quickly; each branch then looks behind at what it consumed:
#   group 1: a blank line (a paragraph break);
#   a lone full stop that is not one of the above, before whitespace;
#   other sentence-final punctuation ("!", "?!", "…", '."'), before whitespace;
#   a line break.
# Group 2 is the next non-space character: a lower-case one continues the sentence.
_SPLIT = re.compile(
    r"[\n.!?…](?:"
    r"(?<=\n)([^\S\n]*\n\s*)"
    rf"|(?<=\.){_NOT_AFTER}(?![.!?…{_CLOSERS}])(?=\s|$)"
    rf"|(?:(?<=[!?…])|(?<=\.)(?=[.!?…{_CLOSERS}]))[.!?…]*[{_CLOSERS}]*(?=\s|$)"
    r"|(?<=\n)"
    r")(?=\s*(\S?))"
)


def split_sentences(text: str, *, has_title: bool) -> list[Sentence]:
    """Split ``text`` into trimmed sentences with offsets into ``text``.

    With ``has_title`` the first paragraph is the title and one sentence.
    Paragraphs are split on blank lines; sentences on ``. ! ? …`` (not after
    abbreviations or initials, nor before a lower-case word) and at a line
    break inside a paragraph unless the next line continues in lower case.
    """
    pieces: list[tuple[int, int, bool]] = []  # (start, end, is_title), untrimmed
    pos = 0
    in_title = has_title
    for found in _SPLIT.finditer(text):
        start, end = found.span()
        if found.group(1) is not None:  # a blank line ends the paragraph
            if start > pos:  # (usually a sentence has just ended there)
                pieces.append((pos, start, in_title))
            in_title = False
            pos = end
        elif not in_title and not found.group(2).islower():
            # (lower case next: "e.g. the", "...and", a hard-wrapped line continuing)
            pieces.append((pos, end, False))
            pos = end
    pieces.append((pos, len(text), in_title))
    sentences: list[Sentence] = []
    for start, end, is_title in pieces:
        chunk = text[start:end]
        stripped = chunk.strip()
        if stripped:
            if chunk[0].isspace():
                start += len(chunk) - len(chunk.lstrip())
            sentences.append(
                Sentence(len(sentences), start, start + len(stripped), stripped, is_title)
            )
    return sentences
