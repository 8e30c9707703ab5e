"""The engine end to end on a small rule set of its own, and the example self-test."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from textwrap import dedent

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.corpus import build_corpus
from indicators import Analysis, Document, Engine, RuleSetError, Status, fold, load_indicators
from indicators.selftest import ExampleKind, failures, run_examples
from indicators.text import WORD_PATTERN

DATA = Path(__file__).parent / "data"
TEST_RULES = DATA / "rules"
TOPICS = Path(__file__).parents[2] / "config" / "topics"
PUBLISHED = datetime(2024, 3, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_directory(TEST_RULES, TOPICS)


def analyze(engine: Engine, body: str, title: str = "", lang: str | None = None) -> Analysis:
    return engine.analyze(Document(title=title, body=body, published=PUBLISHED, lang=lang))


def test_evidence_points_at_the_sentence_and_the_words_as_written(engine: Engine) -> None:
    body = "Talks resumed on Monday. Serbia put its army on FULL COMBAT ALERT near the border."
    analysis = analyze(engine, body, title="Kosovo tensions")
    (result,) = analysis.indicators
    assert result.id == "troop_alert" and result.status is Status.EVENT
    (evidence,) = result.evidence
    text = analysis.text
    assert text[evidence.start : evidence.end] == evidence.sentence
    assert evidence.sentence.startswith("Serbia put its army")
    assert evidence.sentence_index == 2  # title, first sentence, this one
    assert [text[a:b] for a, b in evidence.match_spans] == ["army", "FULL COMBAT ALERT", "border"]
    assert evidence.match == "army … FULL COMBAT ALERT … border"
    assert evidence.rule_version == engine.indicator_set["troop_alert"].version
    # Two patterns fired in the sentence: one evidence, with the stronger pattern's strength.
    assert evidence.strength == 1.0
    assert result.score > 0 and analysis.score.score > 0


def test_one_evidence_per_sentence_and_indicators_ordered_by_score(engine: Engine) -> None:
    body = (
        "Serbs erected barricades on the road. "
        "The talks in Brussels collapsed. "
        "More barricades went up at Jarinje."
    )
    analysis = analyze(engine, body)
    assert [r.id for r in analysis.indicators] == ["barricade", "talks_breakdown"]
    barricade = analysis.indicators[0]
    assert [e.sentence_index for e in barricade.evidence] == [0, 2]
    scores = [r.score for r in analysis.indicators]
    assert scores == sorted(scores, reverse=True)
    assert analysis.events == ("barricade", "talks_breakdown")


def test_negated_and_historical_matches_are_background(engine: Engine) -> None:
    analysis = analyze(engine, "In 1999 Serbian troops massed on the border.")
    (result,) = analysis.indicators
    assert result.status is Status.BACKGROUND
    assert any("1999" in reason for reason in result.evidence[0].reasons)


def test_an_item_that_looks_back_reports_its_old_story_as_background(engine: Engine) -> None:
    body = (
        "Serbs marked the anniversary with a march on Tuesday. Serbian troops massed on the"
        " border with artillery."
    )
    looking_back = analyze(engine, body, title="Ten years since the crisis in the north")
    (result,) = looking_back.indicators
    assert result.status is Status.BACKGROUND
    assert result.evidence[0].reasons == ('history (the item looks back: "years since")',)
    # The same sentence under a title and lead that report news: an event.
    current = analyze(engine, body.replace("anniversary", "holiday"), title="Tension in the north")
    assert current.indicators[0].status is Status.EVENT


def test_context_checks_switched_off_in_the_rule_are_not_applied(engine: Engine) -> None:
    # The test rule set turns the history check off for barricades.
    analysis = analyze(engine, "In 1999 Serbs erected barricades on the road.")
    assert analysis.events == ("barricade",)


def test_document_language_selects_term_languages(engine: Engine) -> None:
    sentence = "Vojska je u punoj borbenoj gotovosti."
    assert analyze(engine, sentence).events == ("troop_alert",)
    assert analyze(engine, sentence, lang="sr").events == ("troop_alert",)
    assert analyze(engine, sentence, lang="sr-Latn").events == ("troop_alert",)
    assert analyze(engine, sentence, lang="en-GB").indicators == ()
    # One rule set reads Serbian, Croatian, Bosnian and Montenegrin.
    for code in ("hr", "bs", "me", "sh", "cnr", "hr-HR"):
        assert analyze(engine, sentence, lang=code).events == ("troop_alert",), code


def test_cyrillic_and_latin_spellings_of_a_serbian_sentence_match_alike(engine: Engine) -> None:
    latin = analyze(engine, "Vojska je stavljena u punu borbenu gotovost kod granice.")
    cyrillic = analyze(engine, "Војска је стављена у пуну борбену готовост код границе.")
    assert latin.events == cyrillic.events == ("troop_alert",)
    (latin_evidence,) = latin.indicators[0].evidence
    (cyrillic_evidence,) = cyrillic.indicators[0].evidence
    assert fold(latin_evidence.match) == fold(cyrillic_evidence.match)
    assert cyrillic_evidence.match == "Војска … борбену готовост … границе"


def test_topics_and_deadlines_are_part_of_the_analysis(engine: Engine) -> None:
    analysis = analyze(
        engine,
        "Kosovo police closed the Jarinje crossing. Pristina gave Belgrade until Friday.",
    )
    assert analysis.topics == ("kosovo-serbia",)
    assert isinstance(analysis.deadlines, tuple)
    assert analysis.sentences[0].text == "Kosovo police closed the Jarinje crossing."


def test_nothing_matched(engine: Engine) -> None:
    analysis = analyze(engine, "The weather was mild.")
    assert not analysis.matched and analysis.score.score == 0 and analysis.topics == ()


def test_analysis_is_deterministic(engine: Engine) -> None:
    body = "Serbs erected barricades. Troops moved to the border. The talks collapsed."
    assert analyze(engine, body).to_dict() == analyze(engine, body).to_dict()


def test_source_weight_scales_the_score(engine: Engine) -> None:
    body = "Serbia put its troops on full combat alert."
    full = engine.analyze(Document(title="", body=body, published=PUBLISHED))
    half = engine.analyze(Document(title="", body=body, published=PUBLISHED, source_weight=0.5))
    assert 0 < half.score.score < full.score.score


# --- invariants ------------------------------------------------------------------

PHRASES = [
    "Serbia put its troops on full combat alert",
    "armoured columns moved toward the border",
    "soldiers staged a drill near the border",
    "Serbs erected barricades near Jarinje",
    "the crossing was blocked by trucks",
    "the crossing was temporarily blocked",
    "the talks in Brussels collapsed",
    "after the collapse of the talks",
    "Vojska je stavljena u punu borbenu gotovost",
    "Vučić’s envoy praised the café owners",
    "nothing happened at all",
]


@st.composite
def documents(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """Sentences from the phrases, and a variant of each with case and spacing changed."""
    sentences = draw(st.lists(st.sampled_from(PHRASES), min_size=1, max_size=5))
    variants = []
    for sentence in sentences:
        words = []
        for word in sentence.split(" "):
            style = draw(st.sampled_from(["same", "upper", "lower", "title"]))
            words.append(word if style == "same" else getattr(word, style)())
        glue = [draw(st.sampled_from([" ", "  ", "\t", " \u00a0"])) for _ in words[1:]]
        variant = words[0] + "".join(g + w for g, w in zip(glue, words[1:], strict=True))
        variants.append(variant[0].upper() + variant[1:])  # keep sentence starts capitalised
    originals = [s[0].upper() + s[1:] for s in sentences]
    return originals, variants


def fired(engine: Engine, sentences: list[str]) -> set[tuple[str, int]]:
    analysis = analyze(engine, ". ".join(sentences) + ".")
    return {(r.id, e.sentence_index) for r in analysis.indicators for e in r.evidence}


def fired_patterns(engine: Engine, sentences: list[str]) -> list[set[tuple[int, int]]]:
    matcher = engine.matcher  # the patterns, not only the indicators, must agree
    return [
        {(hit.indicator, hit.pattern) for hit in matcher.match(WORD_PATTERN.findall(fold(s)))}
        for s in sentences
    ]


@given(documents())
@settings(max_examples=60, deadline=None)
def test_case_whitespace_and_normal_form_never_change_what_matches(
    engine: Engine, doc: tuple[list[str], list[str]]
) -> None:
    originals, variants = doc
    expected = fired(engine, originals)
    assert fired(engine, variants) == expected
    for form in ("NFD", "NFC"):
        assert fired(engine, [unicodedata.normalize(form, s) for s in variants]) == expected
    assert fired_patterns(engine, variants) == fired_patterns(engine, originals)


@given(documents())
@settings(max_examples=60, deadline=None)
def test_match_spans_are_whole_words_of_the_original_text(
    engine: Engine, doc: tuple[list[str], list[str]]
) -> None:
    _, variants = doc
    text_body = ". ".join(unicodedata.normalize("NFD", s) for s in variants) + "."
    analysis = analyze(engine, text_body)
    text = analysis.text
    for result in analysis.indicators:
        for evidence in result.evidence:
            assert evidence.start <= evidence.match_spans[0][0]
            assert evidence.match_spans[-1][1] <= evidence.end
            for a, b in evidence.match_spans:
                piece = text[a:b]
                assert piece == piece.strip() and piece
                assert a == 0 or not text[a - 1].isalnum()
                assert b == len(text) or not (text[b].isalnum() or unicodedata.combining(text[b]))
                assert fold(piece) in fold(evidence.sentence)


# --- self-test -------------------------------------------------------------------


def test_run_examples_passes_on_the_test_rule_set(engine: Engine) -> None:
    results = run_examples(engine.indicator_set, engine)
    assert len(results) == 9
    assert not failures(results), "\n".join(map(str, failures(results)))
    kinds = {r.kind for r in results}
    assert kinds == set(ExampleKind)


def test_run_examples_says_which_example_failed_and_why(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        dedent(
            """
            indicators:
              - id: shooting
                title: Shooting
                severity: 8
                patterns:
                  - id: shots
                    match: {any: ["shots fired", "opened fire"]}
                examples:
                  match:
                    - "Police opened fire on Tuesday."
                    - "Gunmen attacked a patrol."
                  background:
                    - "Nobody opened fire."
                    - "Police opened fire at the crowd yesterday."
                  no_match:
                    - "Fireworks lit the sky."
                false_positives:
                  - "The company opened fire sales."
            """
        ).lstrip(),
        encoding="utf-8",
    )
    rules = load_indicators(path)
    results = run_examples(rules, Engine(rules))
    by_text = {r.text: r for r in results}
    assert by_text["Police opened fire on Tuesday."].passed
    assert by_text["Nobody opened fire."].passed
    assert by_text["Fireworks lit the sky."].passed

    missed = by_text["Gunmen attacked a patrol."]
    assert not missed.passed and missed.actual is None
    assert missed.line == 11 and missed.path == path
    assert str(missed).startswith(f"{path}:11: [shooting] match FAIL: expected to fire as an event")

    event = by_text["Police opened fire at the crowd yesterday."]
    assert not event.passed and event.actual is Status.EVENT
    assert "matched 'opened fire'" in str(event)

    false_positive = by_text["The company opened fire sales."]
    assert not false_positive.passed and false_positive.kind is ExampleKind.FALSE_POSITIVE
    assert len(failures(results)) == 3


def test_from_directory_reports_rule_and_topic_problems_together(tmp_path: Path) -> None:
    rules, topics = tmp_path / "rules", tmp_path / "topics"
    rules.mkdir()
    topics.mkdir()
    (rules / "r.yaml").write_text("indicators:\n  - id: x\n    title: X\n    severity: 99\n")
    (topics / "t.yaml").write_text("id: t\ntitle: T\nterms: {en: [a]}\nextra: 1\n")
    with pytest.raises(RuleSetError) as caught:
        Engine.from_directory(rules, topics)
    paths = {issue.path.name for issue in caught.value.issues}
    assert paths == {"r.yaml", "t.yaml"}


def test_engine_topics_agree_with_the_gazetteer(engine: Engine) -> None:
    seeds = Path(__file__).parents[2] / "seeds"
    gazetteer = engine.gazetteer
    assert gazetteer is not None
    texts = [p.read_text(encoding="utf-8") for p in sorted(seeds.glob("*.txt"))]
    texts += ["Zelenskyy met Putin. Kyiv and Kharkiv were shelled.", "Kosovo, once."]
    for text in texts:
        analysis = engine.analyze(Document(title="", body=text, published=PUBLISHED))
        assert analysis.topics == gazetteer.tag(analysis.text)


SHIPPED_RULES = Path(__file__).parents[2] / "config" / "indicators"


@pytest.mark.parametrize("seed", [0, 1])
def test_alert_is_the_analysis_of_an_item_that_fires_and_none_otherwise(seed: int) -> None:
    shipped = Engine.from_directory(SHIPPED_RULES, TOPICS)
    fired = silent = 0
    for item in build_corpus(300, seed=seed):
        document = item.document()
        analysis = shipped.analyze(document)
        alert = shipped.alert(document)
        if analysis.matched:
            fired += 1
            assert alert == analysis
        else:
            silent += 1
            assert alert is None
    assert fired and silent  # both kinds of item were compared


@pytest.mark.parametrize("year", [1, 9999])
def test_a_publication_date_at_the_calendars_ends_anchors_nothing(
    engine: Engine, year: int
) -> None:
    body = "Troops were deployed last December. Serbia must remove the barricades within 3 days."
    published = datetime(year, 12, 31, 23, 59, tzinfo=UTC)
    analysis = engine.analyze(Document(title="", body=body, published=published))
    assert analysis.matched and all(d.due is None for d in analysis.deadlines)
