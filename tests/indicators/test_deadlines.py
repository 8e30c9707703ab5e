"""Deadline phrases found in sentences and resolved against the published date."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.deadlines import find_deadlines, next_occurrence
from indicators.text import split_sentences
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
