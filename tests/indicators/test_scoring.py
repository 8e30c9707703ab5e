"""The scoring formula, its levels and explanations, and its invariants."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import scoring
from indicators.scoring import (
    BACKGROUND_WEIGHT,
    CRITICAL_AT,
    SOURCE_WEIGHT_LABEL,
    WARNING_AT,
    WATCH_AT,
    ScoringInput,
    corroborate,
    evidence_weight,
    level_for,
    position_weight,
    saturate,
    score_document,
    severity_points,
)
from indicators.types import Contribution, Evidence, Level, ScoreCard, Status

EVENT = Status.EVENT
BACKGROUND = Status.BACKGROUND
SETTINGS = settings(deadline=None, max_examples=60)


def evidence(
    indicator_id: str, index: int, status: Status = EVENT, strength: float = 1.0
) -> Evidence:
    sentence = f"Sentence {index} about {indicator_id}."
    return Evidence(
        indicator_id=indicator_id,
        rule_version="0123456789ab",
        status=status,
        sentence=sentence,
        start=index * 100,
        end=index * 100 + len(sentence),
        match=indicator_id,
        match_spans=((index * 100, index * 100 + 8),),
        sentence_index=index,
        strength=strength,
    )


def indicator(
    indicator_id: str,
    severity: float,
    *indexes: int,
    status: Status = EVENT,
    strength: float = 1.0,
) -> ScoringInput:
    return ScoringInput(
        indicator_id=indicator_id,
        title=indicator_id.replace("_", " "),
        severity=severity,
        status=status,
        evidence=tuple(evidence(indicator_id, i, status, strength) for i in indexes),
    )


def expected_score(total: float) -> int:
    return math.floor(saturate(total) + 0.5)


# --- the formula, term by term ----------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (0, Level.INFO),
        (WATCH_AT - 1, Level.INFO),
        (WATCH_AT, Level.WATCH),
        (WARNING_AT - 1, Level.WATCH),
        (WARNING_AT, Level.WARNING),
        (CRITICAL_AT - 1, Level.WARNING),
        (CRITICAL_AT, Level.CRITICAL),
        (100, Level.CRITICAL),
    ],
)
def test_level_thresholds(score: int, level: Level) -> None:
    assert level_for(score) is level


def test_documented_thresholds() -> None:
    assert (WATCH_AT, WARNING_AT, CRITICAL_AT) == (25, 50, 75)


def test_position_weight_favours_title_and_lead() -> None:
    assert [position_weight(i) for i in range(4)] == [1.0, 1.0, 1.0, 1.0]
    assert position_weight(4) == pytest.approx(0.975)
    assert position_weight(11) == pytest.approx(0.8)
    assert position_weight(19) == pytest.approx(0.6)
    assert position_weight(500) == pytest.approx(0.6)
    weights = [position_weight(i) for i in range(40)]
    assert weights == sorted(weights, reverse=True)


def test_severity_points_are_severity_squared_over_ten() -> None:
    assert severity_points(9) == pytest.approx(8.1)
    assert severity_points(4) == pytest.approx(1.6)
    assert severity_points(0) == 0.0


def test_corroboration_halves_each_further_sentence() -> None:
    assert corroborate([1.0]) == 1.0
    assert corroborate([1.0, 1.0, 1.0]) == pytest.approx(1.75)
    assert corroborate([0.5, 1.0]) == pytest.approx(1.25)  # strongest first, whatever the order
    assert corroborate([1.0] * 20) < 2.0


def test_one_lead_event_scores_its_severity_points() -> None:
    card, points = score_document([indicator("armed_violence", 8, 1)])
    # 8² / 10 = 6.4 points; 100 × (1 − e^(−6.4/15)) = 34.7
    assert card.score == 35
    assert card.level is Level.WATCH
    assert points == {"armed_violence": pytest.approx(saturate(6.4))}


def test_weights_multiply_status_strength_and_position() -> None:
    item = indicator("casualties", 9, 11, status=BACKGROUND, strength=0.5)
    card, _ = score_document([item])
    assert card.score == expected_score(8.1 * BACKGROUND_WEIGHT * 0.5 * 0.8)


def test_corroborating_sentences_add_with_diminishing_returns() -> None:
    one = score_document([indicator("troop_alert", 7, 0)])[0].score
    two = score_document([indicator("troop_alert", 7, 0, 2)])[0].score
    three = score_document([indicator("troop_alert", 7, 0, 2, 3)])[0].score
    assert two == expected_score(4.9 * 1.5)
    assert three == expected_score(4.9 * 1.75)
    assert one < two < three
    assert three - two < two - one


def test_a_sentence_counts_once_per_indicator() -> None:
    item = indicator("barricade", 5, 6)
    twice = ScoringInput(item.indicator_id, item.title, 5, EVENT, item.evidence * 2)
    assert score_document([twice]) == score_document([item])


def test_a_background_indicator_counts_all_its_sentences_as_background() -> None:
    mixed = ScoringInput("threat_rhetoric", "threats", 4, BACKGROUND, (evidence("x", 0, EVENT),))
    background = indicator("threat_rhetoric", 4, 0, status=BACKGROUND)
    assert score_document([mixed])[1] == score_document([background])[1]


def test_no_indicator_scores_zero() -> None:
    card, points = score_document([], source_weight=0.5)
    assert (card.score, card.level, card.contributions, points) == (0, Level.INFO, (), {})


def test_the_order_of_inputs_does_not_matter() -> None:
    items = [indicator("deadline", 5, 3), indicator("casualties", 9, 8), indicator("a", 2, 1)]
    assert score_document(items) == score_document(items[::-1])


# --- targets from the gold labels -----------------------------------------------------------


def test_reported_clashes_with_casualties_and_alert_outscore_recalled_ones() -> None:
    reported = [
        indicator("police_operation", 6, 0, 3, 5),
        indicator("armed_violence", 8, 9, 14),
        indicator("casualties", 9, 4, 7),
        indicator("troop_alert", 7, 2, 16),
        indicator("barricade", 5, 8),
    ]
    recalled = [
        indicator(i.indicator_id, i.severity, *(e.sentence_index for e in i.evidence), status=s)
        for i, s in zip(reported, [EVENT, BACKGROUND, BACKGROUND, BACKGROUND, EVENT], strict=True)
    ]
    high = score_document(reported)[0]
    low = score_document(recalled)[0]
    assert high.level is Level.CRITICAL
    assert high.score > low.score


def test_an_article_with_only_background_mentions_scores_low() -> None:
    history = [
        indicator(name, severity, *indexes, status=BACKGROUND)
        for name, severity, indexes in [
            ("casualties", 9, (2, 9, 20)),
            ("armed_violence", 8, (5, 21)),
            ("troop_alert", 7, (12,)),
            ("barricade", 5, (30,)),
            ("foreign_force", 5, (3,)),
        ]
    ]
    card = score_document(history)[0]
    assert card.level in (Level.INFO, Level.WATCH)
    # The same article reporting one of those as news already scores higher.
    news = [indicator("casualties", 9, 2), *history[1:]]
    assert score_document(news)[0].score > card.score
    # A passing mention of the past is only information.
    assert score_document(history[:2])[0].level is Level.INFO


def test_talk_alone_stays_below_a_shooting_with_casualties() -> None:
    talk = [
        indicator("threat_rhetoric", 4, 0, 5, 9),
        indicator("talks_breakdown", 4, 1, 6),
        indicator("de_escalation", 2, 12),
    ]
    shooting = [indicator("armed_violence", 8, 0), indicator("casualties", 9, 1)]
    assert score_document(talk)[0].score < score_document(shooting)[0].score


# --- the explanation ----------------------------------------------------------------------


def test_each_indicator_explains_its_points() -> None:
    card, points = score_document(
        [
            indicator("armed_violence", 8, 1, 2),
            indicator("casualties", 9, 22, status=BACKGROUND, strength=0.5),
        ]
    )
    details = {c.label: c.detail for c in card.contributions}
    assert details == {
        "armed_violence": "event ×1.0, severity 8, 2 sentences, lead",
        "casualties": "background ×0.15, severity 9, 1 sentence, sentence 22 ×0.60, strength 0.5",
    }
    assert {c.label: c.points for c in card.contributions} == points
    assert [c.label for c in card.contributions] == ["armed_violence", "casualties"]
    assert card.explanation.startswith(f"{card.score} (watch): armed_violence +")


def test_contributions_add_up_to_the_score() -> None:
    items = [indicator("troop_alert", 7, 0), indicator("deadline", 5, 3, 9)]
    for weight in (1.0, 0.6, 0.0):
        card, _ = score_document(items, source_weight=weight)
        assert sum(c.points for c in card.contributions) == pytest.approx(
            saturate(weight * (4.9 + 2.5 * (1 + 0.5 * position_weight(9))))
        )
        assert abs(sum(c.points for c in card.contributions) - card.score) <= 0.5


def test_source_weight_appears_only_below_one() -> None:
    items = [indicator("airspace_violation", 6, 0)]
    full, _ = score_document(items)
    half, points = score_document(items, source_weight=0.5)
    assert SOURCE_WEIGHT_LABEL not in {c.label for c in full.contributions}
    source = [c for c in half.contributions if c.label == SOURCE_WEIGHT_LABEL]
    assert len(source) == 1
    assert source[0].points < 0
    assert source[0].detail == "feed weight 0.5"
    assert half.score == expected_score(3.6 * 0.5) < full.score
    assert points["airspace_violation"] == pytest.approx(saturate(3.6))


@pytest.mark.parametrize(
    ("items", "weight", "message"),
    [
        ([ScoringInput("troop_alert", "t", 7, EVENT, ())], 1.0, "'troop_alert' has no evidence"),
        ([indicator("troop_alert", 11, 0)], 1.0, "severity 11 is outside 0-10"),
        ([indicator("troop_alert", -1, 0)], 1.0, "severity -1 is outside 0-10"),
        ([indicator("troop_alert", 7, 0)], 1.5, "source weight 1.5 is outside 0-1"),
        ([indicator("a", 7, 0), indicator("a", 3, 1)], 1.0, "'a' is given more than once"),
    ],
)
def test_invalid_input_is_refused_with_its_cause(
    items: list[ScoringInput], weight: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        score_document(items, source_weight=weight)


# --- invariants ---------------------------------------------------------------------------

IDS = ["armed_violence", "casualties", "deadline", "threat_rhetoric", "troop_alert", "x"]
strengths = st.floats(min_value=0.0, max_value=1.0)
severities = st.floats(min_value=0.0, max_value=10.0)
statuses = st.sampled_from([EVENT, BACKGROUND])
weights = st.floats(min_value=0.0, max_value=1.0)


@st.composite
def evidences(draw: st.DrawFn, indicator_id: str = "x") -> Evidence:
    return evidence(
        indicator_id,
        draw(st.integers(min_value=0, max_value=80)),
        draw(statuses),
        draw(strengths),
    )


@st.composite
def scoring_inputs(draw: st.DrawFn, indicator_id: str | None = None) -> ScoringInput:
    name = indicator_id or draw(st.sampled_from(IDS))
    found = draw(st.lists(evidences(name), min_size=1, max_size=6))
    return ScoringInput(name, name, draw(severities), draw(statuses), tuple(found))


@st.composite
def documents(draw: st.DrawFn) -> list[ScoringInput]:
    names = draw(st.lists(st.sampled_from(IDS), unique=True, max_size=len(IDS) - 1))
    return [draw(scoring_inputs(name)) for name in names]


def full_score(items: list[ScoringInput], weight: float = 1.0) -> float:
    """The unrounded score: what the contributions add up to."""
    return math.fsum(c.points for c in score_document(items, source_weight=weight)[0].contributions)


@SETTINGS
@given(documents(), weights)
def test_scores_are_whole_numbers_from_0_to_100(items: list[ScoringInput], weight: float) -> None:
    card, points = score_document(items, source_weight=weight)
    assert isinstance(card.score, int)
    assert 0 <= card.score <= 100
    assert card.level is level_for(card.score)
    assert all(p >= 0 for p in points.values())
    assert set(points) == {i.indicator_id for i in items}


@SETTINGS
@given(documents(), st.data())
def test_adding_evidence_never_lowers_the_score(
    items: list[ScoringInput], data: st.DataObject
) -> None:
    if not items:
        return
    position = data.draw(st.integers(min_value=0, max_value=len(items) - 1))
    target = items[position]
    extra = data.draw(evidences(target.indicator_id))
    grown = ScoringInput(
        target.indicator_id,
        target.title,
        target.severity,
        target.status,
        (*target.evidence, extra),
    )
    more = [*items[:position], grown, *items[position + 1 :]]
    assert score_document(more)[0].score >= score_document(items)[0].score
    assert full_score(more) >= full_score(items) - 1e-9


@SETTINGS
@given(documents(), weights, st.data())
def test_adding_an_indicator_never_lowers_the_score(
    items: list[ScoringInput], weight: float, data: st.DataObject
) -> None:
    unused = [name for name in IDS if name not in {i.indicator_id for i in items}]
    extra = data.draw(scoring_inputs(data.draw(st.sampled_from(unused))))
    more = [*items, extra]
    before = score_document(items, source_weight=weight)[0].score
    assert score_document(more, source_weight=weight)[0].score >= before
    assert full_score(more, weight) >= full_score(items, weight) - 1e-9


@SETTINGS
@given(scoring_inputs("x"), documents())
def test_an_event_scores_above_the_same_indicator_as_background(
    item: ScoringInput, others: list[ScoringInput]
) -> None:
    others = [o for o in others if o.indicator_id != "x"]
    as_event = ScoringInput(
        "x",
        "x",
        item.severity,
        EVENT,
        tuple(evidence("x", e.sentence_index, EVENT, e.strength) for e in item.evidence),
    )
    as_background = ScoringInput("x", "x", item.severity, BACKGROUND, as_event.evidence)
    event_card, event_points = score_document([as_event, *others])
    background_card, background_points = score_document([as_background, *others])
    assert event_card.score >= background_card.score
    # Below these, the difference underflows floating point.
    if item.severity >= 0.1 and any(e.strength >= 0.01 for e in item.evidence):
        assert full_score([as_event, *others]) > full_score([as_background, *others])
        assert event_points["x"] > background_points["x"]


@SETTINGS
@given(documents(), weights, st.randoms(use_true_random=False))
def test_scoring_is_deterministic(items: list[ScoringInput], weight: float, rng) -> None:
    shuffled = list(items)
    rng.shuffle(shuffled)
    assert score_document(items, source_weight=weight) == score_document(
        shuffled, source_weight=weight
    )


@SETTINGS
@given(documents(), weights, weights)
def test_a_less_reliable_feed_never_scores_higher(
    items: list[ScoringInput], low: float, high: float
) -> None:
    low, high = sorted((low, high))
    assert (
        score_document(items, source_weight=low)[0].score
        <= score_document(items, source_weight=high)[0].score
    )


# --- the documentation --------------------------------------------------------------------

DOCUMENTED_EXAMPLES = {
    "a threat and collapsed talks": [("threat_rhetoric", 4), ("talks_breakdown", 4)],
    "troops put on alert": [("troop_alert", 7)],
    "a shooting with casualties": [("armed_violence", 8), ("casualties", 9)],
    "a raid, clashes, casualties and troops on alert": [
        ("police_operation", 6),
        ("armed_violence", 8),
        ("casualties", 9),
        ("troop_alert", 7),
    ],
}


def documented_rows() -> dict[str, tuple[float, int, str]]:
    rows = {}
    for line in (scoring.__doc__ or "").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[1].replace(".", "").isdigit():
            rows[cells[0]] = (float(cells[1]), int(cells[2]), cells[3])
    return rows


def test_the_documented_examples_are_what_the_formula_computes() -> None:
    rows = documented_rows()
    assert set(rows) == {*DOCUMENTED_EXAMPLES, "the same four, only recalled as history"}
    recalled = [
        indicator(name, severity, 1, status=BACKGROUND)
        for name, severity in DOCUMENTED_EXAMPLES["a raid, clashes, casualties and troops on alert"]
    ]
    cases = {
        **{
            what: [indicator(name, severity, 1) for name, severity in found]
            for what, found in DOCUMENTED_EXAMPLES.items()
        },
        "the same four, only recalled as history": recalled,
    }
    for what, items in cases.items():
        total, score, level = rows[what]
        card, _ = score_document(items)
        raw = sum(severity_points(i.severity) for i in items)
        raw *= BACKGROUND_WEIGHT if items[0].status is BACKGROUND else 1.0
        assert raw == pytest.approx(total, abs=0.005), what
        assert (card.score, card.level.value) == (score, level), what


# --- the scoring as written out step by step ---------------------------------------------


def score_step_by_step(
    inputs: list[ScoringInput], source_weight: float
) -> tuple[ScoreCard, dict[str, float]]:
    """The module's docstring, one public step after the other, nothing tabled or cached."""
    scored = []
    for item in sorted(inputs, key=lambda i: i.indicator_id):
        by_sentence: dict[int, float] = {}
        best, best_weight = item.evidence[0], -1.0
        for found in item.evidence:
            weight = evidence_weight(found, item.status)
            index = found.sentence_index
            by_sentence[index] = max(weight, by_sentence.get(index, -1.0))
            if weight > best_weight or (weight == best_weight and index < best.sentence_index):
                best, best_weight = found, weight
        any_event = item.status is EVENT and any(e.status is EVENT for e in item.evidence)
        status = EVENT if any_event else BACKGROUND
        count = len(by_sentence)
        index = best.sentence_index
        where = "lead" if index < 4 else f"sentence {index} ×{position_weight(index):.2f}"
        parts = [
            f"{status.value} ×{'1.0' if any_event else '0.15'}",
            f"severity {item.severity:g}",
            f"{count} sentence{'' if count == 1 else 's'}",
            where,
        ]
        if best.strength < 1.0:
            parts.append(f"strength {best.strength:g}")
        raw = severity_points(item.severity) * corroborate(by_sentence.values())
        scored.append((item.indicator_id, raw, ", ".join(parts)))
    if not scored:
        return ScoreCard(0, Level.INFO), {}
    total = math.fsum(raw for _, raw, _ in scored)
    full, weighted = saturate(total), saturate(total * source_weight)
    score = min(100, max(0, math.floor(weighted + 0.5)))
    points = {name: full * raw / total if total > 0 else 0.0 for name, raw, _ in scored}
    ranked = sorted(scored, key=lambda s: (-points[s[0]], s[0]))
    contributions = [Contribution(name, points[name], detail) for name, _, detail in ranked]
    if source_weight < 1.0 and total > 0:
        contributions.append(
            Contribution(SOURCE_WEIGHT_LABEL, weighted - full, f"feed weight {source_weight:g}")
        )
    return ScoreCard(score, level_for(score), tuple(contributions)), points


# Zeros of both signs, sentences past the tabled positions, equal weights.
awkward_strengths = st.sampled_from([0.0, -0.0, 0.5, 0.25, 1.0, 1.5, -0.5, 0.3])
awkward_severities = st.sampled_from([0.0, -0.0, 0.5, 2.0, 4, 8.0, 9.0, 10.0])


@st.composite
def awkward_documents(draw: st.DrawFn) -> list[ScoringInput]:
    names = draw(st.lists(st.sampled_from(IDS), unique=True, max_size=len(IDS)))
    items = []
    for name in names:
        found = draw(
            st.lists(
                st.builds(
                    evidence,
                    st.just(name),
                    st.sampled_from([-1, 0, 1, 3, 4, 5, 18, 19, 63, 64, 65, 200]),
                    statuses,
                    st.one_of(awkward_strengths, strengths),
                ),
                min_size=1,
                max_size=5,
            )
        )
        severity = draw(st.one_of(awkward_severities, severities))
        items.append(ScoringInput(name, name, severity, draw(statuses), tuple(found)))
    return items


@settings(deadline=None, max_examples=300)
@given(
    awkward_documents(),
    st.one_of(st.sampled_from([1.0, 1, 0.0, 0.5]), weights),
    st.randoms(use_true_random=False),
)
def test_score_matches_the_steps_written_out(
    items: list[ScoringInput], weight: float, shuffler: random.Random
) -> None:
    expected = score_step_by_step(items, weight)
    for _ in range(2):  # the second time, explanations come from the table
        shuffler.shuffle(items)
        card, points = score_document(items, source_weight=weight)
        assert repr((card, points)) == repr(expected)


def test_zero_and_negative_zero_are_explained_as_written() -> None:
    for strength in (0.0, -0.0, 0.0, -0.0):
        card, _ = score_document([indicator("x", 5.0, 2, strength=strength)])
        assert card.contributions[0].detail.endswith(f"strength {strength:g}")
    for severity in (-0.0, 0.0, -0.0):
        card, _ = score_document([indicator("x", severity, 2)])
        assert f"severity {severity:g}," in card.contributions[0].detail
