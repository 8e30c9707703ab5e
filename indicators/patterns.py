"""Terms and patterns compiled into one matcher for a whole rule set.

A sentence is folded and cut into words once. Every term of every indicator
sits in one index keyed by its first word (exact words in a dict, words with
a ``*`` under their literal prefix), so finding all term hits of a sentence
costs about one dict lookup per word; what a word starts is cached across
documents. Each pattern's node tree is then evaluated only when one of its
terms was hit.

Positions are word indexes in the sentence; a hit's ``(first, last)`` range
is inclusive. The engine maps them back to the original text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

from indicators.model import AllOf, AnyOf, Indicator, Near, Node, NoneOf, Term
from indicators.text import fold

__all__ = [
    "PatternHit",
    "PatternMatcher",
    "TermIndex",
    "TermSyntaxError",
    "TermWords",
    "WordMatcher",
    "parse_term",
]

WordRange = tuple[int, int]
GAP_WORDS = 2  # how many arbitrary words one "~" in a term stands for
_MAX_COMBINATIONS = 64  # near: enough to find the matches people mean, bounded on hostile input
_CACHE_LIMIT = 200_000


class TermSyntaxError(ValueError):
    """A term that cannot be matched (empty, ``**``, a lone ``*`` ...)."""


@dataclass(frozen=True, slots=True)
class WordMatcher:
    """One folded word of a term: exact, a prefix (``deploy*``) or a glob (``armo*red``)."""

    text: str
    literal: str  # the part before the first "*"
    regex: re.Pattern[str] | None

    @classmethod
    def parse(cls, word: str) -> WordMatcher:
        star = word.find("*")
        if star < 0:
            return cls(word, word, None)
        if star == len(word) - 1:
            return cls(word, word[:-1], None)
        body = r"[^\W_]*".join(re.escape(piece) for piece in word.split("*"))
        return cls(word, word[:star], re.compile(body))

    @property
    def is_exact(self) -> bool:
        return self.text == self.literal

    def matches(self, word: str) -> bool:
        if self.regex is not None:
            return self.regex.fullmatch(word) is not None
        if self.text == self.literal:
            return word == self.text
        return word.startswith(self.literal)


@dataclass(frozen=True, slots=True)
class TermWords:
    """A parsed term: its words and how many arbitrary words may precede each one."""

    words: tuple[WordMatcher, ...]
    gaps: tuple[int, ...]

    @property
    def key(self) -> tuple[str, ...]:
        parts: list[str] = []
        for word, gap in zip(self.words, self.gaps, strict=True):
            parts.extend(["~"] * (gap // GAP_WORDS))
            parts.append(word.text)
        return tuple(parts)


_TERM_TOKEN = re.compile(r"(?:[^\W_]|\*)+")


def parse_term(raw: str) -> TermWords:
    """Parse a term as written in a rule file; raise :class:`TermSyntaxError` if unusable."""
    words: list[WordMatcher] = []
    gaps: list[int] = []
    gap = 0
    pieces = raw.split()
    if not pieces:
        raise TermSyntaxError("empty term")
    for piece in pieces:
        if piece == "~":
            if not words:
                raise TermSyntaxError(f"term {raw!r} starts with '~'")
            gap += GAP_WORDS
            continue
        if "~" in piece:
            raise TermSyntaxError(f"term {raw!r}: '~' must stand alone between words")
        folded = fold(piece)
        if "**" in folded:
            raise TermSyntaxError(f"term {raw!r}: '**' is not allowed, use one '*'")
        tokens = _TERM_TOKEN.findall(folded)
        if not tokens:
            raise TermSyntaxError(f"term {raw!r}: {piece!r} has no letters or digits")
        for token in tokens:
            if not token.strip("*"):
                raise TermSyntaxError(f"term {raw!r}: a word cannot be only '*'")
            if token.startswith("*"):
                raise TermSyntaxError(f"term {raw!r}: a word cannot start with '*'")
            words.append(WordMatcher.parse(token))
            gaps.append(gap)
            gap = 0
    if gap:
        raise TermSyntaxError(f"term {raw!r} ends with '~'")
    return TermWords(tuple(words), tuple(gaps))


class TermIndex:
    """All terms of a rule set, found in a list of folded words in one pass."""

    def __init__(self, terms: Sequence[TermWords]) -> None:
        self._terms = tuple(terms)
        self._exact: dict[str, list[int]] = {}
        self._prefix: dict[str, list[int]] = {}
        for term_id, term in enumerate(self._terms):
            first = term.words[0]
            table = self._exact if first.is_exact else self._prefix
            table.setdefault(first.literal, []).append(term_id)
        self._prefix_lengths = tuple(sorted({len(p) for p in self._prefix}))
        self._cache: dict[str, tuple[int, ...]] = {}

    def __len__(self) -> int:
        return len(self._terms)

    def _first_word_terms(self, word: str) -> tuple[int, ...]:
        found = list(self._exact.get(word, ()))
        for length in self._prefix_lengths:
            if length > len(word):
                break
            for term_id in self._prefix.get(word[:length], ()):
                if self._terms[term_id].words[0].matches(word):
                    found.append(term_id)
        result = tuple(sorted(set(found)))
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = result
        return result

    def find(self, words: Sequence[str]) -> dict[int, list[WordRange]]:
        """Term id -> the word ranges where that term occurs."""
        hits: dict[int, list[WordRange]] = {}
        cache = self._cache
        terms = self._terms
        for index, word in enumerate(words):
            candidates = cache.get(word)
            if candidates is None:
                candidates = self._first_word_terms(word)
            for term_id in candidates:
                term = terms[term_id]
                last = index if len(term.words) == 1 else _align(term, words, 1, index + 1)
                if last >= 0:
                    hits.setdefault(term_id, []).append((index, last))
        return hits


def _align(term: TermWords, words: Sequence[str], k: int, pos: int) -> int:
    """Match term word ``k`` at ``pos`` or up to its gap later; the last position or -1."""
    if k == len(term.words):
        return pos - 1
    matcher = term.words[k]
    for at in range(pos, min(pos + term.gaps[k], len(words) - 1) + 1):
        if matcher.matches(words[at]):
            last = _align(term, words, k + 1, at + 1)
            if last >= 0:
                return last
    return -1


# --- compiled node trees -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Occurrence:
    first: int
    last: int
    spans: tuple[WordRange, ...]


@dataclass(frozen=True, slots=True)
class _Leaf:
    term_id: int
    lang: str | None


@dataclass(frozen=True, slots=True)
class _Any:
    parts: tuple[_Compiled, ...]


@dataclass(frozen=True, slots=True)
class _All:
    positive: tuple[_Compiled, ...]
    negative: tuple[_Compiled, ...]


@dataclass(frozen=True, slots=True)
class _Near:
    within: int
    ordered: bool
    parts: tuple[_Compiled, ...]


_Compiled = _Leaf | _Any | _All | _Near

_Hits = dict[int, list[WordRange]]


def _evaluate(node: _Compiled, hits: _Hits, lang: str | None) -> list[_Occurrence]:
    if isinstance(node, _Leaf):
        if lang is not None and node.lang is not None and node.lang != lang:
            return []
        return [_Occurrence(f, last, ((f, last),)) for f, last in hits.get(node.term_id, ())]
    if isinstance(node, _Any):
        return list(chain.from_iterable(_evaluate(p, hits, lang) for p in node.parts))
    if isinstance(node, _All):
        if any(_evaluate(p, hits, lang) for p in node.negative):
            return []
        found = []
        for part in node.positive:
            occurrences = _evaluate(part, hits, lang)
            if not occurrences:
                return []
            found.extend(occurrences)
        return [_merge(found)]
    return _near(node, [_evaluate(p, hits, lang) for p in node.parts])


def _merge(occurrences: Sequence[_Occurrence]) -> _Occurrence:
    spans = sorted({span for occ in occurrences for span in occ.spans})
    return _Occurrence(
        min(o.first for o in occurrences), max(o.last for o in occurrences), tuple(spans)
    )


def _near(node: _Near, options: list[list[_Occurrence]]) -> list[_Occurrence]:
    if not all(options):
        return []
    results: list[_Occurrence] = []

    def extend(chosen: list[_Occurrence]) -> None:
        if len(results) >= _MAX_COMBINATIONS:
            return
        if len(chosen) == len(options):
            results.append(_merge(chosen))
            return
        for occ in options[len(chosen)]:
            if node.ordered and chosen and occ.first <= chosen[-1].last:
                continue
            if any(occ.first <= c.last and c.first <= occ.last for c in chosen):
                continue  # one word cannot serve two parts
            group = [*chosen, occ]
            # The widest distance between two parts: latest start minus earliest end.
            if max(o.first for o in group) - min(o.last for o in group) > node.within:
                continue
            extend(group)

    extend([])
    return results


@dataclass(frozen=True, slots=True)
class PatternHit:
    """A pattern that fired in a sentence.

    ``occurrences`` are the word ranges of each separate match (a phrase, or
    the extent of a ``near``/``all`` match); ``spans`` are the matched words
    themselves, for highlighting.
    """

    indicator: int
    pattern: int
    strength: float
    occurrences: tuple[WordRange, ...]
    spans: tuple[WordRange, ...]


@dataclass(frozen=True, slots=True)
class _CompiledPattern:
    indicator: int
    pattern: int
    strength: float
    match: _Compiled
    unless: _Compiled | None


class PatternMatcher:
    """Every pattern of a rule set, matched against a sentence's folded words."""

    def __init__(self, indicators: Sequence[Indicator]) -> None:
        term_ids: dict[tuple[str, ...], int] = {}
        terms: list[TermWords] = []

        def compile_node(node: Node, used: set[int]) -> _Compiled:
            if isinstance(node, Term):
                parsed = parse_term(node.text)
                term_id = term_ids.setdefault(parsed.key, len(terms))
                if term_id == len(terms):
                    terms.append(parsed)
                used.add(term_id)
                return _Leaf(term_id, node.lang)
            if isinstance(node, AnyOf):
                return _Any(tuple(compile_node(p, used) for p in node.parts))
            if isinstance(node, AllOf):
                positive = tuple(
                    compile_node(p, used) for p in node.parts if not isinstance(p, NoneOf)
                )
                negative = tuple(
                    _Any(tuple(compile_node(q, set()) for q in p.parts))
                    for p in node.parts
                    if isinstance(p, NoneOf)
                )
                return _All(positive, negative)
            if isinstance(node, Near):
                return _Near(
                    node.within, node.ordered, tuple(compile_node(p, used) for p in node.parts)
                )
            raise TypeError(f"'none' cannot stand alone here (line {node.line})")

        self._patterns: list[_CompiledPattern] = []
        self._by_term: dict[int, list[int]] = {}
        for i, indicator in enumerate(indicators):
            for j, pattern in enumerate(indicator.patterns):
                used: set[int] = set()
                match = compile_node(pattern.match, used)
                unless = compile_node(pattern.unless, set()) if pattern.unless else None
                number = len(self._patterns)
                self._patterns.append(_CompiledPattern(i, j, pattern.strength, match, unless))
                for term_id in used:
                    self._by_term.setdefault(term_id, []).append(number)
        self._index = TermIndex(terms)

    @property
    def term_count(self) -> int:
        return len(self._index)

    def match(self, words: Sequence[str], lang: str | None = None) -> list[PatternHit]:
        """The patterns that fire on one sentence, in rule-set order."""
        hits = self._index.find(words)
        if not hits:
            return []
        candidates = sorted({n for term_id in hits for n in self._by_term.get(term_id, ())})
        found = []
        for number in candidates:
            pattern = self._patterns[number]
            occurrences = _evaluate(pattern.match, hits, lang)
            if not occurrences:
                continue
            if pattern.unless is not None and _evaluate(pattern.unless, hits, lang):
                continue
            found.append(
                PatternHit(
                    pattern.indicator,
                    pattern.pattern,
                    pattern.strength,
                    tuple(sorted({(o.first, o.last) for o in occurrences})),
                    tuple(sorted({s for o in occurrences for s in o.spans})),
                )
            )
        return found


def iter_terms(node: Node) -> Iterable[Term]:
    """Every term of a node tree, depth first."""
    if isinstance(node, Term):
        yield node
        return
    for part in node.parts:
        yield from iter_terms(part)
