"""The fast form of a word alternation finds exactly what the plain pattern finds."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import context
from indicators.alternation import (
    WordAlternation,
    _first_words,
    _telling_words,
    split_alternatives,
    word_alternation,
)
from indicators.text import fold, word_texts


def test_split_alternatives_keeps_groups_classes_and_escapes_whole() -> None:
    assert split_alternatives(r"a(?:b|c)|[|]x|\|y|z") == ["a(?:b|c)", "[|]x", r"\|y", "z"]


def test_leading_groups_are_spread_in_order_and_grouped_by_first_letter() -> None:
    rewritten = word_alternation([r"(?:vow|pledge)s?\sto", r"(?:za)?pretio", "vote"])
    assert rewritten is not None
    pattern, spread_digits = rewritten
    assert not spread_digits
    assert pattern == (
        r"(?:v(?<!\w.)(?:ows?\sto|ote)|p(?<!\w.)(?:ledges?\sto|retio)|z(?<!\w.)(?:apretio))"
    )


def test_what_cannot_start_with_a_letter_keeps_the_plain_pattern() -> None:
    assert word_alternation([r"\s?later", "now"]) is None
    assert word_alternation(["a?b"]) is None
    words = WordAlternation([r"\s?later", "now"])
    assert [m.group() for m in words.finditer("now and later")] == ["now", " later"]


def test_a_spread_digit_is_used_on_ascii_text_only() -> None:
    words = WordAlternation([r"\d+\sdays\sago"])
    assert [m.group() for m in words.finditer("12 days ago")] == ["12 days ago"]
    # Arabic-Indic digits are digits to \d, not to the spread ASCII ones.
    assert [m.group() for m in words.finditer("١٢ days ago")] == ["١٢ days ago"]


# Every alternation the context checks use, in every language group.
ALTERNATIONS = [
    (f"{group}:{name}", pattern)
    for group in (None, "en", "sr", "sq")
    for vocabulary in [context._VOCABULARIES[group]]
    for name in (
        "negation",
        "negation_after",
        "hedge",
        "hedge_after",
        "history",
        "weak_history",
        "recent",
    )
    if isinstance(pattern := getattr(vocabulary, name), WordAlternation)
]
# Words and pieces of words of the cue vocabularies, so random text often holds cues.
PIECES = sorted(
    {
        piece
        for table in (context._NEGATION, context._HEDGE, context._RECENT, context._WEAK_HISTORY)
        for source in table.values()
        for piece in re.findall(r"[a-z]+", source)
    }
    | {"12", "3", "١٢", "the", "an", "one", "ago", "days", "n't", "’", "-", "Ë", "Ć"}
)
texts = st.lists(
    st.tuples(st.sampled_from(PIECES), st.sampled_from([" ", " ", "", ", ", ". ", "-", "'"])),
    max_size=30,
).map(lambda parts: "".join(piece + gap for piece, gap in parts))


@pytest.mark.parametrize(("name", "words"), ALTERNATIONS, ids=[n for n, _ in ALTERNATIONS])
@given(text=texts)
@settings(max_examples=150, deadline=None)
def test_fast_form_finds_what_the_plain_pattern_finds(
    name: str, words: WordAlternation, text: str
) -> None:
    text = fold(text)  # what the searches are given
    expected = [(m.span(), m.group()) for m in words.pattern.finditer(text)]
    assert [(m.span(), m.group()) for m in words.finditer(text)] == expected
    # Told the text's words, it may skip the search, never a match.
    assert [(m.span(), m.group()) for m in words.finditer(text, set(word_texts(text)))] == expected


@pytest.mark.parametrize(
    ("piece", "first_words"),
    [
        (r"no(?!\s(?:doubt|less)\b)", [("no", True)]),
        (r"then-\w+", [("then", True)]),
        (r"nedelj\w*", [("nedelj", False)]),
        (r"un?likely", [("unlikely", True), ("ulikely", True)]),
        (r"ha(?:s|ve)\sto", [("has", True), ("have", True)]),
        (r"possibl[ey]", [("possible", True), ("possibly", True)]),
        (r"hours?\sago", [("hours", True), ("hour", True)]),
        (r"b[eë]ri?\sthirrje", [("beri", True), ("ber", True)]),  # "ë" never survives folding
    ],
)
def test_the_words_a_match_can_start_with(piece: str, first_words: list[tuple[str, bool]]) -> None:
    assert _first_words(piece) == first_words


@pytest.mark.parametrize(
    ("alternative", "telling"),
    [
        # The longest word each spelling needs: "case" or "event", not "in".
        (r"in\s(?:the\s)?(?:case|event)\sof", {("case", True), ("event", True)}),
        (r"the\sformer", {("former", True)}),
        (r"accus(?:ed|es)\s(?:\S+\s){0,3}?of", {("accused", True), ("accuses", True)}),
        (r"pre\s(?:\w+\s)?(?:dana|sati)", {("dana", True), ("sati", True)}),
        # "\\s?" may be no space at all: "je" is then no word of its own.
        (r"je\s?moguc\w*", {("je", False)}),
    ],
)
def test_the_words_a_match_cannot_do_without(
    alternative: str, telling: set[tuple[str, bool]]
) -> None:
    assert set(_telling_words(alternative) or ()) == telling


def test_a_sentence_without_the_words_is_not_searched() -> None:
    words = WordAlternation([r"could(?!\snot)", r"threaten(?:ed|s)?\sto"])
    text = "troops crossed the line"
    assert not words._gate.may_match(text, set(word_texts(text)))
    text = "they threatened to cross"
    assert [m.group() for m in words.finditer(text, set(word_texts(text)))] == ["threatened to"]


def test_the_cue_vocabularies_use_the_fast_form() -> None:
    # Most of them can: a change that made one fall back would go unnoticed otherwise.
    fast = {name for name, words in ALTERNATIONS if words._fast is not words.pattern}
    assert {"en:negation", "en:hedge", "en:recent", "None:hedge", "None:negation"} <= fast
