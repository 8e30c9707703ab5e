"""Folding with its offset map, word spans and sentence splitting."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.text import (
    fold,
    normalize,
    split_sentences,
    word_texts,
    word_texts_by_span,
    words,
)

# Letters that exercise every path of the folder: ASCII, accented Latin,
# Serbian and Russian Cyrillic, letters that fold to two letters, ligatures,
# quotes, dashes, combining marks and characters outside the precomputed table.
ALPHABET = (
    "abcXYZ019 .,;:!?'\"-\n\téèçëšŠčćžđĐßВучићЉЊЏђшжйЙёщ’‘“”«»–—…ﬁﬂ½™\u0301\u0308\u00ad\u200b漢😀𝐀"
)
texts = st.text(alphabet=ALPHABET, max_size=80)


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Troops", "troops"),
        ("Vučić’s", "vucic's"),
        ("ВУЧИЋ'S", "vucic's"),
        ("Đorđe Đukić", "djordje djukic"),
        ("Љубовија Његош Џеп", "ljubovija njegos dzep"),
        ("Зубин Поток", "zubin potok"),
        ("Mitrovicë Jarinjë Zveçan", "mitrovice jarinje zvecan"),
        ("Ќерка Ѓорѓе Ѕвезда", "kjerka gjorgje dzvezda"),
        ("Шойгу Зеленский", "sojgu zelenskij"),
        ("Straße", "strasse"),
        ("ﬁnal ﬂag", "final flag"),
        ("“quoted” «guillemets» ‘single’ `tick´", "\"quoted\" \"guillemets\" 'single' 'tick'"),
        ("pro‐Russian – war — end", "pro-russian - war - end"),
        ("wait…", "wait."),
        ("Mitro\u00advica", "mitrovica"),
        ("İstanbul", "istanbul"),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded
    assert normalize(raw).text == folded


def test_nfc_and_nfd_fold_alike_including_cyrillic_short_i() -> None:
    for text in ["Vučić je rekao", "Мајор Јовановић", "Войска й", "Ёлка"]:
        assert fold(unicodedata.normalize("NFD", text)) == fold(unicodedata.normalize("NFC", text))


def test_span_maps_folded_words_back_to_the_words_as_written() -> None:
    text = "Đukić met Вучић in Straße ﬁve."
    norm = normalize(text)
    found = [text[slice(*norm.span(a, b))] for a, b in words(norm.text)]
    assert found == ["Đukić", "met", "Вучић", "in", "Straße", "ﬁve"]


def test_span_of_a_decomposed_word_includes_its_last_combining_mark() -> None:
    text = unicodedata.normalize("NFD", "Vučić said")
    norm = normalize(text)
    start, end = norm.span(*words(norm.text)[0])
    assert text[start:end] == unicodedata.normalize("NFD", "Vučić")


@given(texts)
def test_offset_map_is_monotonic_and_in_range(text: str) -> None:
    norm = normalize(text)
    assert len(norm.offsets) == len(norm.text)
    assert all(0 <= i < len(text) for i in norm.offsets)
    assert all(a <= b for a, b in zip(norm.offsets, list(norm.offsets)[1:], strict=False))
    assert norm.text == fold(text)


@given(texts)
def test_every_word_span_refolds_to_the_same_word(text: str) -> None:
    norm = normalize(text)
    for a, b in words(norm.text):
        start, end = norm.span(a, b)
        word = norm.text[a:b]
        # The original slice folds to the word, give or take neighbours that
        # fold together with it (a ligature or "ß" cut in the middle).
        assert word in fold(text[start:end])


@given(texts)
def test_case_and_normal_form_do_not_change_the_folded_text(text: str) -> None:
    folded = fold(text)
    assert fold(unicodedata.normalize("NFD", text)) == folded
    assert fold(unicodedata.normalize("NFC", text)) == folded
    assert fold(text.upper()) == folded
    assert fold(text.lower()) == folded


@given(st.text(alphabet="aé Жљ\u0301’", min_size=500, max_size=3000))
@settings(max_examples=30)
def test_long_texts_fold_like_their_pieces(text: str) -> None:
    # Long inputs take the bulk paths (mostly ASCII, or dense non-ASCII, or
    # irregular characters); short pieces take others. All must agree.
    assert fold(text) == " ".join(fold(piece) for piece in text.split(" "))


@given(
    st.lists(
        st.one_of(
            st.text(alphabet="abcXYZ .,'`", min_size=20, max_size=60),
            st.sampled_from(["’", "“", "”", "–", "Č", "ć", "š", "Ž", "ё", "ﬁ", "漢", "é\u0301"]),
        ),
        min_size=5,
        max_size=40,
    )
)
@settings(max_examples=60)
def test_mostly_ascii_text_folds_like_its_characters(pieces: list[str]) -> None:
    # English news with a few curly quotes and names takes the bulk path,
    # which replaces each distinct character throughout; it must agree with
    # folding piece by piece, whatever characters meet.
    text = "".join(pieces)
    assert fold(text) == "".join(fold(piece) for piece in pieces)


@pytest.mark.parametrize("text", ["Police \ud800 raid", "x" * 300 + "\udfff’" + "y" * 300])
def test_lone_surrogates_in_untrusted_text_do_not_break_folding(text: str) -> None:
    folded = normalize(text)
    assert len(folded.text) == len(text)
    assert "\ud800" in folded.text or "\udfff" in folded.text


def test_words_are_letters_and_digits() -> None:
    folded = fold("Kosovo’s 48-hour deadline, re-register (now)!")
    assert [folded[a:b] for a, b in words(folded)] == [
        "kosovo",
        "s",
        "48",
        "hour",
        "deadline",
        "re",
        "register",
        "now",
    ]


# --- sentences -----------------------------------------------------------------


def texts_of(text: str, *, has_title: bool = False) -> list[str]:
    return [s.text for s in split_sentences(text, has_title=has_title)]


def test_title_is_one_sentence_and_paragraphs_split_on_blank_lines() -> None:
    text = "Serbia warns. Kosovo replies\n\nFirst sentence. Second one!\n  \nThird?"
    sentences = split_sentences(text, has_title=True)
    assert [s.text for s in sentences] == [
        "Serbia warns. Kosovo replies",
        "First sentence.",
        "Second one!",
        "Third?",
    ]
    assert [s.is_title for s in sentences] == [True, False, False, False]
    assert [s.index for s in sentences] == [0, 1, 2, 3]


def test_abbreviations_initials_and_decimals_do_not_end_sentences() -> None:
    text = (
        "Mr. Smith met Dr. Jones and U.S. and U.N. envoys on Monday. "
        "John F. Kennedy St. No. 5 holds 3.5 per cent, e.g. this. The end."
    )
    assert texts_of(text) == [
        "Mr. Smith met Dr. Jones and U.S. and U.N. envoys on Monday.",
        "John F. Kennedy St. No. 5 holds 3.5 per cent, e.g. this.",
        "The end.",
    ]


def test_quotes_ellipses_and_exclamations() -> None:
    text = 'He said: "No." Then he left… Really? Yes! “We will act.” Done.'
    assert texts_of(text) == [
        'He said: "No."',
        "Then he left…",
        "Really?",
        "Yes!",
        "“We will act.”",
        "Done.",
    ]


def test_a_line_without_final_punctuation_is_a_sentence_unless_continued_in_lower_case() -> None:
    text = "Related headlines\nCroatia holds drills\nTroops were\nmoved to the border. End."
    assert texts_of(text) == [
        "Related headlines",
        "Croatia holds drills",
        "Troops were\nmoved to the border.",
        "End.",
    ]


def test_lower_case_after_a_full_stop_continues_the_sentence() -> None:
    assert texts_of("Talks ended approx. at noon. Then.") == [
        "Talks ended approx. at noon.",
        "Then.",
    ]


@given(st.text(alphabet='ab .!?\n\t"”…AB', max_size=120), st.booleans())
def test_sentences_are_trimmed_ordered_slices_of_the_text(text: str, has_title: bool) -> None:
    sentences = split_sentences(text, has_title=has_title)
    previous_end = 0
    for i, sentence in enumerate(sentences):
        assert sentence.index == i
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text and sentence.text == sentence.text.strip()
        assert sentence.start >= previous_end
        previous_end = sentence.end
    # Nothing but whitespace is left out.
    covered = "".join(s.text for s in sentences)
    assert "".join(text.split()) == "".join(covered.split())


@given(texts)
def test_word_texts_are_the_words(text: str) -> None:
    folded = fold(text)
    assert word_texts(folded) == [folded[a:b] for a, b in words(folded)]
    middle = len(folded) // 2
    assert word_texts(folded, 0, middle) == [folded[a:b] for a, b in words(folded[:middle])]


@given(texts, st.lists(st.tuples(st.integers(0, 80), st.integers(0, 80)), max_size=4))
def test_word_texts_by_span_agrees_with_word_texts(text: str, spans: list[tuple[int, int]]) -> None:
    folded = fold(text)
    for ascii_only in (folded, folded.encode("ascii", "ignore").decode()):
        assert word_texts_by_span(ascii_only, spans) == [
            word_texts(ascii_only, a, b) for a, b in spans
        ]
