"""Word alternations that Python's regex engine can scan quickly.

The context cues are long alternations of words and phrases, searched as
``\\b(?:could|might|...)\\b``. For a pattern that starts with ``\\b``, Python's
``re`` tries every alternative at every word boundary of the text, which
makes such a search cost some 20 µs per sentence. A pattern whose
alternatives all start with a literal character is different: the engine
first skips, in C, to the next character that can start one of them, and at
such a character it rejects the alternatives with another first letter at
once. :func:`word_alternation` rewrites ``\\b(?:A|B|...)`` into that shape,
with the same matches:

- a leading group is spread over its alternatives, in order
  (``(?:vow|pledge)s?`` → ``vows?|pledges?``, ``(?:za)?pretio`` →
  ``zapretio|pretio``), and a leading ``\\d`` over the ten digits;
- alternatives are grouped by their first letter, keeping their order
  within a group (alternatives with different first letters never match at
  the same place, so their relative order does not matter);
- the ``\\b`` before the first letter becomes a look-behind after it:
  ``c(?<!\\w.)ould`` (the character before the ``c`` is no word character).

The text searched is folded (:func:`indicators.text.fold`): a cheap test of
its words (:class:`WordAlternation`) tells when it cannot hold a match, and
letters that folding removes ("ë") are known never to occur in it.

A digit spelt ``\\d`` also matches digits of other scripts, which the ten
ASCII digits do not: :class:`WordAlternation` keeps the original pattern for
text that is not ASCII.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Set
from itertools import pairwise
from typing import TypeVar

from indicators.text import fold

__all__ = ["WordAlternation", "split_alternatives", "word_alternation"]

_QUANTIFIERS = ("?", "*", "+", "{")
_DIGITS = "0123456789"


def _structure(pattern: str) -> Iterator[tuple[int, str, int]]:
    """``(index, character, depth)`` of each ``(``, ``)`` and ``|`` of ``pattern`` that
    is syntax, not an escaped character or a member of a class; ``depth`` is the
    group depth before the character."""
    depth = 0
    index = 0
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in "()|":
            yield index, char, depth
            depth += {"(": 1, ")": -1, "|": 0}[char]
        index += 1


def split_alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of ``pattern`` (``|`` outside groups and classes)."""
    bars = [index for index, char, depth in _structure(pattern) if char == "|" and depth == 0]
    edges = [-1, *bars, len(pattern)]
    return [pattern[low + 1 : high] for low, high in pairwise(edges)]


def _group_end(pattern: str) -> int:
    """The index of the ``)`` closing the group that ``pattern`` starts with, or -1."""
    for index, char, depth in _structure(pattern):
        if char == ")" and depth == 1:
            return index
    return -1


def _literal_first(alternative: str) -> list[str] | None:
    """``alternative`` as alternatives (in order) that each start with a letter or
    digit that is not optional; None when that cannot be done."""
    if not alternative:
        return None
    first = alternative[0]
    if first.isalnum() and first.isascii():
        return None if alternative[1:2] in _QUANTIFIERS else [alternative]
    if alternative.startswith(r"\d"):
        rest = alternative[2:]
        if rest[:1] == "+":
            rest = r"\d*" + rest[1:]
        elif rest[:1] in _QUANTIFIERS:
            return None
        return [digit + rest for digit in _DIGITS]
    if not alternative.startswith("(?:"):
        return None
    variants = _spread_next(alternative)
    return None if variants is None else _each(variants, _literal_first)


_T = TypeVar("_T")


def _each(variants: list[str], expand: Callable[[str], list[_T] | None]) -> list[_T] | None:
    """``expand`` of every variant, in order, joined; None if one gives None."""
    found: list[_T] = []
    for variant in variants:
        expanded = expand(variant)
        if expanded is None:
            return None
        found += expanded
    return found


def word_alternation(alternatives: list[str]) -> tuple[str, bool] | None:
    """``\\b(?:alternatives)`` rewritten for a fast scan (see the module docstring),
    and whether a ``\\d`` was spread over ASCII digits; None if it cannot be."""
    groups: dict[str, list[str]] = {}
    spread_digits = False
    for alternative in alternatives:
        expanded = _literal_first(alternative)
        if expanded is None:
            return None
        # (A piece that starts with a digit where the alternative does not came from a \d.)
        spread_digits = spread_digits or any(
            piece[0].isdigit() and not alternative.startswith(piece[0]) for piece in expanded
        )
        for piece in expanded:
            groups.setdefault(piece[0], []).append(piece[1:])
    body = "|".join(
        rf"{re.escape(first)}(?<!\w.)(?:{'|'.join(rests)})" for first, rests in groups.items()
    )
    return f"(?:{body})", spread_digits


def _first_words(piece: str) -> list[tuple[str, bool]] | None:
    """The letters a match of ``piece`` can start with, each with whether they are
    the whole first word (True) or only its start; None if nothing can be said.

    ``piece`` starts with a letter or digit (see :func:`_literal_first`) and is
    followed by ``\\b``: "no(?!\\s+doubt)" is the word "no", "then-\\w+" the word
    "then", "nedelj\\w*" a word starting "nedelj", "un?likely" one starting
    "unlikely" or "ulikely".
    """
    end = 0
    while end < len(piece) and piece[end].isascii() and piece[end].isalnum():
        end += 1
    literal, rest = piece[:end], piece[end:]
    if rest[:1] == "?" and rest[1:2] not in ("?", "+") and len(literal) > 1:
        # An optional letter: the word starts with it or without it.
        return _each([literal + rest[1:], literal[:-1] + rest[1:]], _first_words)
    if rest[:1] in _QUANTIFIERS:
        return [(literal[:-1], False)] if len(literal) > 1 else None
    variants = _spread_next(rest)
    if variants is not None:  # a group or a class of letters: each way on
        return _each([literal + variant for variant in variants], _first_words)
    while rest.startswith(("(?!", "(?=")):  # look-aheads consume nothing
        close = _group_end(rest)
        if close < 0:
            return None
        rest = rest[close + 1 :]
    if rest[:1] in _QUANTIFIERS:
        return None
    if not rest or rest.startswith(r"\b") or _mandatory_separator(rest):
        return [(literal, True)]
    if rest[0].isalnum() and fold(rest[0]) != rest[0]:
        return []  # a letter that folded text never holds ("ë"): this way never matches
    if rest.startswith(("\\", "(", "[", ".")) or rest[0].isalnum() or rest[0] == "_":
        return [(literal, False)]  # (a letter the loop did not take: not ASCII)
    return [(literal, True)]  # a literal non-word character ("-", "'") ends the word


_LETTER_CLASS = re.compile(r"\[([^\]\\^-]+)\]")  # letters only: no range, escape or negation


def _spread_next(rest: str) -> list[str] | None:
    """``rest``, which follows some letters, as the ways it can go on when it starts
    with a group ("(?:s|ve)\\sto" → "s\\sto", "ve\\sto") or a class of letters
    ("[ey]" → "e", "y"), an optional one included; None otherwise."""
    if rest.startswith("(?:"):
        close = _group_end(rest)
        if close < 0:
            return None
        options, after = split_alternatives(rest[3:close]), rest[close + 1 :]
    elif (letters := _LETTER_CLASS.match(rest)) is not None:
        options, after = list(letters[1]), rest[letters.end() :]
    else:
        return None
    if after[:1] == "?" and after[1:2] not in ("?", "+"):
        options, after = [*options, ""], after[1:]
    elif after[:1] in _QUANTIFIERS:
        return None
    return [option + after for option in options]


_MAX_VARIANTS = 256  # ways one alternative is spelt out for its gate, at most


def _variants(piece: str) -> list[str] | None:
    """``piece`` with every group outside look-arounds spread over its options (an
    optional group: with and without it), in order; None past ``_MAX_VARIANTS``."""
    done: list[str] = []
    todo = [piece]
    while todo:
        variant = todo.pop(0)
        group = next(
            (
                index
                for index, char, depth in _structure(variant)
                if char == "(" and depth == 0 and variant.startswith("(?:", index)
            ),
            None,
        )
        spread = None if group is None else _spread_next(variant[group:])
        if spread is None:
            done.append(variant)
        else:
            todo += [variant[:group] + rest for rest in spread]
        if len(done) + len(todo) > _MAX_VARIANTS:
            return None
    return done


def _mandatory_separator(rest: str) -> bool:
    """Whether ``rest`` starts with a ``\\s`` or ``\\W`` that must be there."""
    return rest.startswith((r"\s", r"\W")) and rest[2:3] not in ("?", "*", "{")


def _words_of(variant: str) -> list[str]:
    """The parts of ``variant`` between its top-level, mandatory ``\\s``: one word each."""
    marked = variant.replace(r"\s", "|s")  # each "\\s" made a top-level "|" if outside groups
    words, start = [], 0
    for index, char, depth in _structure(marked):
        if char == "|" and depth == 0 and _mandatory_separator(variant[index:]):
            words.append(variant[start:index])
            start = index + (3 if variant[index + 2 : index + 3] == "+" else 2)  # "\\s" or "\\s+"
    return [*words, variant[start:]]


def _telling_words(alternative: str) -> list[tuple[str, bool]] | None:
    """For each way ``alternative`` can be spelt, its longest word that must be there
    (whole, or its beginning): a match cannot be where none of them is. None if some
    way has no such word."""
    variants = _variants(alternative)
    if variants is None:
        return None
    telling: list[tuple[str, bool]] = []
    for variant in variants:
        if variant.startswith((r"\s?", r"\s*")):  # space or none before the first word
            variant = variant[3:]
        candidates = [
            found
            for word in _words_of(variant)
            if word[:1].isascii() and word[:1].isalnum()
            for found in [_first_words(word)]
            if found is not None and all(literal for literal, _ in found)
        ]
        if not candidates:
            return None
        # The word whose shortest spelling is longest tells most ("case" over "in").
        telling += max(candidates, key=lambda found: min(len(literal) for literal, _ in found))
    return telling


class _Gate:
    """A cheap test that a sentence cannot hold a match: none of the words one needs
    is among its words, and none of the beginnings is in its text."""

    __slots__ = ("beginnings", "words")

    def __init__(self, alternatives: list[str]) -> None:
        words: set[str] = set()
        beginnings: set[str] = set()
        for alternative in alternatives:
            telling = _telling_words(alternative)
            if telling is None:  # then the words a match can start with
                pieces = _literal_first(alternative) or [""]
                telling = _each(pieces, _first_words) or [("", False)]
            for literal, whole in telling:
                if not literal:
                    raise ValueError(f"no telling word in {alternative!r}")
                (words if whole else beginnings).add(literal)
        self.words = frozenset(words)
        # A beginning that contains another is implied by it.
        self.beginnings = tuple(
            b for b in sorted(beginnings) if not any(o != b and o in b for o in beginnings)
        )

    def may_match(self, text: str, words: Set[str]) -> bool:
        if not self.words.isdisjoint(words):
            return True
        return any(beginning in text for beginning in self.beginnings)


class WordAlternation:
    """``\\b(?:alternatives)\\b``, searched with the fast form where it is exact
    (with ``fast_scan``), and not searched at all in a sentence whose words show
    that it cannot match."""

    __slots__ = ("_ascii_only", "_fast", "_gate", "pattern")

    def __init__(self, alternatives: list[str], *, fast_scan: bool = True) -> None:
        # (No alternatives: a pattern that never matches, not one that matches "".)
        body = "|".join(alternatives) if alternatives else "(?!)"
        self.pattern = re.compile(rf"\b(?:{body})\b")
        rewritten = word_alternation(alternatives) if fast_scan else None
        self._fast = self.pattern if rewritten is None else re.compile(rewritten[0] + r"\b")
        self._ascii_only = rewritten is not None and rewritten[1]
        self._gate: _Gate | None = None
        with contextlib.suppress(ValueError):
            self._gate = _Gate(alternatives)

    def finditer(self, text: str, words: Set[str] | None = None) -> Iterator[re.Match[str]]:
        """The matches in ``text``; ``words``, the words of ``text`` (runs of letters
        and digits), let it skip a text that cannot hold one."""
        if words is not None and self._gate is not None and not self._gate.may_match(text, words):
            return iter(())
        if self._ascii_only and not text.isascii():
            return self.pattern.finditer(text)
        return self._fast.finditer(text)
