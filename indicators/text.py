"""Text folding, word spans and sentence splitting.

Folding makes case, diacritics, script, quote style and dash style irrelevant
to matching: ``"Vučić’s"`` and ``"ВУЧИЋ'S"`` both fold to ``"vucic's"``. Every
folded character remembers which original character it came from, so a match
found in folded text is reported as a span of the text as written.

Folding runs on every item, so it is built for speed: a translation table
precomputed for the scripts news is written in handles nearly all text in one
``str.translate`` call; only characters whose folding changes the length
(``ß`` → ``ss``, ``љ`` → ``lj``, combining marks → nothing) or lie outside the
table take the slow, per-character path.
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
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@lru_cache(maxsize=16384)
def _fold_run(run: str) -> str | None:
    """A run of non-ASCII characters folded, or None if one of them is irregular."""
    return None if _SLOW.search(run) else run.translate(_TABLE)


def _is_sparse(text: str) -> bool:
    """Mostly ASCII (English news with curly quotes), judged from the UTF-8 length."""
    return (len(text.encode("utf-8")) - len(text)) * 8 < len(text)


def _fold_sparse(text: str) -> str | None:
    """Fold mostly-ASCII text: lower it in bulk and translate only its non-ASCII runs.

    ``str.translate`` looks every character up in a dict (about 20 MB/s); this
    is several times faster. None if the text has irregular characters.
    """
    irregular = False

    def fold_run(found: re.Match[str]) -> str:
        nonlocal irregular
        folded = _fold_run(found.group())
        if folded is None:
            irregular = True
            return ""
        return folded

    folded = _NON_ASCII.sub(fold_run, text)
    if irregular:
        return None
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


@lru_cache(maxsize=4096)
def _fold_cluster(cluster: str) -> str:
    composed = unicodedata.normalize("NFC", cluster)
    return "".join(_fold_char(c) for c in composed)


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


def words(folded: str) -> list[tuple[int, int]]:
    """Spans of the words (runs of letters and digits) of a folded string."""
    return [m.span() for m in WORD_PATTERN.finditer(folded)]


# --- sentences ---------------------------------------------------------------

# A blank line (group 1); sentence-final punctuation with closing quotes or
# brackets, before whitespace; or a line break.
# (Written to start with one character class: the regex engine then skips
# ahead quickly, about four times faster than a plain alternation.)
_SPLIT = re.compile(
    r"""[\n.!?…](?:(?<=\n)([^\S\n]*\n\s*)|(?<=[.!?…])[.!?…]*["'”’»)\]]*(?=\s|$)|(?<=\n))"""
)
_ABBREVIATION_LIST = """
    mr mrs ms dr prof st no nos gen lt col sgt capt cpt maj adm gov sen rep rev fr jr sr
    sq cf vs etc approx dept est inc ltd co corp jan feb mar apr jun jul aug sep sept oct
    nov dec mt ft pp vol art br str ul tel e.g i.e u.s u.n u.k e.u a.m p.m u.s.a d.c
"""
_ABBREVIATIONS = frozenset(_ABBREVIATION_LIST.split())
_NEXT_CHAR = re.compile(r"\s*(\S)")
_ACRONYM = re.compile(r"(?:\w\.)+\w")  # "U.S", "e.g" (the final dot is stripped)


def split_sentences(text: str, *, has_title: bool) -> list[Sentence]:
    """Split ``text`` into trimmed sentences with offsets into ``text``.

    With ``has_title`` the first paragraph is the title and one sentence.
    Paragraphs are split on blank lines; sentences on ``. ! ? …`` (not after
    abbreviations or initials, nor before a lower-case word) and at a line
    break inside a paragraph unless the next line continues in lower case.
    """
    sentences: list[Sentence] = []
    pos = 0
    in_title = has_title
    for found in _SPLIT.finditer(text):
        if found.group(1) is not None:  # a blank line ends the paragraph
            _append(sentences, text, pos, found.start(), is_title=in_title)
            in_title = False
            pos = found.end()
        elif not in_title and _is_boundary(text, found.start(), found.end()):
            _append(sentences, text, pos, found.end(), is_title=False)
            pos = found.end()
    _append(sentences, text, pos, len(text), is_title=in_title)
    return sentences


def _is_boundary(text: str, mark: int, cut: int) -> bool:
    following = _NEXT_CHAR.match(text, cut)
    if following is None:
        return True
    if following.group(1).islower():
        return False  # "e.g. the", "...and", or a hard-wrapped line continuing
    if text[mark] == "\n":
        return True
    if text[mark] != "." or cut - mark > 1:
        return True  # "!", "?", "…", or a full stop before a closing quote: "he said no."
    before = text[max(0, mark - 24) : mark + 1].split()  # abbreviations are short
    if not before:
        return True
    word = before[-1].lstrip("\"'“‘«([").rstrip(".").lower()
    if word in _ABBREVIATIONS:
        return False
    # An initial ("John F. Kennedy") or an acronym with dots ("U.S.").
    return not (len(word) == 1 and word.isalpha()) and not _ACRONYM.fullmatch(word)


def _append(sentences: list[Sentence], text: str, start: int, end: int, *, is_title: bool) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if stripped:
        start += len(chunk) - len(chunk.lstrip())
        sentences.append(Sentence(len(sentences), start, start + len(stripped), stripped, is_title))
