"""Deadline phrases found in sentences and resolved against the published date."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.deadlines import (
    _FOLDS_TO_PUNCTUATION,
    _LATIN_LETTERS,
    _SEPARATOR,
    _candidates,
    _find,
    _hint,
    find_deadlines,
)
from indicators.text import fold, split_sentences
from indicators.timewords import next_occurrence
from indicators.types import Deadline, compose_text

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
PUBLISHED = date(2022, 11, 22)  # a Tuesday


def deadlines(text: str, published: date | None = PUBLISHED) -> list[Deadline]:
    found = find_deadlines(split_sentences(text, has_title=False), published=published)
    for deadline in found:
        assert text[deadline.start : deadline.end] == deadline.phrase
    return found


def dues(text: str, published: date | None = PUBLISHED) -> list[date | datetime | None]:
    return [d.due for d in deadlines(text, published)]


@pytest.mark.parametrize(
    ("text", "due"),
    [
        # windows and shifts: published + N (hours rounded up to days)
        ("Kosovo gave the Serbs 48 hours to remove the barricades.", date(2022, 11, 24)),
        ("Pristina postponed the fines by 48 hours.", date(2022, 11, 24)),
        ("Drivers must re-register their cars within 10 days.", date(2022, 12, 2)),
        ("The talks were postponed for two weeks.", date(2022, 12, 6)),
        ("The ban was extended by a month.", date(2022, 12, 22)),
        ("The mediators want to find a solution during the next two days.", date(2022, 11, 24)),
        ("Belgrade vowed to reach a compromise in the next 10 days.", date(2022, 12, 2)),
        ("Serbia set a 72-hour ultimatum for the withdrawal.", date(2022, 11, 25)),
        # dates: the explicit date wins, years omitted mean the next occurrence
        ("Kurti delayed the measure by a month until September 1.", date(2023, 9, 1)),
        ("The deadline of 31 October still stands.", date(2023, 10, 31)),
        ("Kosovo extended the deadline until 1 December.", date(2022, 12, 1)),
        ("The ultimatum was extended to 15 January 2023.", date(2023, 1, 15)),
        ("The deadline is 2022-12-01 for all vehicles.", date(2022, 12, 1)),
        ("Belgrade has until Monday to respond.", date(2022, 11, 28)),
        ("Belgrade has until Tuesday to respond.", date(2022, 11, 29)),
        ("Serbs must leave the checkpoint by tomorrow.", date(2022, 11, 23)),
        ("Kosovo gave Serbs until 1 September to switch to Kosovo plates.", date(2023, 9, 1)),
        ("The EU set a deadline of March 31 for an agreement.", date(2023, 3, 31)),
        ("Protesters were given 72 hours to leave the square.", date(2022, 11, 25)),
        (
            "Farmers vow to block the highway unless the tax is cut within 10 days.",
            date(2022, 12, 2),
        ),
        ("The ultimatum expires on Sunday at midnight.", date(2022, 11, 27)),
        ("Pristina set a deadline of 48 hours.", date(2022, 11, 24)),
        ("Serbia was given a deadline of December 15 to respond.", date(2022, 12, 15)),
        ("The deadline for re-registration is 31 December; fines follow.", date(2022, 12, 31)),
        # ends of periods
        ("The grace period runs out at the end of the month.", date(2022, 11, 30)),
        ("Police must clear the roads by the end of the week.", date(2022, 11, 27)),
        ("Both sides must sign by the end of next month.", date(2022, 12, 31)),
        ("The deadline was moved to the end of the year.", date(2022, 12, 31)),
        ("The deadline was moved to the end of January.", date(2023, 1, 31)),
    ],
)
def test_english_deadlines_resolve(text: str, due: date) -> None:
    assert dues(text) == [due]


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("The deadline passed on Monday without incident.", date(2022, 11, 21)),
        ("The ultimatum expired on 20 November.", date(2022, 11, 20)),
        ("Rok je istekao 1. novembra.", date(2022, 11, 1)),
    ],
)
def test_an_expired_deadline_resolves_to_the_past(text: str, due: date) -> None:
    assert dues(text) == [due]


def test_clock_time_with_a_date_gives_a_utc_datetime() -> None:
    found = deadlines("The ultimatum expires at 20:00 CET on Friday.")
    assert [d.due for d in found] == [datetime(2022, 11, 25, 19, 0, tzinfo=UTC)]
    assert "20:00" in found[0].phrase
    assert dues("The deadline is 1 December at 8 p.m.") == [
        datetime(2022, 12, 1, 20, 0, tzinfo=UTC)
    ]


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("Vlada je odložila primenu mere do 1. septembra.", date(2023, 9, 1)),
        ("Rok ističe 1.12.2022.", date(2022, 12, 1)),
        ("Srbi moraju da uklone barikade u roku od 48 sati.", date(2022, 11, 24)),
        ("Priština je dala rok do kraja meseca.", date(2022, 11, 30)),
        ("Приштина је одложила рок за 10 дана.", date(2022, 12, 2)),
        ("Rok za preregistraciju ističe 31. decembra.", date(2022, 12, 31)),
        ("Kurti je dao rok od 60 dana za preregistraciju vozila.", date(2023, 1, 21)),
        ("Prelazni period ističe 31. decembra.", date(2022, 12, 31)),
        ("Рок истиче 15. јануара 2023.", date(2023, 1, 15)),
        ("Qeveria e shtyu afatin deri më 1 shtator.", date(2023, 9, 1)),
        ("Afati për riregjistrimin e targave skadon më 31 dhjetor.", date(2022, 12, 31)),
        ("Qeveria u dha serbëve afat 60 ditë.", date(2023, 1, 21)),
        ("Afati për riregjistrim përfundon më 31 dhjetor.", date(2022, 12, 31)),
        ("Serbët duhet t'i heqin barrikadat brenda 48 orëve.", date(2022, 11, 24)),
        ("Afati për targat u shty për 10 ditë.", date(2022, 12, 2)),
    ],
)
def test_serbian_and_albanian_deadlines_resolve(text: str, due: date) -> None:
    assert dues(text) == [due]


@pytest.mark.parametrize(
    "text",
    [
        "Kosovo declared a deadline for cars in the north to re-register.",
        "The government has extended the deadline twice.",
        "Beograd je odbacio ultimatum.",
        "Afati nuk u respektua.",
    ],
)
def test_a_deadline_without_a_date_is_kept_unresolved(text: str) -> None:
    found = deadlines(text)
    assert len(found) == 1
    assert found[0].due is None
    assert found[0].reason


@pytest.mark.parametrize(
    "text",
    [
        "The raid began at 05:55 (06:55 Moscow time).",
        "Biden and Putin met via teleconference on December 7.",
        "Milosevic died before the end of a four-year-long trial.",
        "Serbia held a three-day drill near the border.",
        "The leaders negotiated for nearly 12 hours.",
        "Serbia doubled its defence budget over the last three years.",
        "Serbia has applied the same rules during the last 10 years.",
        "Police arrested 23 people within 48 hours.",
        "The talks were postponed on Monday, officials said.",
        "Joining a foreign war is punishable by up to 10 years in prison.",
        "The omission will only prolong tensions between the two nations.",
        "From today, police were due to hand out fines.",
        "Officials said no deadline exists for pulling out the units.",
        "The truce deal concluded in March 2001 collapsed.",
        "The deal reached on Monday ended the dispute.",
    ],
)
def test_times_that_are_not_deadlines(text: str) -> None:
    assert deadlines(text) == []


def test_a_date_before_the_deadline_word_is_not_its_due_date() -> None:
    found = deadlines("On Thursday the mayor turned down an ultimatum from the protesters.")
    assert [d.due for d in found] == [None]
    assert "ultimatum" in found[0].phrase


def test_without_a_published_date_only_full_dates_resolve() -> None:
    found = deadlines(
        "Drivers must re-register within 10 days. The deadline is 1 December 2022. "
        "The deadline is 1 December.",
        published=None,
    )
    assert [d.due for d in found] == [None, date(2022, 12, 1), None]
    assert all(d.reason for d in found)


def test_published_datetime_is_accepted() -> None:
    sentences = split_sentences("Pristina postponed the fines by 48 hours.", has_title=False)
    found = find_deadlines(sentences, published=datetime(2022, 11, 22, 23, 0, tzinfo=UTC))
    assert [d.due for d in found] == [date(2022, 11, 24)]


def test_offsets_are_absolute_and_phrases_are_trimmed() -> None:
    text = "Title line\n\nTalks failed. Pristina postponed the fines by 48 hours, officials said."
    found = find_deadlines(split_sentences(text, has_title=True), published=PUBLISHED)
    assert [(d.phrase, text[d.start : d.end]) for d in found] == [
        ("postponed the fines by 48 hours", "postponed the fines by 48 hours")
    ]


def test_next_occurrence() -> None:
    assert next_occurrence(9, 1, date(2022, 8, 21)) == date(2022, 9, 1)
    assert next_occurrence(8, 21, date(2022, 8, 21)) == date(2022, 8, 21)
    assert next_occurrence(1, 5, date(2022, 8, 21)) == date(2023, 1, 5)
    assert next_occurrence(2, 29, date(2022, 3, 1)) == date(2024, 2, 29)


CASES = [
    "Pristina postponed the fines by 48 hours.",
    "Kurti delayed the measure by a month until September 1.",
    "Kosovo declared a deadline for cars in the north to re-register.",
    "Srbi moraju da uklone barikade u roku od 48 sati.",
    "The ultimatum expires at 20:00 CET on Friday.",
]


@settings(max_examples=60, deadline=None)
@given(
    text=st.sampled_from(CASES),
    upper=st.booleans(),
    spaces=st.sampled_from(["  ", "\t", " \u00a0"]),
    before=st.sampled_from(["", "Talks failed on Monday. ", "Police raided the town at 05:55. "]),
)
def test_case_whitespace_and_neighbours_do_not_change_what_is_found(
    text: str, upper: bool, spaces: str, before: str
) -> None:
    expected = [(d.due, d.phrase.split()) for d in deadlines(text)]
    varied = text.replace(" ", spaces)
    if upper:
        varied = varied.upper()
    found = deadlines(before + varied)
    assert [(d.due, d.phrase.lower().split()) for d in found] == [
        (due, [w.lower() for w in words]) for due, words in expected
    ]


# --- the seed articles ------------------------------------------------------------------

ARTICLES = json.loads((SEEDS / "labels.json").read_text(encoding="utf-8"))["articles"]


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a["file"])
def test_seed_articles(article: dict) -> None:
    text = compose_text(article["title"], (SEEDS / article["file"]).read_text(encoding="utf-8"))
    published = date.fromisoformat(article["published"])
    found = find_deadlines(split_sentences(text, has_title=True), published=published)
    for deadline in found:
        assert text[deadline.start : deadline.end] == deadline.phrase

    gold = article["deadlines"]
    expected = {date.fromisoformat(d["resolves_to"]) for d in gold if d["resolves_to"]}
    assert {d.due for d in found if d.due is not None} == expected

    # Every gold phrase is overlapped by a deadline found, resolved alike.
    for item in gold:
        start = text.index(item["phrase"])
        end = start + len(item["phrase"])
        overlapping = [d for d in found if d.start < end and start < d.end]
        assert overlapping, item["phrase"]
        wanted = date.fromisoformat(item["resolves_to"]) if item["resolves_to"] else None
        assert wanted in {d.due for d in overlapping}, (item, overlapping)

    # Clock times and meeting dates are not deadlines.
    for trap in ("05:55", "06:55", "December 7", "four-year-long", "12 hours"):
        at = text.find(trap)
        if at >= 0:
            assert not [d for d in found if d.start <= at < d.end], trap


# Words that exercise every path: cues, numbers, units, months, weekdays, clocks, punctuation.
WORDS = """
the deadline ultimatum postponed extended by until within in next for to on at of must
have given 48 a two hours days weeks month end year September 1 31 October 2022 1.9.2022.
2022-09-01 Monday friday tomorrow 20:00 8 p.m. CET rok do kraja meseca 1. septembra afati
deri më shtator brenda orëve za sati ; , – ( ) “ ” no expired reach a compromise
"""
VOCABULARY = WORDS.split()


@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(st.sampled_from(VOCABULARY), max_size=25),
    published=st.one_of(st.none(), st.dates(date(1990, 1, 1), date(2040, 12, 31))),
)
def test_any_text_gives_well_formed_deadlines(words: list[str], published: date | None) -> None:
    text = " ".join(words) + "."
    for deadline in deadlines(text, published):
        assert deadline.phrase.strip() == deadline.phrase != ""
        assert deadline.reason
        if isinstance(deadline.due, datetime):
            assert deadline.due.tzinfo is UTC
        if published is None and deadline.due is not None:
            assert str(deadline.due.year) in deadline.phrase  # only full dates resolve


# --- the prefilter: only sentences that can hold a deadline are analysed in full ---------

# Cue words in every form the cue patterns know, dates and times, filler, and the
# characters folding has to take care of (quotes, dashes, no-break space, diacritics,
# Cyrillic); sentences built from them are compared with the full analysis.
CUES = [
    *("deadline", "Deadlines", "ULTIMATUM", "ultimata", "time-limit", "time limit"),
    *("grace period", "cut-off date", "cutoff point", "rok", "roka", "krajnji rok", "afat"),
    *("afatin", "afatit", "рок", "рока", "ултиматум", "postpone", "postponed", "postponement"),
    *("delayed", "extend", "extension", "deferred", "pushed back", "put off", "prolonged"),
    *("expires", "expired", "ran out", "runs out", "lapsed", "rescheduled", "odložila"),
    *("odlaže", "produžen", "produžila", "ističe", "istekao", "shtyu", "shtyhet", "zgjatja"),
    *("skadon", "одложила", "продужила", "истиче", "must", "have to", "has to", "required to"),
    *("ordered", "obliged", "demanded", "gave", "given", "told", "asked", "had until"),
    *("unless", "or else", "or face", "moraju", "morali", "naredio", "ukoliko ne", "osim ako"),
    *("duhet", "përndryshe", "deri më", "мора", "морају", "наредио", "to reach", "to find"),
    *("to agree", "to re-register", "to re–register", "solution", "compromise", "agreement"),
    *("deal", "settlement", "response", "answer", "rešenje", "kompromis", "dogovor"),
    *("sporazum", "zgjidhje", "marrëveshje", "решење", "договор", "споразум"),
]
TIME_WORDS = """
48 10 1 31 2022 2023 1.9.2022. 2022-09-01 15/09/2023 20:00 8 p.m. noon midday CET
hours hour days day weeks week month months year years sati sata dana dan nedelje
orëve ditë javë muaj vit сати дана месеца
two a an forty-eight a couple of twenty-four dva deset dy dhjetë два десет
more further additional within in next for by until the end of the end-of kraja krajem
fundi September Sept. October septembra oktobra shtator dhjetor септембра октобра
Monday friday tomorrow today petak sutra danas e hënë nesër понедељак сутра
"""
FILLER = """
the police of and said was were a in on at with that it Kosovo Serbs Vučić Priština
Kurti Beograd ; , : ( ) “ ” ‘ ’ " ' – — - … . ? !
"""
PIECES = CUES + TIME_WORDS.split() + FILLER.split()
SPACES = [" ", " ", " ", "  ", "\t", "\u00a0", "\n"]


def full_analysis(text: str, published: date | None) -> list[Deadline]:
    """Every sentence analysed in full: what the prefilter must never change."""
    return _find(split_sentences(text, has_title=False), published)


LINKS = "by until to for within in the next deadline of is on at do deri më u roku od za"
TIMES = [
    *("48 hours", "10 days", "a month", "two weeks", "1 September", "September 1", "noon"),
    *("31 dhjetor", "1. septembra", "1.9.2022.", "2022-09-01", "the end of the month"),
    *("kraja meseca", "fundi i muajit", "Friday", "tomorrow", "petak", "20:00 CET"),
    *("48-hour", "forty-eight hours", "a couple of more days", "48 сати", "10 дана"),
    *("1. септембра", "e hënë", "nesër", "10 ditë", "48 orëve", "end of 2023", "year-end"),
    "March 2023",
]
OBJECTS = ["the", "fines", "talks", "Serbs", "barikade", "afatin", "the ban", "it", "them"]
words = st.lists(st.sampled_from(FILLER.split()), max_size=4)


@st.composite
def deadline_like_sentence(draw: st.DrawFn) -> str:
    """Filler, a cue, a few words, a link and a time expression, in any case and spacing."""
    parts = [
        *draw(words),
        draw(st.sampled_from(CUES)),
        *draw(st.lists(st.sampled_from(OBJECTS), max_size=2)),
        *draw(st.lists(st.sampled_from(LINKS.split()), min_size=1, max_size=2)),
        draw(st.sampled_from(TIMES)),
        *draw(words),
    ]
    if draw(st.integers(0, 4)) == 0:
        parts.reverse()  # the time expression before the cue
    text = "".join(part + draw(st.sampled_from(SPACES)) for part in parts)
    return text.upper() if draw(st.integers(0, 4)) == 0 else text


@settings(max_examples=500, deadline=None)
@given(
    sentences=st.lists(deadline_like_sentence(), min_size=1, max_size=4),
    published=st.one_of(st.none(), st.just(PUBLISHED)),
)
def test_the_prefilter_never_drops_a_deadline(sentences: list[str], published: date | None) -> None:
    text = ". ".join(sentences)
    assert deadlines(text, published) == full_analysis(text, published)


def every_test_text() -> list[str]:
    """The sentences of this module's examples and of the seed articles."""
    texts = [text for text in CASES]
    for name in (
        "test_english_deadlines_resolve",
        "test_an_expired_deadline_resolves_to_the_past",
        "test_serbian_and_albanian_deadlines_resolve",
        "test_a_deadline_without_a_date_is_kept_unresolved",
        "test_times_that_are_not_deadlines",
    ):
        for mark in globals()[name].pytestmark:
            texts += [case[0] if isinstance(case, tuple) else case for case in mark.args[1]]
    for article in ARTICLES:
        body = (SEEDS / article["file"]).read_text(encoding="utf-8")
        texts.append(compose_text(article["title"], body))
    return texts


@pytest.mark.parametrize("published", [PUBLISHED, None])
def test_the_prefilter_agrees_with_the_full_analysis_on_every_example(
    published: date | None,
) -> None:
    for text in every_test_text():
        sentences = split_sentences(text, has_title=False)
        assert find_deadlines(sentences, published=published) == _find(sentences, published)
        for sentence in sentences:  # each sentence alone, too
            assert find_deadlines([sentence], published=published) == _find([sentence], published)


def test_the_prefilter_skips_sentences_without_a_cue_or_a_time() -> None:
    sentences = split_sentences(
        "Police patrolled the town. The mayor demanded calm. The deadline is 1 December. "
        "Officials told reporters on Monday that talks would resume. "
        "Officials told the Serbs to leave by Monday. The talks were delayed by two weeks. "
        "The ban, he said, expired.",
        has_title=False,
    )
    kept = _candidates(sentences)
    assert kept is not None
    # No cue; a cue without a time; a deadline word; a cue and a weekday after no deadline
    # preposition; a cue and a weekday after one; a cue and a count; an expiry.
    assert [s.index for s in kept] == [2, 4, 5, 6]


def test_a_text_containing_the_separator_is_analysed_in_full() -> None:
    text = (
        "Officials said\x00 the deadline is 1 December. Pristina postponed the fines by 48 hours."
    )
    sentences = split_sentences(text, has_title=False)
    assert _candidates(sentences) is None
    assert [d.due for d in find_deadlines(sentences, published=PUBLISHED)] == [
        date(2022, 12, 1),
        date(2022, 11, 24),
    ]


def test_characters_read_without_folding_fold_to_punctuation() -> None:
    for char in _FOLDS_TO_PUNCTUATION:
        assert not any(c.isalnum() for c in fold(char)), char
    for letter, folded in _LATIN_LETTERS:
        assert folded == fold(letter) and folded.isascii()


@settings(max_examples=500, deadline=None)
@given(
    sentence=st.one_of(
        deadline_like_sentence(),
        st.lists(st.sampled_from(PIECES + LINKS.split() + TIMES), max_size=14).map(" ".join),
    )
)
def test_a_sentence_the_prefilter_test_rejects_holds_no_deadline(sentence: str) -> None:
    scanned = _SEPARATOR + fold(sentence)
    if _hint(scanned, 0) < 0:
        assert full_analysis(sentence, PUBLISHED) == []
        assert full_analysis(sentence, None) == []


def test_the_prefilter_keeps_every_cue_with_every_time_expression() -> None:
    for cue in CUES:
        for link in ("by", "until", "within", "for", "in the next", "do", "deri më", "u roku od"):
            for time_expression in TIMES:
                for text in (
                    f"Officials {cue} the fines {link} {time_expression}.",
                    f"{link.capitalize()} {time_expression}, officials {cue} it.",
                ):
                    assert deadlines(text) == full_analysis(text, PUBLISHED), text


@pytest.mark.parametrize(
    "unit", ["They must leave by Friday and ", "must within 48 hours ", "rok od 60 dana "]
)
def test_in_a_long_sentence_each_time_is_weighed_only_against_the_cues_near_it(
    unit: str,
) -> None:
    # 20 KB without a full stop: weighing every cue against every time expression took
    # minutes. Only cues within reach (in words) of an expression are weighed.
    from indicators.deadlines import (
        _ANY_CUE,
        _FAMILY,
        _MAX_CUE_DISTANCE,
        _Cue,
        _expressions,
        _merged,
        _WordStarts,
    )

    folded = (unit * 800).lower()
    cues = _merged(
        folded, [_Cue(m.start(), m.end(), _FAMILY[m.lastgroup]) for m in _ANY_CUE.finditer(folded)]
    )
    words = _WordStarts(folded, cues)
    expressions = _expressions(folded)
    assert len(cues) >= 800 and len(expressions) >= 800
    reach = 2 * (_MAX_CUE_DISTANCE + 2)  # cues are a word or more apart
    assert max(len(words.cues_near(expr)) for expr in expressions) <= reach
