"""The pure helpers behind deduplication and search."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from monitor.models import ItemKey
from monitor.storage.keys import clean, fts5_query, normalize_link, search_words, trusted_guids


def test_links_that_name_one_article_normalise_alike() -> None:
    same = [
        "https://news.example.org/a/1",
        "http://NEWS.example.org/a/1/",
        "https://news.example.org:443/a/1#comments",
        "https://news.example.org/a/1?utm_source=rss&utm_medium=feed",
        "  https://news.example.org/a/1  ",
    ]
    assert {normalize_link(link) for link in same} == {"https://news.example.org/a/1"}
    assert normalize_link("https://news.example.org/a/1?id=2") == (
        "https://news.example.org/a/1?id=2"
    )
    assert normalize_link("https://news.example.org:8443/a/1") == (
        "https://news.example.org:8443/a/1"
    )
    assert normalize_link("tag:example.org,2023:1") == "tag:example.org,2023:1"
    assert normalize_link("http://[::1") == "http://[::1"  # unparsable: kept as text
    assert normalize_link("") is None and normalize_link(None) is None


URLS = st.from_regex(
    r"(HTTP|https?)://[A-Za-z.-]{1,10}(:[0-9]{1,5})?(/[A-Za-z0-9%.~-]{0,8}){0,3}/?"
    r"(\?[A-Za-z0-9_=&%+]{0,20})?(#[A-Za-z0-9]*)?",
    fullmatch=True,
)


@given(st.one_of(st.text(), URLS))
def test_normalising_twice_changes_nothing(link: str) -> None:
    once = normalize_link(link)
    assert normalize_link(once) == once


def test_only_guids_seen_once_in_a_poll_are_trusted() -> None:
    keys = [ItemKey("a", None, "1"), ItemKey("b", None, "2"), ItemKey("a", None, "3")]
    assert trusted_guids([*keys, ItemKey(None, None, "4")]) == {"b"}


def test_search_words_are_quoted_for_fts5() -> None:
    assert search_words('North MITROVICA, "bridge" OR NEAR(x)') == [
        "north",
        "mitrovica",
        "bridge",
        "or",
        "near",
        "x",
    ]
    assert fts5_query(["zvečan", "or"]) == '"zvečan" "or"'


def test_clean_keeps_offsets() -> None:
    text = "a\x00b"
    assert clean(text) == "a\ufffdb" and len(clean(text)) == len(text)
