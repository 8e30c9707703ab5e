"""Patterns compiled into one matcher for a whole rule set.

Every term of every pattern goes into one :class:`~indicators.terms.TermIndex`;
a sentence's words are looked up once, and a pattern's node tree is evaluated
only when a term of its most specific part occurs and every part it needs
has a chance (cheap set checks). The terms of an ``any`` become one set per
language, so an ``any`` of hundreds of terms costs one lookup per hit.

Positions are word indexes in the sentence; a hit's ``(first, last)`` range
is inclusive. The engine maps them back to the original text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from indicators.model import AllOf, AnyOf, Indicator, Near, Node, NoneOf, Term
from indicators.terms import TermIndex, TermWords, parse_term

__all__ = ["PatternHit", "PatternMatcher"]

WordRange = tuple[int, int]
_MAX_COMBINATIONS = 64  # near: enough to find the matches people mean, bounded on hostile input
_MAX_OCCURRENCES = 64  # of one part of a near, per sentence
_MAX_REPORTED = 16  # occurrences and matched words reported per pattern and sentence


# --- compiled node trees -------------------------------------------------------
#
# Each node evaluates to its occurrences in a sentence: plain tuples
# ``(first, last, spans)`` of word positions (built by the thousand, so they
# are cheap tuples, and ``spans`` may repeat a range until the hit is built).
#
# Terms that only veto (``unless`` and ``none`` parts: "drill", "season",
# "film") live in a second index, searched only in a sentence where some
# pattern has already matched: most sentences never pay for them.

_Occurrence = tuple[int, int, tuple[WordRange, ...]]
_Hits = dict[int, list[WordRange]]
_Required = tuple[frozenset[int], ...]


class _Sentence:
    """What nodes need besides their own hits: the language and, on demand, the veto hits."""

    __slots__ = ("_veto_hits", "_veto_index", "lang", "words")

    def __init__(self, words: Sequence[str], lang: str | None, veto_index: TermIndex) -> None:
        self.words = words
        self.lang = lang
        self._veto_index = veto_index
        self._veto_hits: _Hits | None = None

    def vetoes(self) -> _Hits:
        if self._veto_hits is None:
            self._veto_hits = self._veto_index.find(self.words)
        return self._veto_hits


class _Node:
    __slots__ = ()

    def evaluate(self, hits: _Hits, sentence: _Sentence) -> list[_Occurrence]:
        raise NotImplementedError


class _Terms(_Node):
    """Any of these terms (of one language, or unlabelled): one set lookup per hit."""

    __slots__ = ("ids", "lang")

    def __init__(self, ids: frozenset[int], lang: str | None) -> None:
        self.ids = ids
        self.lang = lang

    def evaluate(self, hits: _Hits, sentence: _Sentence) -> list[_Occurrence]:
        if sentence.lang is not None and self.lang is not None and self.lang != sentence.lang:
            return []
        common = self.ids.intersection(hits)
        if not common:
            return []
        return [(span[0], span[1], (span,)) for term_id in common for span in hits[term_id]]


class _Any(_Node):
    __slots__ = ("parts",)

    def __init__(self, parts: tuple[_Node, ...]) -> None:
        # Each part with the term sets it needs, so a part that cannot match
        # is skipped without building its occurrences.
        self.parts = tuple((p, () if isinstance(p, _Terms) else _required(p)) for p in parts)

    def evaluate(self, hits: _Hits, sentence: _Sentence) -> list[_Occurrence]:
        found: list[_Occurrence] = []
        for part, required in self.parts:
            for ids in required:
                if ids.isdisjoint(hits):
                    break
            else:
                found += part.evaluate(hits, sentence)
        return found


class _All(_Node):
    __slots__ = ("negative", "positive")

    def __init__(self, positive: tuple[_Node, ...], negative: tuple[_Node, ...]) -> None:
        self.positive = positive
        self.negative = negative  # compiled against the veto index

    def evaluate(self, hits: _Hits, sentence: _Sentence) -> list[_Occurrence]:
        found: list[_Occurrence] = []
        for part in self.positive:
            occurrences = part.evaluate(hits, sentence)
            if not occurrences:
                return []
            found += occurrences
        for part in self.negative:
            if part.evaluate(sentence.vetoes(), sentence):
                return []
        first = min(o[0] for o in found)
        last = max(o[1] for o in found)
        return [(first, last, tuple(span for o in found for span in o[2]))]


class _Near(_Node):
    __slots__ = ("ordered", "parts", "within")

    def __init__(self, within: int, ordered: bool, parts: tuple[_Node, ...]) -> None:
        self.within = within
        self.ordered = ordered
        self.parts = parts

    def evaluate(self, hits: _Hits, sentence: _Sentence) -> list[_Occurrence]:
        options = []
        for part in self.parts:
            occurrences = part.evaluate(hits, sentence)
            if not occurrences:
                return []
            # Bounded so a hostile "sentence" repeating a word cannot make this quadratic.
            options.append(occurrences[:_MAX_OCCURRENCES])
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


def _required(node: _Node, pick: Callable[[_Required], frozenset[int]] | None = None) -> _Required:
    """Term sets that must each be hit for ``node`` to match (a cheap pre-check).

    An ``any`` needs one of its parts, and a part needs every one of its sets:
    so the union of one set from each part is needed. ``pick`` chooses that
    set (the rarest); without it, the union of them all (looser, still true).
    """
    if isinstance(node, _Terms):
        return (node.ids,)
    if isinstance(node, _Any):
        union: frozenset[int] = frozenset()
        for part, _ in node.parts:
            sets = _required(part, pick)
            if pick is not None:
                union |= pick(sets)
            else:
                for ids in sets:
                    union |= ids
        return (union,)
    parts = node.positive if isinstance(node, _All) else node.parts  # type: ignore[attr-defined]
    return tuple(ids for p in parts for ids in _required(p, pick))


# Words so common that a term of them alone says little about a sentence: a set of
# terms holding one is a poor filter ("is" or "will be" next to "legitimate target").
_COMMON_WORD_LIST = """
    a an the of to in on at by for from with and or but is are was were be been being will
    would can could shall should may might must has have had do does did not no it its this
    that these those as he she they we you his her their our said says say there than then so
    if up out about over after before into also more most all any some one two
    i u na je su se da za od do sa s o po iz ne bi bice bio bila bilo biti kao ali ili to
    taj ta te ovo ove ovaj sve jos vec sto kako
    e te ne me per nga qe dhe ka kane eshte jane nje si por ose nuk mund pas para tek mbi
"""
_COMMON_WORDS = frozenset(_COMMON_WORD_LIST.split())


def _term_is_common(term: TermWords) -> bool:
    """Whether a term is likely in most sentences: only common words, or a short stem."""
    return all(
        word.text in _COMMON_WORDS if word.is_exact else len(word.literal) <= 3
        for word in term.words
    )


class PatternHit(NamedTuple):
    """A pattern that fired in a sentence.

    ``occurrences`` are the word ranges of each separate match (a phrase, or
    the extent of a ``near``/``all`` match); ``spans`` are the matched words
    themselves, for highlighting. Both are in sentence order and capped at
    the first 16.
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


class _TermSpace:
    """Terms numbered in the order first seen; the same words in two patterns share a number."""

    def __init__(self) -> None:
        self.ids: dict[tuple[str, ...], int] = {}
        self.terms: list[TermWords] = []

    def intern(self, node: Term) -> int:
        return self.intern_parsed(parse_term(node.text))

    def intern_parsed(self, parsed: TermWords) -> int:
        number = self.ids.setdefault(parsed.key, len(self.terms))
        if number == len(self.terms):
            self.terms.append(parsed)
        return number


class PatternMatcher:
    """Every pattern of a rule set, matched against a sentence's folded words.

    ``extra_terms`` (the topics' places and actors) are found in the same
    pass; :meth:`match_with_hits` reports where, under :attr:`extra_ids`.
    """

    def __init__(
        self, indicators: Sequence[Indicator], extra_terms: Sequence[TermWords] = ()
    ) -> None:
        positive, veto = _TermSpace(), _TermSpace()

        def compile_any(parts: Sequence[Node], space: _TermSpace) -> _Node:
            # The terms among the parts become one set per language: an "any"
            # of hundreds of terms costs one lookup per term hit, not per term.
            by_lang: dict[str | None, set[int]] = {}
            compiled: list[_Node] = []
            for part in parts:
                if isinstance(part, Term):
                    by_lang.setdefault(part.lang, set()).add(space.intern(part))
                else:
                    compiled.append(compile_node(part, space))
            compiled.extend(_Terms(frozenset(ids), lang) for lang, ids in by_lang.items())
            return compiled[0] if len(compiled) == 1 else _Any(tuple(compiled))

        def compile_node(node: Node, space: _TermSpace) -> _Node:
            if isinstance(node, Term):
                return compile_any([node], space)
            if isinstance(node, AnyOf):
                return compile_any(node.parts, space)
            if isinstance(node, AllOf):
                return _All(
                    tuple(compile_node(p, space) for p in node.parts if not isinstance(p, NoneOf)),
                    tuple(compile_any(p.parts, veto) for p in node.parts if isinstance(p, NoneOf)),
                )
            if isinstance(node, Near):
                parts = tuple(compile_node(p, space) for p in node.parts)
                return _Near(node.within, node.ordered, parts)
            raise TypeError(f"'none' cannot stand alone here (line {node.line})")

        def rarest(sets: _Required) -> frozenset[int]:
            # Fewest terms made of common words first ("legitimate target" rather
            # than "is"), then fewest terms ("alert" rather than every word for soldiers).
            return min(
                sets,
                key=lambda ids: (
                    sum(_term_is_common(positive.terms[i]) for i in ids),
                    len(ids),
                ),
            )

        self._patterns: list[_CompiledPattern] = []
        self._by_term: dict[int, list[int]] = {}
        for i, indicator in enumerate(indicators):
            for j, pattern in enumerate(indicator.patterns):
                match = compile_node(pattern.match, positive)
                unless = compile_node(pattern.unless, veto) if pattern.unless else None
                required = _required(match, rarest)
                number = len(self._patterns)
                self._patterns.append(
                    _CompiledPattern(i, j, pattern.strength, match, unless, required)
                )
                # A pattern is looked at only when a term of its rarest required set
                # occurs, which keeps the candidates few.
                for term_id in rarest(required):
                    self._by_term.setdefault(term_id, []).append(number)
        self.extra_ids = tuple(positive.intern_parsed(term) for term in extra_terms)
        self._index = TermIndex(positive.terms)
        self._veto_index = TermIndex(veto.terms)

    @property
    def term_count(self) -> int:
        """Distinct terms (those that match and those that veto are counted apart)."""
        return len(self._index) + len(self._veto_index)

    def match(self, words: Sequence[str], lang: str | None = None) -> list[PatternHit]:
        """The patterns that fire on one sentence, in rule-set order."""
        return self.match_with_hits(words, lang)[0]

    def match_with_hits(
        self, words: Sequence[str], lang: str | None = None
    ) -> tuple[list[PatternHit], dict[int, list[WordRange]]]:
        """:meth:`match`, and every term found (term id -> word ranges, extra terms too)."""
        return self._match_hits(words, self._index.find(words), lang)

    def match_each(
        self, sentences: Sequence[Sequence[str]], lang: str | None = None
    ) -> list[tuple[list[PatternHit], dict[int, list[WordRange]]]]:
        """:meth:`match_with_hits` for each sentence of a document (words looked up once)."""
        match = self._match_hits
        return [
            match(words, hits, lang) if hits else ([], hits)
            for words, hits in zip(sentences, self._index.find_each(sentences), strict=True)
        ]

    def _match_hits(
        self, words: Sequence[str], hits: dict[int, list[WordRange]], lang: str | None
    ) -> tuple[list[PatternHit], dict[int, list[WordRange]]]:
        if not hits:
            return [], hits
        by_term = self._by_term
        candidates: set[int] = set()
        for term_id in hits:
            if term_id in by_term:
                candidates.update(by_term[term_id])
        if not candidates:  # only terms no pattern is looked up by (topics, deadline cues)
            return [], hits
        found = []
        sentence = _Sentence(words, lang, self._veto_index)
        patterns = self._patterns
        for number in sorted(candidates):
            pattern = patterns[number]
            for ids in pattern.required:
                if ids.isdisjoint(hits):
                    break
            else:
                hit = self._fire(pattern, hits, sentence)
                if hit is not None:
                    found.append(hit)
        return found, hits

    @staticmethod
    def _fire(pattern: _CompiledPattern, hits: _Hits, sentence: _Sentence) -> PatternHit | None:
        occurrences = pattern.match.evaluate(hits, sentence)
        if not occurrences:
            return None
        if pattern.unless is not None and pattern.unless.evaluate(sentence.vetoes(), sentence):
            return None
        return PatternHit(
            pattern.indicator,
            pattern.pattern,
            pattern.strength,
            tuple(sorted({(o[0], o[1]) for o in occurrences})[:_MAX_REPORTED]),
            tuple(sorted({span for o in occurrences for span in o[2]})[:_MAX_REPORTED]),
        )
