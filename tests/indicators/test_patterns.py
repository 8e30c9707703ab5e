"""Term syntax, the term index and pattern node trees."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from indicators.loader import load_indicators
from indicators.patterns import PatternMatcher
from indicators.terms import TermIndex, TermSyntaxError, WordMatcher, parse_term
from indicators.text import fold, words


def tokens(text: str) -> list[str]:
    folded = fold(text)
    return [folded[a:b] for a, b in words(folded)]


def matcher_for(tmp_path: Path, patterns_yaml: str) -> PatternMatcher:
    """A matcher for one indicator whose ``patterns:`` block is given."""
    body = dedent(patterns_yaml).strip().replace("\n", "\n      ")
    path = tmp_path / "rules.yaml"
    path.write_text(
        "indicators:\n  - id: probe\n    title: Probe\n    severity: 5\n    patterns:\n      "
        + body
        + "\n",
        encoding="utf-8",
    )
    return PatternMatcher(tuple(load_indicators(path)))


def fired(matcher: PatternMatcher, sentence: str, lang: str | None = None) -> list[int]:
    return [hit.pattern for hit in matcher.match(tokens(sentence), lang)]


@pytest.mark.parametrize(
    ("term", "problem"),
    [
        ("", "empty term"),
        ("   ", "empty term"),
        ("troop**", "'**'"),
        ("*", "only '*'"),
        ("*sovo", "cannot start with '*'"),
        ("~ on alert", "starts with '~'"),
        ("on alert ~", "ends with '~'"),
        ("put~on", "stand alone"),
        ("!!!", "no letters or digits"),
    ],
)
def test_bad_terms_are_rejected_with_a_reason(term: str, problem: str) -> None:
    with pytest.raises(TermSyntaxError, match=problem.replace("*", r"\*")):
        parse_term(term)


def test_term_words_are_folded_and_split_like_text() -> None:
    parsed = parse_term("Vučić’s re-register ~ BORBEN*")
    assert parsed.key == ("vucic", "s", "re", "register", "~", "borben*")
    assert parsed.gaps == (0, 0, 0, 0, 2)


@pytest.mark.parametrize(
    ("pattern", "word", "matches"),
    [
        ("troops", "troops", True),
        ("troops", "troop", False),
        ("deploy*", "deploy", True),
        ("deploy*", "deployment", True),
        ("deploy*", "redeploy", False),
        ("armo*red", "armored", True),
        ("armo*red", "armoured", True),
        ("armo*red", "armoureds", False),
    ],
)
def test_word_matcher(pattern: str, word: str, matches: bool) -> None:
    assert WordMatcher.parse(pattern).matches(word) is matches


def test_index_finds_phrases_prefixes_and_gaps_with_word_ranges() -> None:
    terms = [parse_term(t) for t in ["combat alert", "troop*", "put ~ on alert", "alert"]]
    index = TermIndex(terms)
    hits = index.find(tokens("They put the troops on alert, then on combat alert."))
    # they put the troops on alert then on combat alert
    # 0    1   2   3      4  5     6    7  8      9
    assert hits == {0: [(8, 9)], 1: [(3, 3)], 2: [(1, 5)], 3: [(5, 5), (9, 9)]}


def test_a_gap_stands_for_at_most_two_words() -> None:
    index = TermIndex([parse_term("put ~ on alert")])
    assert index.find(tokens("put on alert")) == {0: [(0, 2)]}
    assert index.find(tokens("put troops on alert")) == {0: [(0, 3)]}
    assert index.find(tokens("put the troops on alert")) == {0: [(0, 4)]}
    assert index.find(tokens("put all the troops on alert")) == {}


def test_index_results_do_not_depend_on_what_it_has_seen_before() -> None:
    index = TermIndex([parse_term("border"), parse_term("bord*")])
    first = index.find(tokens("border bordering"))
    assert first == {0: [(0, 0)], 1: [(0, 0), (1, 1)]}
    assert index.find(tokens("border bordering")) == first  # now from the cache


def test_near_within_and_ordered(tmp_path: Path) -> None:
    matcher = matcher_for(
        tmp_path,
        """
        - id: unordered
          match:
            near: {within: 3, of: [troop*, border]}
        - id: ordered
          match:
            near: {within: 3, ordered: true, of: [troop*, border]}
        """,
    )
    assert fired(matcher, "Troops moved to the border.") == [0, 1]
    assert fired(matcher, "The border saw troops.") == [0]
    assert fired(matcher, "Troops moved far away from the border.") == []


def test_near_does_not_let_one_word_serve_two_parts(tmp_path: Path) -> None:
    matcher = matcher_for(
        tmp_path,
        """
        - id: two_armies
          match:
            near: {within: 5, of: [army, "army*"]}
        """,
    )
    assert fired(matcher, "The army moved.") == []
    assert fired(matcher, "The army met another army.") == [0]


def test_all_none_and_unless(tmp_path: Path) -> None:
    matcher = matcher_for(
        tmp_path,
        """
        - id: blocked_road
          match:
            all:
              - any: [road, crossing]
              - any: [blocked]
              - none: [snow]
        - id: barricade
          match: barricade*
          unless:
            any: [removed]
        """,
    )
    assert fired(matcher, "The crossing was blocked by trucks.") == [0]
    assert fired(matcher, "Blocked by trucks, the crossing closed.") == [0]
    assert fired(matcher, "The crossing was blocked by snow.") == []
    assert fired(matcher, "Barricades went up.") == [1]
    assert fired(matcher, "Barricades were removed.") == []


def test_language_maps_apply_only_to_their_language_when_it_is_known(tmp_path: Path) -> None:
    matcher = matcher_for(
        tmp_path,
        """
        - id: alert
          match:
            any:
              en: [combat readiness]
              sr: [borben* gotovost*]
        - id: unlabelled
          match: kfor
        """,
    )
    sentence_sr = "Vojska u borbenoj gotovosti, KFOR prati."
    assert fired(matcher, sentence_sr) == [0, 1]
    assert fired(matcher, sentence_sr, lang="sr") == [0, 1]
    assert fired(matcher, sentence_sr, lang="en") == [1]


def test_hits_report_matched_words_and_occurrences(tmp_path: Path) -> None:
    matcher = matcher_for(
        tmp_path,
        """
        - id: near
          strength: 0.5
          match:
            near: {within: 4, of: [troop*, border]}
        """,
    )
    (hit,) = matcher.match(tokens("Troops and more troops reached the border."))
    assert hit.strength == 0.5
    assert hit.occurrences == ((3, 6),)  # the second "troops" is within 4 of "border"
    assert hit.spans == ((3, 3), (6, 6))


def test_shared_terms_are_indexed_once(tmp_path: Path) -> None:
    matcher = matcher_for(
        tmp_path,
        """
        - id: a
          match: {any: [troops, border]}
        - id: b
          match: {any: [Troops, BORDER, army]}
        """,
    )
    assert matcher.term_count == 3
    assert fired(matcher, "army troops") == [0, 1]


def test_long_words_are_matched_but_not_remembered() -> None:
    long_word = "troop" + "s" * 200
    index = TermIndex([parse_term("troop*"), parse_term("border")])
    assert index.find([long_word, "border"]) == {0: [(0, 0)], 1: [(1, 1)]}
    assert index.find(["x" * 500]) == {}
    assert all(len(word) <= 64 for word in index._cache)


def test_a_hostile_sentence_repeating_words_is_bounded(tmp_path: Path) -> None:
    matcher = matcher_for(
        tmp_path,
        """
        - id: near
          match:
            near: {within: 50, of: [troop*, border]}
        """,
    )
    words = ["troops", "border"] * 20_000
    (hit,) = matcher.match(words)
    assert 0 < len(hit.occurrences) <= 16 and 0 < len(hit.spans) <= 16


def test_phrases_are_found_once_whatever_index_path_they_take() -> None:
    terms = ["peace plan*", "peace pla*", "peace ~ plan", "peace plan", "peace", "pea*"]
    index = TermIndex([parse_term(t) for t in terms])
    hits = index.find(tokens("The peace plan failed; peace planning resumed."))
    # the peace plan failed peace planning resumed
    # 0   1     2    3      4     5        6
    assert hits == {
        0: [(1, 2), (4, 5)],
        1: [(1, 2), (4, 5)],
        2: [(1, 2)],
        3: [(1, 2)],
        4: [(1, 1), (4, 4)],
        5: [(1, 1), (4, 4)],
    }


def test_the_word_cache_starts_afresh_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    import indicators.terms

    monkeypatch.setattr(indicators.terms, "_CACHE_LIMIT", 5)
    index = TermIndex([parse_term("border")])
    assert index.find(tokens("a b c d border")) == {0: [(4, 4)]}
    assert index.find(tokens("e f g border")) == {0: [(3, 3)]}  # 5 + 3 > 5: new cache
    assert len(index._cache) <= 5
    assert index.find(tokens("border a")) == {0: [(0, 0)]}


def test_phrases_looked_up_by_a_later_word_match_backwards_with_gaps() -> None:
    index = TermIndex([parse_term("in ~ custody"), parse_term("by the end of the day")])
    assert index.find(tokens("held in police custody")) == {0: [(1, 3)]}
    assert index.find(tokens("in their police custody")) == {0: [(0, 3)]}
    assert index.find(tokens("in a b c custody")) == {}
    assert index.find(tokens("custody in")) == {}
    assert index.find(tokens("leave by the end of the day")) == {1: [(1, 6)]}
    assert index.find(tokens("by the end of a day")) == {}


def test_a_pattern_is_looked_up_by_its_rare_words_not_common_ones(tmp_path: Path) -> None:
    matcher = matcher_for(
        tmp_path,
        """
        - id: target
          match:
            any:
              - "act of war"
              - near:
                  within: 3
                  ordered: true
                  of:
                    - any: ["is", "are", "will be"]
                    - "legitimate target*"
        """,
    )
    # Both ways in still match ...
    assert fired(matcher, "Any attack will be an act of war.") == [0]
    assert fired(matcher, "The bases are now legitimate targets.") == [0]
    assert fired(matcher, "The bases are far away.") == []
    # ... but a sentence with only "is" or "are" never makes it a candidate.
    looked_up_by = {" ".join(matcher._index._terms[t].key) for t in matcher._by_term}
    assert looked_up_by == {"act of war", "legitimate target*"}
