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
from typing import NamedTuple

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


@dataclass(frozen=True, slots=True)
class _Starts:
    """The terms a word can start, split so a phrase is only tried when its second word follows."""

    single: tuple[int, ...]  # one-word terms: a hit right away
    by_second: dict[str, tuple[int, ...]]  # phrases whose second word is exact and adjacent
    other: tuple[int, ...]  # phrases with a gap or a wildcard second word


_NOTHING = _Starts((), {}, ())


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
        # What each word seen so far starts (most: nothing), and the words that start a term.
        self._cache: dict[str, _Starts] = {}
        self._starters: set[str] = set()

    def __len__(self) -> int:
        return len(self._terms)

    def _first_word_terms(self, word: str) -> None:
        found = set(self._exact.get(word, ()))
        for length in self._prefix_lengths:
            if length > len(word):
                break
            for term_id in self._prefix.get(word[:length], ()):
                if self._terms[term_id].words[0].matches(word):
                    found.add(term_id)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
            self._starters.clear()
        if not found:
            self._cache[word] = _NOTHING
            return
        single, other = [], []
        by_second: dict[str, list[int]] = {}
        for term_id in sorted(found):
            term = self._terms[term_id]
            if len(term.words) == 1:
                single.append(term_id)
            elif term.gaps[1] == 0 and term.words[1].is_exact:
                by_second.setdefault(term.words[1].text, []).append(term_id)
            else:
                other.append(term_id)
        self._cache[word] = _Starts(
            tuple(single), {k: tuple(v) for k, v in by_second.items()}, tuple(other)
        )
        self._starters.add(word)

    def find(self, words: Sequence[str]) -> dict[int, list[WordRange]]:
        """Term id -> the word ranges where that term occurs."""
        cache = self._cache
        for word in set(words).difference(cache):
            self._first_word_terms(word)
        starters = self._starters
        if starters.isdisjoint(words):
            return {}  # most sentences: decided by set operations alone
        hits: dict[int, list[WordRange]] = {}
        terms = self._terms
        after_last = len(words) - 1
        for index, word in enumerate(words):
            if word not in starters:
                continue
            starts = cache[word]
            for term_id in starts.single:
                if term_id in hits:
                    hits[term_id].append((index, index))
                else:
                    hits[term_id] = [(index, index)]
            if starts.by_second and index < after_last:
                for term_id in starts.by_second.get(words[index + 1], ()):
                    last = _align(terms[term_id], words, 2, index + 2)
                    if last >= 0:
                        hits.setdefault(term_id, []).append((index, last))
            for term_id in starts.other:
                last = _align(terms[term_id], words, 1, index + 1)
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
#
# Each node evaluates to its occurrences in a sentence: plain tuples
# ``(first, last, spans)`` of word positions (built by the thousand, so they
# are cheap tuples, and ``spans`` may repeat a range until the hit is built).

_Occurrence = tuple[int, int, tuple[WordRange, ...]]
_Hits = dict[int, list[WordRange]]
_Required = tuple[frozenset[int], ...]


class _Node:
    __slots__ = ()

    def evaluate(self, hits: _Hits, lang: str | None) -> list[_Occurrence]:
        raise NotImplementedError


class _Terms(_Node):
    """Any of these terms (of one language, or unlabelled): one set lookup per hit."""

    __slots__ = ("ids", "lang")

    def __init__(self, ids: frozenset[int], lang: str | None) -> None:
        self.ids = ids
        self.lang = lang

    def evaluate(self, hits: _Hits, lang: str | None) -> list[_Occurrence]:
        if lang is not None and self.lang is not None and self.lang != lang:
            return []
        ids = self.ids
        found = []
        for term_id, ranges in hits.items():
            if term_id in ids:
                for span in ranges:
                    found.append((span[0], span[1], (span,)))
        return found


class _Any(_Node):
    __slots__ = ("parts",)

    def __init__(self, parts: tuple[_Node, ...]) -> None:
        # Each part with the term sets it needs, so a part that cannot match
        # is skipped without building its occurrences.
        self.parts = tuple((p, () if isinstance(p, _Terms) else _required(p)) for p in parts)

    def evaluate(self, hits: _Hits, lang: str | None) -> list[_Occurrence]:
        found: list[_Occurrence] = []
        for part, required in self.parts:
            for ids in required:
                if ids.isdisjoint(hits):
                    break
            else:
                found += part.evaluate(hits, lang)
        return found


class _All(_Node):
    __slots__ = ("negative", "positive")

    def __init__(self, positive: tuple[_Node, ...], negative: tuple[_Node, ...]) -> None:
        self.positive = positive
        self.negative = negative

    def evaluate(self, hits: _Hits, lang: str | None) -> list[_Occurrence]:
        for part in self.negative:
            if part.evaluate(hits, lang):
                return []
        found: list[_Occurrence] = []
        for part in self.positive:
            occurrences = part.evaluate(hits, lang)
            if not occurrences:
                return []
            found += occurrences
        first = min(o[0] for o in found)
        last = max(o[1] for o in found)
        return [(first, last, tuple(span for o in found for span in o[2]))]


class _Near(_Node):
    __slots__ = ("ordered", "parts", "within")

    def __init__(self, within: int, ordered: bool, parts: tuple[_Node, ...]) -> None:
        self.within = within
        self.ordered = ordered
        self.parts = parts

    def evaluate(self, hits: _Hits, lang: str | None) -> list[_Occurrence]:
        options = []
        for part in self.parts:
            occurrences = part.evaluate(hits, lang)
            if not occurrences:
                return []
            options.append(occurrences)
        if len(options) == 2:
            return self._pairs(options[0], options[1])
        return self._combinations(options)

    def _pairs(self, left: list[_Occurrence], right: list[_Occurrence]) -> list[_Occurrence]:
        found: list[_Occurrence] = []
        within, ordered = self.within, self.ordered
        for a in left:
            for b in right:
                if b[0] > a[1]:  # b after a: words between them
                    between = b[0] - a[1] - 1
                elif a[0] > b[1] and not ordered:
                    between = a[0] - b[1] - 1
                else:
                    continue  # out of order, or one word serving both parts
                if between <= within:
                    found.append((min(a[0], b[0]), max(a[1], b[1]), a[2] + b[2]))
                    if len(found) >= _MAX_COMBINATIONS:
                        return found
        return found

    def _combinations(self, options: list[list[_Occurrence]]) -> list[_Occurrence]:
        found: list[_Occurrence] = []

        def extend(chosen: list[_Occurrence]) -> None:
            if len(found) >= _MAX_COMBINATIONS:
                return
            if len(chosen) == len(options):
                spans = tuple(span for o in chosen for span in o[2])
                found.append((min(o[0] for o in chosen), max(o[1] for o in chosen), spans))
                return
            for occ in options[len(chosen)]:
                if self.ordered and chosen and occ[0] <= chosen[-1][1]:
                    continue
                if any(occ[0] <= c[1] and c[0] <= occ[1] for c in chosen):
                    continue  # one word cannot serve two parts
                group = [*chosen, occ]
                # Words between the two parts farthest apart: latest start minus earliest end.
                if max(o[0] for o in group) - min(o[1] for o in group) - 1 > self.within:
                    continue
                extend(group)

        extend([])
        return found


def _required(node: _Node) -> _Required:
    """Term sets that must each be hit for ``node`` to match (a cheap pre-check)."""
    if isinstance(node, _Terms):
        return (node.ids,)
    if isinstance(node, _Any):
        union: frozenset[int] = frozenset()
        for part, _ in node.parts:
            for ids in _required(part):
                union |= ids
        return (union,)
    parts = node.positive if isinstance(node, _All) else node.parts  # type: ignore[attr-defined]
    return tuple(ids for p in parts for ids in _required(p))


class PatternHit(NamedTuple):
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
    match: _Node
    unless: _Node | None
    # One term of each of these sets must occur for ``match`` to have a chance.
    required: tuple[frozenset[int], ...]


class PatternMatcher:
    """Every pattern of a rule set, matched against a sentence's folded words."""

    def __init__(self, indicators: Sequence[Indicator]) -> None:
        term_ids: dict[tuple[str, ...], int] = {}
        terms: list[TermWords] = []

        def intern(node: Term) -> int:
            parsed = parse_term(node.text)
            number = term_ids.setdefault(parsed.key, len(terms))
            if number == len(terms):
                terms.append(parsed)
            return number

        def compile_any(parts: Sequence[Node], used: set[int]) -> _Node:
            # The terms among the parts become one set per language: an "any"
            # of hundreds of terms costs one lookup per term hit, not per term.
            by_lang: dict[str | None, set[int]] = {}
            compiled: list[_Node] = []
            for part in parts:
                if isinstance(part, Term):
                    by_lang.setdefault(part.lang, set()).add(intern(part))
                else:
                    compiled.append(compile_node(part, used))
            for lang, ids in by_lang.items():
                used.update(ids)
                compiled.append(_Terms(frozenset(ids), lang))
            return compiled[0] if len(compiled) == 1 else _Any(tuple(compiled))

        def compile_node(node: Node, used: set[int]) -> _Node:
            if isinstance(node, Term):
                return compile_any([node], used)
            if isinstance(node, AnyOf):
                return compile_any(node.parts, used)
            if isinstance(node, AllOf):
                positive = tuple(
                    compile_node(p, used) for p in node.parts if not isinstance(p, NoneOf)
                )
                negative = tuple(
                    compile_any(p.parts, set()) for p in node.parts if isinstance(p, NoneOf)
                )
                return _All(positive, negative)
            if isinstance(node, Near):
                parts = tuple(compile_node(p, used) for p in node.parts)
                return _Near(node.within, node.ordered, parts)
            raise TypeError(f"'none' cannot stand alone here (line {node.line})")

        self._patterns: list[_CompiledPattern] = []
        self._by_term: dict[int, list[int]] = {}
        for i, indicator in enumerate(indicators):
            for j, pattern in enumerate(indicator.patterns):
                match = compile_node(pattern.match, set())
                unless = compile_node(pattern.unless, set()) if pattern.unless else None
                required = _required(match)
                number = len(self._patterns)
                self._patterns.append(
                    _CompiledPattern(i, j, pattern.strength, match, unless, required)
                )
                # A pattern is looked at only when a term of its smallest required
                # set occurs: the most specific part ("alert" rather than every
                # word for soldiers) keeps the candidates few.
                for term_id in min(required, key=len):
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
        by_term = self._by_term
        candidates: set[int] = set()
        for term_id in hits:
            if term_id in by_term:
                candidates.update(by_term[term_id])
        found = []
        for number in sorted(candidates):
            pattern = self._patterns[number]
            for ids in pattern.required:
                if ids.isdisjoint(hits):
                    break
            else:
                hit = self._fire(pattern, hits, lang)
                if hit is not None:
                    found.append(hit)
        return found

    @staticmethod
    def _fire(pattern: _CompiledPattern, hits: _Hits, lang: str | None) -> PatternHit | None:
        occurrences = pattern.match.evaluate(hits, lang)
        if not occurrences:
            return None
        if pattern.unless is not None and pattern.unless.evaluate(hits, lang):
            return None
        return PatternHit(
            pattern.indicator,
            pattern.pattern,
            pattern.strength,
            tuple(sorted({(o[0], o[1]) for o in occurrences})),
            tuple(sorted({span for o in occurrences for span in o[2]})),
        )


def iter_terms(node: Node) -> Iterable[Term]:
    """Every term of a node tree, depth first."""
    if isinstance(node, Term):
        yield node
        return
    for part in node.parts:
        yield from iter_terms(part)
