"""monitor.htmltext: HTML to the plain text the engine matches."""

from __future__ import annotations

import html
import time

import pytest
from feedserver import seed_feed
from hypothesis import given
from hypothesis import strategies as st

from monitor.htmltext import _split_simple, _TextExtractor, html_to_text, plain_to_text


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>One.</p><p>Two.</p>", "One.\n\nTwo."),
        ("<div>One.</div>\n  <div>Two.</div>", "One.\n\nTwo."),
        ("<h2>Title</h2>Text after.", "Title\n\nText after."),
        ("<ul><li>first</li><li>second</li></ul>", "first\n\nsecond"),
        ("<blockquote>Quoted.</blockquote>Said.", "Quoted.\n\nSaid."),
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\n\nc"),
        ("line one<br>line two", "line one\nline two"),
        ("line one<br/>line two<br />three", "line one\nline two\nthree"),
        ("one<br><br>two", "one\n\ntwo"),
        ("one<br><br><br><br>two", "one\n\ntwo"),
        ("<p>para</p><br><p>next</p>", "para\n\nnext"),
        ("<p>  lots   of\n\t spaces  </p>", "lots of spaces"),
        ("in<b>line</b> <i>tags</i> stay inline", "inline tags stay inline"),
        ("AT&amp;T &lt;b&gt; &#8211; &eacute;t&eacute; &nbsp;x", "AT&T <b> – été x"),
        ("<script>alert('<p>x</p>')</script>kept", "kept"),
        ("<style>p { color: red }</style>kept", "kept"),
        ("<noscript><p>enable js</p></noscript>kept", "kept"),
        ("<iframe src='x'><p>inner</p></iframe>kept", "kept"),
        ("a<script>1</script>b<script>2</script>c", "abc"),
        ("<noscript><noscript>deep</noscript>still</noscript>out", "out"),
        ("<br><br><p></p>  text  <br><div></div>", "text"),
        ("<pre>code  line\nsecond</pre>", "code line\nsecond"),
        ("unclosed <b>bold and x<y", "unclosed bold and x<y"),
        ("", ""),
        ("   \n  ", ""),
    ],
)
def test_html_to_text(source: str, expected: str) -> None:
    assert html_to_text(source) == expected


def test_plain_text_keeps_its_line_structure() -> None:
    source = "  First line\nsecond   line\n\n\n\nNew paragraph &amp; more\n  \n"
    assert html_to_text(source) == "First line\nsecond line\n\nNew paragraph & more"


def test_plain_to_text_does_not_touch_entities_or_angle_brackets() -> None:
    assert plain_to_text("x < y &amp; z\n\n\n next ") == "x < y &amp; z\n\nnext"


def test_control_characters_are_dropped() -> None:
    assert html_to_text("<p>a&#1;b\x07c</p>") == "abc"


def test_seed_article_keeps_one_paragraph_per_line() -> None:
    content = "<p>First sentence.</p>\n<p>Second “quoted” one.</p>\n<p>Third – with a dash.</p>"
    assert (
        html_to_text(content) == "First sentence.\n\nSecond “quoted” one.\n\nThird – with a dash."
    )


words = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1
)


@given(st.lists(words, min_size=1, max_size=8))
def test_escaped_text_round_trips_with_whitespace_collapsed(parts: list[str]) -> None:
    text = " ".join(parts)
    expected = " ".join(text.split())
    assert html_to_text(f"<p>{html.escape(text)}</p>") == expected


@given(st.text())
def test_output_is_trimmed_and_has_at_most_one_blank_line(source: str) -> None:
    text = html_to_text(source)
    assert text == text.strip()
    assert "\n\n\n" not in text
    assert "  " not in text


@given(st.lists(st.sampled_from(["<p>", "</p>", "<br>", "<div>", "</div>", "<li>", "x", " "])))
def test_breaks_never_stack_beyond_a_paragraph(tokens: list[str]) -> None:
    text = html_to_text("".join(tokens))
    assert set(text) <= {"x", " ", "\n"}
    assert "\n\n\n" not in text and text == text.strip()


def test_fast_enough_for_every_item() -> None:
    # Every content:encoded body of the seed feed, many times over.
    feed = seed_feed().decode("utf-8")
    bodies = [part.split("]]>", 1)[0] for part in feed.split("<![CDATA[")[1:]]
    source = "".join(bodies)
    started = time.perf_counter()
    rounds = 20
    for _ in range(rounds):
        html_to_text(source)
    per_megabyte = (time.perf_counter() - started) / (rounds * len(source) / 1e6)
    assert per_megabyte < 1.0, f"{per_megabyte:.2f} s per MB"


def _by_the_parser(source: str) -> str:
    parser = _TextExtractor()
    parser.feed(source)
    parser.close()
    return parser.text()


def _by_the_shortcut(source: str) -> str | None:
    extractor = _TextExtractor()
    return extractor.text() if _split_simple(source, extractor) else None


_NAMES = st.sampled_from(
    [
        "p",
        "P",
        "br",
        "div",
        "li",
        "b",
        "td",
        "noscript",
        "iframe",
        "pre",
        "svg",
        "o:p",
        "h2",
        "span",
        "script",
        "style",
        "x-y",
    ]
)
_ATTRIBUTES = st.lists(
    st.tuples(
        st.sampled_from(["class", "href", "data-x", "xml:lang", "a"]),
        st.sampled_from(["", "=x", '="a b"', "='c>d'", '="1/2"', "=a/", " = 'q' ", '=""']),
    ),
    max_size=3,
).map(lambda pairs: "".join(f" {name}{value}" for name, value in pairs))
_TAGS = st.one_of(
    st.builds(
        lambda n, a, e: f"<{n}{a}{e}>", _NAMES, _ATTRIBUTES, st.sampled_from(["", "/", " /", " "])
    ),
    st.builds(lambda n, s: f"</{n}{s}>", _NAMES, st.sampled_from(["", " ", "  \n"])),
)
_TEXTS = st.one_of(
    st.sampled_from(
        [
            "x",
            " ",
            "\n",
            "\t",
            "&amp;",
            "&lt;b&gt;",
            "&eacute;",
            "&#8211;",
            "&nbsp;",
            "&amp",
            "&",
            "a & b",
            "<",
            ">",
            "\u00a0",
            "\u2003",
            "\x01",
            "<!-- c -->",
            "<3",
            "</>",
            "<!DOCTYPE html>",
            "\r\n",
        ]
    ),
    st.text(max_size=5),
)


@given(st.lists(st.one_of(_TAGS, _TEXTS), max_size=25))
def test_the_shortcut_for_simple_markup_reads_it_as_the_parser_does(tokens: list[str]) -> None:
    source = "".join(tokens)
    shortcut = _by_the_shortcut(source)
    if shortcut is not None:
        assert shortcut == _by_the_parser(source)


def test_the_shortcut_takes_feed_markup_and_leaves_the_rest_to_the_parser() -> None:
    feed = seed_feed().decode("utf-8")
    bodies = [part.split("]]>", 1)[0] for part in feed.split("<![CDATA[")[1:]]
    assert bodies and all(_by_the_shortcut(body) == _by_the_parser(body) for body in bodies)
    for source in ("a<!-- c -->b", "<script>x</script>", "x < y", '<a title="1>0">t</a>'):
        assert _by_the_shortcut(source) is None
        assert html_to_text(source) == _by_the_parser(source)
