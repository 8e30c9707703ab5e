import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.textsafe import clean_text, single_line


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\x1b[31mred\x1b[0m text", "red text"),  # SGR colours
        ("\x1b[2J\x1b[Hclear", "clear"),  # clear screen, cursor home
        ("a\x1b]0;new title\x07b", "ab"),  # OSC window title, BEL-terminated
        ("a\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),  # OSC 8 hyperlink, ST
        ("a\x9b31mb", "ab"),  # 8-bit CSI
        ("a\x1bPsecret\x1b\\b", "ab"),  # DCS string
        ("a\x1b(Bb\x1bcc", "abc"),  # charset switch, full reset
        ("nul\x00 bel\x07 bs\x08 del\x7f c1\x85\x8d", "nul bel bs del c1\n"),
        ("bidi \u202eevil\u202c \u2066x\u2069", "bidi evil x"),
        ("keep\ttabs\nand lines", "keep\ttabs\nand lines"),
        ("Šta ćeš, Prishtinë — Приштина 🚨", "Šta ćeš, Prishtinë — Приштина 🚨"),
    ],
)
def test_clean_text_removes_escapes_and_controls(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_clean_text_turns_carriage_returns_into_newlines() -> None:
    # A bare CR would let later text overwrite what a terminal already shows.
    assert clean_text("safe\roverwritten\r\nnext") == "safe\noverwritten\nnext"


def test_unterminated_osc_stops_at_the_line_end() -> None:
    assert clean_text("a\x1b]0;title\nnext line") == "a\nnext line"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Subject\r\nBcc: victim@example.org", "Subject Bcc: victim@example.org"),
        ("a\nb\rc\x0bd\x0ce\x85f\u2028g\u2029h", "a b c d e f g h"),
        ("  many   \t spaces  ", "many spaces"),
        ("\x1b[1mbold\x1b[0m\ntitle", "bold title"),
        (None, ""),
        ("", ""),
    ],
)
def test_single_line_folds_every_line_break(raw: str | None, expected: str) -> None:
    assert single_line(raw) == expected


def test_single_line_cuts_to_max_length_with_an_ellipsis() -> None:
    assert single_line("escalation monitor digest", max_length=10) == "escalatio…"
    assert single_line("short", max_length=10) == "short"


@given(st.text())
def test_single_line_never_contains_a_control_or_line_break(text: str) -> None:
    result = single_line(text)
    assert len(result.splitlines()) <= 1
    assert not any(unicodedata.category(c) == "Cc" for c in result)
    assert single_line(result) == result  # idempotent


@given(st.text())
def test_clean_text_keeps_only_newline_and_tab_controls(text: str) -> None:
    result = clean_text(text)
    controls = {c for c in result if unicodedata.category(c) == "Cc"}
    assert controls <= {"\n", "\t"}
    assert "\x1b" not in result
    assert clean_text(result) == result
