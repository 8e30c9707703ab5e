"""The shortcuts deadlines are found with give what the plain way gives.

Each shortcut (a gate that skips patterns, a regex rewritten so the regex
engine scans faster, the prefilter) is compared with the plain form it
stands for, on generated text and on the bench corpus.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_deadlines import CUES, FILLER, LINKS, TIME_WORDS, TIMES, every_test_text

from bench.corpus import build_corpus
from indicators import Document, Engine
from indicators.deadlines import (
    _ANY_CUE,
    _CLAUSE_BOUNDARY,
    _CLAUSE_WORDS,
    _CUES,
    _EXPIRED,
    _FAMILY,
    _NEGATED_NOUN,
    _NEGATION_LENGTH,
    CUE_TERMS,
    _expressions,
    _find,
    _words,
    find_deadlines,
)
from indicators.terms import TermIndex, parse_term
from indicators.text import fold, normalize, split_sentences, word_texts
from indicators.timewords import MONTHS, SMALL_NUMBERS, UNIT_WORDS, WEEKDAYS, alternation, squeeze

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = datetime(2022, 11, 22, 8, 0, tzinfo=UTC)
PIECES = CUES + TIME_WORDS.split() + FILLER.split() + LINKS.split() + TIMES
SPACES = [" ", " ", " ", "  ", "\t", "\u00a0", "\n", "", "-", ", "]


@st.composite
def texts(draw: st.DrawFn) -> str:
    """Cues, links, time words and filler in any order, case and spacing."""
    pieces = draw(st.lists(st.sampled_from(PIECES), max_size=16))
    text = "".join(piece + draw(st.sampled_from(SPACES)) for piece in pieces)
    return text.upper() if draw(st.integers(0, 4)) == 0 else text


def folded_sentences() -> list[str]:
    """Every sentence of the deadline examples and seed articles, squeezed."""
    return [
        squeeze(sentence.text).text
        for text in every_test_text()
        for sentence in split_sentences(text, has_title=False)
    ]


# --- gates: patterns skipped when the sentence lacks what they need ------------------------


@settings(max_examples=500, deadline=None)
@given(text=texts())
def test_gated_time_expressions_are_those_of_every_pattern(text: str) -> None:
    folded = squeeze(text).text
    assert _expressions(folded) == _expressions(folded, gated=False)


def test_gated_time_expressions_agree_on_every_example() -> None:
    sentences = folded_sentences()
    assert sum(bool(_expressions(folded)) for folded in sentences) > 50
    for folded in sentences:
        assert _expressions(folded) == _expressions(folded, gated=False), folded


# --- regexes written for a faster scan ----------------------------------------------------


def plain_alternation(words: list[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


@pytest.mark.parametrize("words", [MONTHS, WEEKDAYS, SMALL_NUMBERS, UNIT_WORDS])
def test_a_trie_alternation_matches_what_the_longest_first_one_matches(words: list[str]) -> None:
    trie = re.compile(rf"(?:{alternation(words)})(?P<rest>\w*)")
    plain = re.compile(rf"(?:{plain_alternation(list(words))})(?P<rest>\w*)")
    text = " ".join([*words, "septembra", "a couple of days", "sept.", "juli", "mart"])
    for pos in range(len(text)):
        one, other = trie.match(text, pos), plain.match(text, pos)
        assert (one and (one.group(), one["rest"])) == (other and (other.group(), other["rest"]))


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.text("abc -", min_size=1, max_size=4), min_size=1, max_size=8),
    text=st.text("abc -x", max_size=30),
)
def test_a_trie_alternation_backtracks_like_the_longest_first_one(
    words: list[str], text: str
) -> None:
    # What follows the words forces backtracking into shorter ones.
    trie = re.compile(rf"(?:{alternation(words)})(?:x|$)")
    plain = re.compile(rf"(?:{plain_alternation(words)})(?:x|$)")
    for pos in range(len(text) + 1):
        one, other = trie.match(text, pos), plain.match(text, pos)
        assert (one and one.span()) == (other and other.span())


@settings(max_examples=300, deadline=None)
@given(text=st.text("inforby _-1é ", max_size=30))
def test_a_word_written_for_a_fast_scan_is_a_word_after_a_boundary(text: str) -> None:
    fast = re.compile(rf"(?:{_words('in for by')})\s\w")
    plain = re.compile(r"\b(?:in|for|by)\s\w")
    assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]


def plain_cue_regex() -> re.Pattern[str]:
    return re.compile(
        r"\b(?:"
        + "|".join(
            f"(?P<{family}>(?:{'|'.join(alternatives)})\\b)"
            for family, alternatives in _CUES.items()
        )
        + ")"
    )


@settings(max_examples=500, deadline=None)
@given(text=texts())
def test_cues_grouped_by_first_letter_are_the_cues_of_the_plain_alternation(text: str) -> None:
    folded = squeeze(text).text
    plain = plain_cue_regex()
    assert [(m.span(), _FAMILY[m.lastgroup]) for m in _ANY_CUE.finditer(folded)] == [
        (m.span(), m.lastgroup) for m in plain.finditer(folded)
    ]


def test_cues_grouped_by_first_letter_agree_on_every_example() -> None:
    plain = plain_cue_regex()
    for folded in folded_sentences():
        assert [(m.span(), _FAMILY[m.lastgroup]) for m in _ANY_CUE.finditer(folded)] == [
            (m.span(), m.lastgroup) for m in plain.finditer(folded)
        ]


@settings(max_examples=300, deadline=None)
@given(text=texts())
def test_clause_boundaries_are_those_of_the_plain_pattern(text: str) -> None:
    folded = squeeze(text + " but, when: (a) [b]; 10:30 - after … whereas").text
    plain = re.compile(rf"[,;()\[\]]|:(?!\d)|\s-\s|…|\b(?:{'|'.join(_CLAUSE_WORDS)})\b")
    assert [m.span() for m in _CLAUSE_BOUNDARY.finditer(folded)] == [
        m.span() for m in plain.finditer(folded)
    ]


EXPIRED_WORDS = (
    "expired passed lapsed ran out istekao istekla isteklo skadoi kaloi no without a any"
)


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.sampled_from([*EXPIRED_WORDS.split(), "x", "_", "-", "deadline"])))
def test_expiry_and_negation_are_found_as_by_the_plain_patterns(words: list[str]) -> None:
    text = squeeze(" ".join(words)).text
    plain = re.compile(
        r"\b(?:expired|passed|lapsed|ran\sout|istekao|istekla|isteklo|skadoi|kaloi)\b"
    )
    assert (_EXPIRED.search(text) is None) == (plain.search(text) is None)
    for end in range(len(text) + 1):  # a negation is looked for just before the deadline word
        start = max(0, end - _NEGATION_LENGTH)
        assert (_NEGATED_NOUN.search(text, start, end) is None) == (
            _NEGATED_NOUN.search(text, 0, end) is None
        )


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.sampled_from(["a", "B", " ", "\t", "\n", "\u00a0", "\u2028", "é", "\x1f"])))
def test_squeezed_text_has_each_whitespace_run_as_one_space(text: str) -> None:
    assert squeeze(text).text == re.sub(r"\s+", " ", normalize(text).text)


# --- the bench corpus: the engine's deadlines are those of the full analysis ---------------


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_directory(ROOT / "config" / "indicators", ROOT / "config" / "topics")


@pytest.mark.parametrize("seed", [0, 7])
def test_bench_corpus_deadlines_are_those_of_every_sentence_analysed(
    engine: Engine, seed: int
) -> None:
    found = 0
    for item in build_corpus(300, seed=seed):
        doc: Document = item.document()
        sentences = split_sentences(doc.text, has_title=bool(doc.title.strip()))
        expected = _find(sentences, doc.published_date)
        assert list(engine.analyze(doc).deadlines) == expected
        assert find_deadlines(sentences, published=doc.published_date) == expected
        found += len(expected)
    assert found > 20


def test_a_corpus_document_without_its_publication_date_resolves_alike(engine: Engine) -> None:
    item = next(i for i in build_corpus(50, seed=3) if "deadline" in i.document().text.lower())
    doc = item.document()
    undated = Document(title=doc.title, body=doc.body, published=None)
    sentences = split_sentences(undated.text, has_title=bool(undated.title.strip()))
    assert list(engine.analyze(undated).deadlines) == _find(sentences, None)
    dated = Document(title=doc.title, body=doc.body, published=datetime(2023, 1, 5, tzinfo=UTC))
    assert list(engine.analyze(dated).deadlines) == _find(sentences, dated.published_date)


# --- cue sentences found by terms, in text with symbols outside ASCII ----------------------

CUE_INDEX = TermIndex([parse_term(term) for term in CUE_TERMS])


@settings(max_examples=300, deadline=None)
@given(text=texts(), symbols=st.lists(st.sampled_from(["£", "€", "“", "”", "–", "…"]), max_size=4))
def test_cue_sentences_may_be_given_when_only_symbols_are_outside_ascii(
    text: str, symbols: list[str]
) -> None:
    # Folded text whose letters and digits are ASCII: terms are found where stems are.
    text = " ".join([*symbols, text, *symbols, "130 fines."])
    sentences = split_sentences(text, has_title=False)
    if any(c.isalnum() and not c.isascii() for c in fold(text)):
        return
    cued = [
        number
        for number, sentence in enumerate(sentences)
        if CUE_INDEX.find(word_texts(fold(sentence.text)))
    ]
    published = PUBLISHED.date()
    expected = _find(sentences, published)
    assert find_deadlines(sentences, published=published, cue_sentences=cued) == expected
