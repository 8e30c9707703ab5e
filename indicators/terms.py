"""Terms: the words a rule file asks for, and an index that finds them all at once.

A term is words separated by spaces, matched on word boundaries after
folding (:func:`indicators.text.fold`): ``deploy*`` matches any continuation,
``armo*red`` any letters inside, and a ``~`` between words stands for up to
two arbitrary words (``put ~ on alert``).

:class:`TermIndex` holds every term of a rule set keyed by its first word
(exact words in a dict, words with a ``*`` under their literal prefix), so
finding all terms in a sentence costs about one set lookup per word; what
each word starts is remembered across documents. A phrase is keyed by its
longest exact word rather than a short first word ("in police custody" by
"custody"), and only tried when its other words are there.

Positions are word indexes in the sentence; a hit's ``(first, last)`` range
is inclusive.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

from indicators.text import fold

__all__ = ["GAP_WORDS", "TermIndex", "TermSyntaxError", "TermWords", "WordMatcher", "parse_term"]

WordRange = tuple[int, int]
GAP_WORDS = 2  # how many arbitrary words one "~" in a term stands for
_CACHE_LIMIT = 200_000  # words remembered by a term index
_CACHE_WORD_LENGTH = 64  # longer words are looked up every time, not remembered


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
    """What a word can start, sorted by what must be true for a phrase to be tried.

    A phrase is only aligned when its second word follows (looked up by the
    exact word or by its literal prefix), or, for a phrase with a gap or one
    looked up by a later word, when all its exact words are in the sentence.
    """

    single: tuple[int, ...]  # one-word terms: a hit right away
    by_second: dict[str, tuple[int, ...]]  # exact second word, adjacent
    by_prefix: dict[str, tuple[int, ...]]  # second word with a "*", adjacent: by its literal
    prefix_lengths: tuple[int, ...]  # the lengths of the by_prefix keys
    gapped: tuple[tuple[int, frozenset[str]], ...]  # a gap after the first word
    # Phrases this word anchors: (term, its position in the term, the term's other exact words).
    anchored: tuple[tuple[int, int, frozenset[str]], ...]
    # The same phrases when every word is exact and adjacent, under the word just
    # before this one: (term, position, words), matched by looking up the word before
    # it, then comparing a slice of the sentence (no alignment needed).
    anchored_exact: dict[str, tuple[tuple[int, int, list[str]], ...]]
    phrases: bool  # whether the word starts or anchors any phrase (most start single words)


_NOTHING = _Starts((), {}, {}, (), (), (), {}, False)


def _exact_words(term: TermWords) -> list[str] | None:
    """The words of a term made only of exact adjacent words (else None)."""
    if any(term.gaps) or not all(w.is_exact for w in term.words):
        return None
    return [w.text for w in term.words]


def _anchor(term: TermWords) -> int:
    """Which word to look a phrase up by: its longest exact word (the last of equals:
    "by the end of the day" by "day", "in ~ custody" by "custody"); the first
    word when no later exact word is longer.

    A later word with a ``*`` anchors a phrase without gaps when its literal
    part is longer still (at least three letters): "to reach*" is looked up
    by the words that start with "reach", not by "to", which is in nearly
    every sentence.
    """
    best = 0
    for k, word in enumerate(term.words):
        if word.is_exact and len(word.text) >= len(term.words[best].text):
            best = k
    if not any(term.gaps):
        longest = len(term.words[best].literal)
        for k, word in enumerate(term.words[1:], start=1):
            if not word.is_exact and len(word.literal) >= max(longest + 1, 3):
                best, longest = k, len(word.literal)
    return best


class TermIndex:
    """All terms of a rule set, found in a list of folded words in one pass."""

    def __init__(self, terms: Sequence[TermWords]) -> None:
        self._terms = tuple(terms)
        self._exact: dict[str, list[int]] = {}
        self._prefix: dict[str, list[int]] = {}
        # Phrases looked up by a later, longer word than their first ("in police
        # custody" by "custody"): short words such as "in" or "the" occur in
        # every sentence and would make every occurrence a phrase to try.
        self._anchored: dict[str, list[tuple[int, int]]] = {}
        # The same for phrases anchored by a word with a "*", under its literal part.
        self._anchored_prefix: dict[str, list[tuple[int, int]]] = {}
        for term_id, term in enumerate(self._terms):
            anchor = _anchor(term)
            if anchor:
                word = term.words[anchor]
                table = self._anchored if word.is_exact else self._anchored_prefix
                table.setdefault(word.literal, []).append((term_id, anchor))
                continue
            first = term.words[0]
            table = self._exact if first.is_exact else self._prefix
            table.setdefault(first.literal, []).append(term_id)
        self._prefix_lengths = tuple(sorted({len(p) for p in self._prefix}))
        self._anchored_prefix_lengths = tuple(sorted({len(p) for p in self._anchored_prefix}))
        # What each word seen so far starts (most: nothing), and the words that start a term.
        self._cache: dict[str, _Starts] = {}
        self._starters: set[str] = set()

    def __len__(self) -> int:
        return len(self._terms)

    def _starts_for(self, word: str) -> _Starts:
        """The terms ``word`` can start, from the exact and prefix tables."""
        found = set(self._exact.get(word, ()))
        for length in self._prefix_lengths:
            if length > len(word):
                break
            for term_id in self._prefix.get(word[:length], ()):
                if self._terms[term_id].words[0].matches(word):
                    found.add(term_id)
        anchored_all = list(self._anchored.get(word, ()))
        for length in self._anchored_prefix_lengths:
            if length > len(word):
                break
            for term_id, anchor in self._anchored_prefix.get(word[:length], ()):
                if self._terms[term_id].words[anchor].matches(word):
                    anchored_all.append((term_id, anchor))
        anchored_all.sort()
        anchored = tuple(
            (
                term_id,
                anchor,
                frozenset(w.text for w in self._terms[term_id].words if w.is_exact) - {word},
            )
            for term_id, anchor in anchored_all
            if _exact_words(self._terms[term_id]) is None
        )
        by_before: dict[str, list[tuple[int, int, list[str]]]] = {}
        for term_id, anchor in anchored_all:
            if (exact := _exact_words(self._terms[term_id])) is not None:
                by_before.setdefault(exact[anchor - 1], []).append((term_id, anchor, exact))
        anchored_exact = {before: tuple(found) for before, found in by_before.items()}
        if not found and not anchored and not anchored_exact:
            return _NOTHING
        single: list[int] = []
        by_second: dict[str, list[int]] = {}
        by_prefix: dict[str, list[int]] = {}
        gapped: list[tuple[int, frozenset[str]]] = []
        for term_id in sorted(found):
            term = self._terms[term_id]
            if len(term.words) == 1:
                single.append(term_id)
            elif term.gaps[1] > 0:
                exact = frozenset(w.text for w in term.words[1:] if w.is_exact)
                gapped.append((term_id, exact))
            elif term.words[1].is_exact:
                by_second.setdefault(term.words[1].text, []).append(term_id)
            else:
                by_prefix.setdefault(term.words[1].literal, []).append(term_id)
        return _Starts(
            tuple(single),
            {k: tuple(v) for k, v in by_second.items()},
            {k: tuple(v) for k, v in by_prefix.items()},
            tuple(sorted({len(k) for k in by_prefix})),
            tuple(gapped),
            anchored,
            anchored_exact,
            bool(by_second or by_prefix or gapped or anchored or anchored_exact),
        )

    def find(self, words: Sequence[str]) -> dict[int, list[WordRange]]:
        """Term id -> the word ranges where that term occurs."""
        return self.find_each([words])[0]

    def find_each(self, sentences: Sequence[Sequence[str]]) -> list[dict[int, list[WordRange]]]:
        """:meth:`find` for each of several word lists (the sentences of one document).

        The words of all of them are looked up at once; terms are found
        within each list, never across two.
        """
        cache = self._cache
        starters = self._starters
        present = set(chain.from_iterable(sentences))
        long_words: dict[str, _Starts] = {}
        unseen = present.difference(cache)
        if unseen:
            if len(cache) + len(unseen) > _CACHE_LIMIT:
                # Start afresh with new objects (a thread still reading the old
                # ones sees them whole) rather than grow without bound.
                cache, starters, unseen = {}, set(), present
                self._cache, self._starters = cache, starters
            for word in unseen:
                starts = self._starts_for(word)
                if len(word) > _CACHE_WORD_LENGTH:  # untrusted text: do not keep huge words
                    if starts is not _NOTHING:
                        long_words[word] = starts
                    continue
                cache[word] = starts  # before ``starters``: a starter is always in the cache
                if starts is not _NOTHING:
                    starters.add(word)
        if long_words:
            starters = starters | long_words.keys()
        if starters.isdisjoint(present):
            return [{} for _ in sentences]  # decided by set operations alone
        return [
            self._find_in(words, cache, starters, long_words)
            if not starters.isdisjoint(words)
            else {}
            for words in sentences
        ]

    def _find_in(
        self,
        words: Sequence[str],
        cache: dict[str, _Starts],
        starters: set[str],
        long_words: dict[str, _Starts],
    ) -> dict[int, list[WordRange]]:
        """The terms in one word list."""
        hits: dict[int, list[WordRange]] = {}
        terms = self._terms
        after_last = len(words) - 1
        if not isinstance(words, list):
            words = list(words)  # slices are compared with lists of words
        # A phrase's other exact words must be in this sentence, not only somewhere in the
        # document: the sentence's own words, gathered when a phrase first asks.
        own: set[str] = set()
        for index in [i for i, word in enumerate(words) if word in starters]:
            word = words[index]
            starts = cache.get(word) or long_words[word]
            for term_id in starts.single:
                if term_id in hits:
                    hits[term_id].append((index, index))
                else:
                    hits[term_id] = [(index, index)]
            if not starts.phrases:
                continue
            if index < after_last:
                following = words[index + 1]
                if starts.by_second:
                    for term_id in starts.by_second.get(following, ()):
                        last = _align(terms[term_id], words, 2, index + 2)
                        if last >= 0:
                            hits.setdefault(term_id, []).append((index, last))
                if starts.by_prefix:
                    size = len(following)
                    for length in starts.prefix_lengths:
                        if length > size:
                            break
                        for term_id in starts.by_prefix.get(following[:length], ()):
                            last = _align(terms[term_id], words, 1, index + 1)
                            if last >= 0:
                                hits.setdefault(term_id, []).append((index, last))
            if not own and (starts.gapped or starts.anchored):
                own.update(words)
            for term_id, needed in starts.gapped:
                if not needed <= own:
                    continue
                last = _align(terms[term_id], words, 1, index + 1)
                if last >= 0:
                    hits.setdefault(term_id, []).append((index, last))
            if starts.anchored_exact and index > 0:
                for term_id, anchor, exact in starts.anchored_exact.get(words[index - 1], ()):
                    first = index - anchor
                    if first >= 0 and words[first : first + len(exact)] == exact:
                        hits.setdefault(term_id, []).append((first, first + len(exact) - 1))
            for term_id, anchor, needed in starts.anchored:
                if not needed <= own:
                    continue
                term = terms[term_id]
                first = _align_back(term, words, anchor, index)
                if first >= 0:
                    last = _align(term, words, anchor + 1, index + 1)
                    if last >= 0:
                        hits.setdefault(term_id, []).append((first, last))
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


def _align_back(term: TermWords, words: Sequence[str], k: int, pos: int) -> int:
    """Match term words ``k - 1`` down to 0 before word ``k`` (found at ``pos``), each
    directly before the next or up to its gap earlier; the first position or -1."""
    if k == 0:
        return pos
    matcher = term.words[k - 1]
    for at in range(pos - 1, max(pos - 1 - term.gaps[k], 0) - 1, -1):
        if matcher.matches(words[at]):
            first = _align_back(term, words, k - 1, at)
            if first >= 0:
                return first
    return -1
