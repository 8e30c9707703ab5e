"""The engine looks for deadlines only in sentences where its term pass found a cue.

Whatever the text, the deadlines it reports must be those of the full scan
(:func:`indicators.deadlines.find_deadlines` without ``cue_sentences``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_deadlines import every_test_text

from indicators import Document, Engine
from indicators.deadlines import _CUE_STEM, _NOUN_STEMS, _OTHER_STEMS, CUE_TERMS, find_deadlines
from indicators.terms import TermIndex, parse_term
from indicators.text import fold, split_sentences, word_texts

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = datetime(2022, 11, 22, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_directory(ROOT / "config" / "indicators", ROOT / "config" / "topics")


def assert_same_deadlines(engine: Engine, title: str, body: str) -> None:
    doc = Document(title=title, body=body, published=PUBLISHED)
    sentences = split_sentences(doc.text, has_title=bool(title.strip()))
    expected = find_deadlines(sentences, published=doc.published_date)
    assert list(engine.analyze(doc).deadlines) == expected


def test_every_deadline_example_is_found_as_by_the_full_scan(engine: Engine) -> None:
    texts = every_test_text()
    assert sum(bool(find_deadlines(split_sentences(t, has_title=False), published=None))
               for t in texts) > 20  # fmt: skip
    for text in texts:
        assert_same_deadlines(engine, "", text)


@pytest.mark.parametrize(
    "body",
    [
        # A stem that runs on into the next sentence ("cut" + "off").
        "Power to the north was cut\nOff the main road, crews worked until Friday.",
        "They were told to re\nRegister the cars by 1 December.",
        "They were told to re-register the cars by 1 December.",
        "Drivers get 60 days to re-register their cars.",
        "The cut-off is Friday. A cut off date of 1 December was set.",
        "Prices were cut. The deadline is Friday.",
        "The cutoff is 30 November. Nothing else happened on Monday.",
        "Kosovo has until Friday to reach a compromise.",
        "Kosovo has until Friday to reach a compromise, Brussels said.\x00 It expires on Monday.",
        "Priština je dobila rok od 48 sati. Rok ističe u ponedeljak.",
    ],
)
def test_cues_at_the_edges_of_sentences(engine: Engine, body: str) -> None:
    assert_same_deadlines(engine, "Talks", body)


CUE_WORDS = sorted({word.rstrip("*") for term in CUE_TERMS for word in term.split()})
OTHER_WORDS = [
    "cut", "off", "re", "register", "by", "until", "within", "48", "hours", "Friday",
    "1", "December", "next", "week", "the", "police", "said", "no", "days", "end", "month",
]  # fmt: skip
SEPARATORS = [" ", " ", " ", ", ", ". ", "\n", "\n\n", "-", "! "]


@st.composite
def texts(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(CUE_WORDS + OTHER_WORDS), min_size=1, max_size=30))
    pieces = []
    for word in words:
        pieces += [word, draw(st.sampled_from(SEPARATORS))]
    return "".join(pieces)


@settings(max_examples=300, deadline=None)
@given(body=texts())
def test_random_cue_and_time_words_give_the_deadlines_of_the_full_scan(
    engine: Engine, body: str
) -> None:
    assert_same_deadlines(engine, "", body)


def spellings(stem: str) -> list[str]:
    """Concrete texts a cue stem (a regex fragment) matches: each alternative, optional parts."""
    group = re.search(r"\(\?:([^()]*)\)", stem)
    if group is not None:
        head, tail = stem[: group.start()], stem[group.end() :]
        return [t for option in group.group(1).split("|") for t in spellings(head + option + tail)]
    for pattern, options in ((r"\W?", ["", "-", " "]), (r"\w*", ["", "ed"]), ("s?", ["", "s"])):
        if pattern in stem:
            head, _, tail = stem.partition(pattern)
            return [t for option in options for t in spellings(head + option + tail)]
    return [stem]


def test_every_spelling_of_every_cue_stem_is_found_by_a_cue_term() -> None:
    index = TermIndex([parse_term(term) for term in CUE_TERMS])
    texts = [text for stem in (*_NOUN_STEMS, *_OTHER_STEMS) for text in spellings(stem)]
    assert "re-register" in " ".join(texts) and "pushed back" in texts
    for text in texts:
        sentence = f"Then {text}ing and {text}."
        assert _CUE_STEM.search(fold(sentence)) is not None, text
        assert index.find(word_texts(fold(sentence))), text
