"""Negation, hedging and history around one match in one sentence."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.context import CHECKS, ContextVerdict, classify_context
from indicators.types import Status

PUBLISHED = date(2022, 11, 22)
EVENT, BACKGROUND = Status.EVENT, Status.BACKGROUND


def verdict(
    sentence: str,
    match: str,
    *,
    published: date | None = PUBLISHED,
    previous: str | None = None,
    checks: frozenset[str] = CHECKS,
    lang: str | None = None,
) -> ContextVerdict:
    """Classify the first occurrence of ``match`` (case-insensitive) in ``sentence``."""
    start = sentence.lower().find(match.lower())
    assert start >= 0, f"{match!r} not in {sentence!r}"
    return classify_context(
        sentence,
        start,
        start + len(match),
        published=published,
        previous=previous,
        checks=checks,
        lang=lang,
    )


def assert_verdict(found: ContextVerdict, status: Status, reason: str | None) -> None:
    assert found.status is status, found
    if reason is None:
        assert found.reasons == ()
    else:
        assert any(reason in r for r in found.reasons), found.reasons


# --- negation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "match", "status", "reason"),
    [
        ("No one was hurt.", "hurt", BACKGROUND, 'negated by "No one"'),
        ("Nobody was injured in the blast.", "injured", BACKGROUND, 'negated by "Nobody"'),
        ("Serbia did not deploy troops to the border.", "deploy troops", BACKGROUND, '"not"'),
        ("Troops were not deployed to the boundary line.", "Troops", BACKGROUND, '"not"'),
        ("The army hasn't sent soldiers north.", "sent soldiers", BACKGROUND, '"hasn\'t"'),
        ("Belgrade denied that troops had crossed the line.", "troops", BACKGROUND, '"denied"'),
        ("Pristina has never used force in the north.", "used force", BACKGROUND, '"never"'),
        ("The stand-off ended without casualties.", "casualties", BACKGROUND, '"without"'),
        ("No shots were fired at the crossing.", "shots were fired", BACKGROUND, '"No"'),
        ("Serbia refused to withdraw its units.", "withdraw", BACKGROUND, '"refused to"'),
        ("Neither side moved armour to the border.", "moved armour", BACKGROUND, '"Neither"'),
        # Scope: the negation belongs to another clause.
        ("Police arrested 23 people; no one was hurt.", "arrested", EVENT, None),
        ("Police arrested 23 people, but nobody was hurt.", "arrested", EVENT, None),
        ("No one was hurt and police arrested 23 people.", "arrested", EVENT, None),
        ("Nobody was hurt when gunmen fired on the patrol.", "fired", EVENT, None),
        ("Gunmen opened fire without warning.", "opened fire", EVENT, None),
        # Not a negation at all.
        ("Not only troops but tanks moved to the border.", "tanks moved", EVENT, None),
        ("The clashes were, no doubt, the worst in years.", "clashes", EVENT, None),
        ("Never before had police raided the town.", "raided", EVENT, None),
    ],
)
def test_negation_en(sentence: str, match: str, status: Status, reason: str | None) -> None:
    assert_verdict(verdict(sentence, match), status, reason)


@pytest.mark.parametrize(
    ("sentence", "match", "lang", "status", "reason"),
    [
        ("Niko nije povređen u napadu.", "povređen", "sr", BACKGROUND, '"Niko"'),
        ("Нико није повређен у нападу.", "повређен", None, BACKGROUND, '"Нико"'),
        ("Vojska nije raspoređena na granici.", "raspoređena", "sr", BACKGROUND, '"nije"'),
        ("Policija je privela 12 ljudi, niko nije ranjen.", "privela", "sr", EVENT, None),
        ("Incident je prošao bez žrtava.", "žrtava", None, BACKGROUND, '"bez"'),
        ("Askush nuk u plagos gjatë protestës.", "plagos", "sq", BACKGROUND, '"Askush"'),
        ("Policia nuk arrestoi asnjë protestues.", "arrestoi", None, BACKGROUND, '"nuk"'),
        ("Ushtria s'u dërgua në kufi.", "dërgua", "sq", BACKGROUND, '"s\'"'),
        # Albanian "në" ("in") folds to the Serbian negator "ne"; it must not negate.
        ("Policia arrestoi 23 persona në veri.", "arrestoi", None, EVENT, None),
        ("Policia arrestoi 23 persona në veri.", "arrestoi", "sq", EVENT, None),
    ],
)
def test_negation_sr_sq(
    sentence: str, match: str, lang: str | None, status: Status, reason: str | None
) -> None:
    assert_verdict(verdict(sentence, match, lang=lang), status, reason)


def test_negation_cue_inside_the_match_span() -> None:
    sentence = "No one was hurt."
    # The rule matched "one ... hurt": the negator overlaps the match.
    found = classify_context(sentence, 3, 15, published=PUBLISHED)
    assert_verdict(found, BACKGROUND, 'negated by "No one"')


# --- hedging ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "match", "status", "reason"),
    [
        ("Russia could push Serbia into an armed conflict.", "armed conflict", BACKGROUND, "could"),
        ("The dispute might trigger clashes in the north.", "clashes", BACKGROUND, '"might"'),
        ("The row may spark violence, Borrell said.", "violence", BACKGROUND, '"may"'),
        ("Violence in the north would drag in NATO troops.", "Violence", BACKGROUND, '"would"'),
        ("If troops cross the line, Serbia will strike back.", "strike back", BACKGROUND, '"If"'),
        ("Should the situation escalate, the army will move.", "army will move", BACKGROUND,
         '"Should"'),
        ("Serbia will intervene unless NATO protects the Serbs.", "protects", BACKGROUND,
         '"unless"'),
        ("A full-scale invasion is unlikely at this stage.", "invasion", BACKGROUND, "unlikely"),
        ("It is feared the war may become the backdrop for violence.", "violence", BACKGROUND,
         '"feared"'),
        ("Officials see a risk of armed clashes.", "armed clashes", BACKGROUND, "risk of"),
        ("Belgrade threatened to send troops into Kosovo.", "send troops", BACKGROUND,
         "threatened to"),
        ("The minister urged police to clear the roadblocks.", "clear the roadblocks", BACKGROUND,
         '"urged"'),
        ("Kosovo plans to deploy special police units.", "deploy special police", BACKGROUND,
         "plans to"),
        ("NATO said its troops are ready to protect freedom of movement.", "protect", BACKGROUND,
         "ready to"),
        # A reported decision is not a hypothesis.
        ("Kosovo announced it would postpone the fines.", "postpone", EVENT, None),
        ("Police arrested 23 people and said more raids could follow.", "arrested", EVENT, None),
        # The opening clause's hedge does not reach the main clause.
        ("Although war may be unlikely, troops were deployed on Monday.", "troops were deployed",
         EVENT, None),
    ],
)  # fmt: skip
def test_hedging_en(sentence: str, match: str, status: Status, reason: str | None) -> None:
    assert_verdict(verdict(sentence, match), status, reason)


@pytest.mark.parametrize(
    "sentence", ["In May police raided three villages.", "Police raided three villages on May 5."]
)
def test_may_the_month_is_not_may_the_modal(sentence: str) -> None:
    assert verdict(sentence, "raided", published=date(2022, 5, 20)) == ContextVerdict(EVENT, ())


@pytest.mark.parametrize(
    ("sentence", "match", "lang", "status", "reason"),
    [
        ("Vojska bi mogla biti raspoređena na granici.", "raspoređena", "sr", BACKGROUND, '"bi"'),
        ("Ako Priština pošalje policiju, Srbija će reagovati.", "pošalje policiju", "sr",
         BACKGROUND, '"Ako"'),
        ("Ukoliko dođe do sukoba, Beograd će intervenisati.", "sukoba", None, BACKGROUND,
         '"Ukoliko"'),
        ("Ushtria mund të dërgohet në kufi.", "dërgohet", "sq", BACKGROUND, '"mund"'),
        ("Nëse policia hyn në veri, do të ketë përplasje.", "përplasje", None, BACKGROUND,
         '"Nëse"'),
        # Serbian "bi" means nothing in English text.
        ("Police raided a bi-weekly market in the north.", "raided", "en", EVENT, None),
    ],
)  # fmt: skip
def test_hedging_sr_sq(
    sentence: str, match: str, lang: str | None, status: Status, reason: str | None
) -> None:
    assert_verdict(verdict(sentence, match, lang=lang), status, reason)


# --- history ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "match", "published", "status", "reason"),
    [
        ("A NATO intervention in 1999 ended the war.", "intervention", PUBLISHED, BACKGROUND,
         'history: "in 1999"'),
        ("The bloodiest conflict was in 1998-1999, leaving 14,000 dead.", "14,000 dead",
         PUBLISHED, BACKGROUND, '"in 1998-1999"'),
        ("NATO bombed Serbian positions in the 1990s.", "bombed", PUBLISHED, BACKGROUND,
         "1990s"),
        ("Barricades went up in 2020.", "Barricades", date(2022, 6, 1), BACKGROUND, "in 2020"),
        # The previous year is history, unless a month makes it recent.
        ("Barricades went up in 2021.", "Barricades", date(2022, 1, 15), BACKGROUND, "2021"),
        ("Barricades went up in December 2021.", "Barricades", date(2022, 1, 15), EVENT, None),
        ("Barricades went up in December 2021.", "Barricades", date(2022, 6, 15), BACKGROUND,
         "December 2021"),
        ("Troops were put on alert last December.", "Troops", date(2023, 3, 25), BACKGROUND,
         "last December"),
        ("Troops were put on alert last December.", "Troops", date(2023, 1, 10), EVENT, None),
        ("In February the president bought an air-defence system.", "bought", PUBLISHED,
         BACKGROUND, "February"),
        ("It was only seven years ago that Russia invaded Crimea.", "invaded", PUBLISHED,
         BACKGROUND, "seven years ago"),
        ("Russia annexed Crimea a decade ago.", "annexed", PUBLISHED, BACKGROUND, "decade ago"),
        ("The two states previously clashed in the Balkan wars.", "clashed", PUBLISHED,
         BACKGROUND, '"previously"'),
        ("Peacekeepers have been stationed there since the war.", "stationed", PUBLISHED,
         BACKGROUND, "since the war"),
        ("Prior protests have turned deadly.", "deadly", PUBLISHED, BACKGROUND, '"Prior"'),
        ("Russia massed its forces, just as it did before the 2014 annexation.", "massed",
         PUBLISHED, EVENT, None),
        # Recent words override.
        ("Police raided the town this week, the first raid since 1999.", "raided", PUBLISHED,
         EVENT, None),
        ("Tensions rose again last month when police arrested five men.", "arrested", PUBLISHED,
         EVENT, None),
        ("A week ago, Kosovo sanctioned the militia.", "sanctioned", PUBLISHED, EVENT, None),
        ("Talks collapsed on Monday.", "collapsed", PUBLISHED, EVENT, None),
        # A history marker in a later relative clause does not date the match.
        ("A raid has reignited the conflict which saw NATO bomb Serbia in the 1990s.", "raid",
         PUBLISHED, EVENT, None),
        # A date in the future is not history.
        ("Kosovo will deploy police in 2024.", "deploy police", date(2023, 3, 1), EVENT, None),
        # Counts are not years.
        ("Some 2000 troops massed near the border.", "troops massed", PUBLISHED, EVENT, None),
    ],
)  # fmt: skip
def test_history_en(
    sentence: str, match: str, published: date, status: Status, reason: str | None
) -> None:
    assert_verdict(verdict(sentence, match, published=published), status, reason)


@pytest.mark.parametrize(
    ("sentence", "match", "status", "reason"),
    [
        ("Barricades went up in 2020.", "Barricades", EVENT, None),
        ("Barricades went up in the past.", "Barricades", BACKGROUND, "in the past"),
        ("Barricades went up years ago.", "Barricades", BACKGROUND, "years ago"),
        ("Barricades went up, as they had previously.", "Barricades", EVENT, None),
        ("Barricades previously went up in Mitrovica.", "went up", BACKGROUND, "previously"),
    ],
)
def test_history_without_published_date_counts_only_explicit_phrases(
    sentence: str, match: str, status: Status, reason: str | None
) -> None:
    assert_verdict(verdict(sentence, match, published=None), status, reason)


@pytest.mark.parametrize(
    ("sentence", "match", "status", "reason"),
    [
        ("Policija je upala u selo tokom rata.", "upala", BACKGROUND, "tokom rata"),
        ("Vojska je pre deset godina bila na granici.", "Vojska", BACKGROUND, "pre deset godina"),
        ("Barikade su podignute prošle godine.", "Barikade", BACKGROUND, "prošle godine"),
        ("Barikade su podignute juče.", "Barikade", EVENT, None),
        ("Policia hyri në veri gjatë luftës.", "hyri", BACKGROUND, "gjatë luftës"),
        ("Barrikadat u ngritën dje.", "Barrikadat", EVENT, None),
    ],
)
def test_history_sr_sq(sentence: str, match: str, status: Status, reason: str | None) -> None:
    assert_verdict(verdict(sentence, match), status, reason)


PREVIOUS = "Tensions came to a head again in December of last year."


def test_history_carries_over_from_the_previous_sentence() -> None:
    found = verdict(
        "Ethnic Serbs erected barricades in the divided city.",
        "barricades",
        published=date(2023, 3, 25),
        previous=PREVIOUS,
    )
    assert found == ContextVerdict(
        BACKGROUND, ('history (previous sentence): "December of last year"',)
    )


@pytest.mark.parametrize(
    ("sentence", "previous"),
    [
        # Present tense: not a continuation of the story told before.
        ("Ethnic Serbs are manning barricades in the divided city.", PREVIOUS),
        # The sentence has a time marker of its own.
        ("On Monday ethnic Serbs erected barricades in the city.", PREVIOUS),
        # The previous sentence ends on a recent marker.
        ("Ethnic Serbs erected barricades in the city.", "In 2019 tensions rose, and again today."),
        # The previous sentence's history word is not a date.
        ("Ethnic Serbs erected barricades in the city.", "He recalled the empire's past glory."),
    ],
)
def test_history_does_not_carry_over(sentence: str, previous: str) -> None:
    found = verdict(sentence, "barricades", published=date(2023, 3, 25), previous=previous)
    assert found.status is EVENT, found


# --- checks, reasons and inputs ----------------------------------------------------------


def test_checks_select_what_is_looked_at() -> None:
    sentence = "Belgrade threatened to send troops in 1999 but did not."
    assert verdict(sentence, "send troops").reasons == (
        'hedged by "threatened to"',
        'history: "in 1999"',
    )
    assert verdict(sentence, "send troops", checks=frozenset({"negation", "history"})).reasons == (
        'history: "in 1999"',
    )
    assert verdict(sentence, "send troops", checks=frozenset()).status is EVENT


def test_threat_with_hedging_disabled_is_an_event() -> None:
    found = verdict(
        "Vucic threatened to send troops into Kosovo.",
        "threatened to send troops",
        checks=frozenset({"negation", "history"}),
    )
    assert found == ContextVerdict(EVENT, ())


def test_reasons_quote_the_cue_as_written() -> None:
    assert verdict("“No one” was HURT.", "HURT").reasons == ('negated by "No one"',)
    assert verdict("Vučić’s army COULD move.", "move").reasons == ('hedged by "COULD"',)


def test_published_datetime_is_accepted() -> None:
    found = classify_context(
        "Barricades went up in 2020.", 0, 10, published=datetime(2022, 6, 1, 8, tzinfo=UTC)
    )
    assert found.status is BACKGROUND


def test_empty_match_span_at_the_sentence_end() -> None:
    sentence = "Police raided the town."
    assert classify_context(sentence, len(sentence), len(sentence), published=None).status is EVENT


# --- invariants -----------------------------------------------------------------------

CASES = [
    ("No one was hurt in the clash.", "hurt", BACKGROUND),
    ("Police arrested 23 people; no one was hurt.", "arrested", EVENT),
    ("Russia could push Serbia into an armed conflict.", "armed conflict", BACKGROUND),
    ("Kosovo announced it would postpone the fines.", "postpone", EVENT),
    ("A NATO intervention in 1999 ended the war.", "intervention", BACKGROUND),
    ("Police raided the town this week, the first raid since 1999.", "raided", EVENT),
    ("Niko nije povređen u napadu.", "povređen", BACKGROUND),
    ("Askush nuk u plagos gjatë protestës.", "plagos", BACKGROUND),
    ("Serbian armoured columns moved toward the border on Tuesday.", "armoured columns", EVENT),
]
QUOTES = str.maketrans({"'": "’", '"': "”"})


def respace(sentence: str, spaces: list[str]) -> tuple[str, list[int]]:
    """``sentence`` with its spaces replaced, and where each original offset went."""
    out: list[str] = []
    moved: list[int] = []
    extra = iter(spaces)
    length = 0
    for char in sentence:
        moved.append(length)
        piece = next(extra, " ") if char == " " else char
        out.append(piece)
        length += len(piece)
    moved.append(length)
    return "".join(out), moved


@settings(max_examples=60, deadline=None)
@given(
    case=st.sampled_from(CASES),
    upper=st.booleans(),
    curly=st.booleans(),
    spaces=st.lists(st.sampled_from([" ", "  ", "\t", " \u00a0", "\n"]), max_size=30),
)
def test_case_quotes_and_whitespace_never_change_the_verdict(
    case: tuple[str, str, Status], upper: bool, curly: bool, spaces: list[str]
) -> None:
    sentence, match, status = case
    start = sentence.find(match)
    rebuilt, moved = respace(sentence, spaces)
    if upper:
        rebuilt = rebuilt.upper()
    if curly:
        rebuilt = rebuilt.translate(QUOTES)
    found = classify_context(rebuilt, moved[start], moved[start + len(match)], published=PUBLISHED)
    assert found.status is status, (rebuilt, found)


@settings(max_examples=40, deadline=None)
@given(case=st.sampled_from(CASES), prefix=st.sampled_from(["", "Meanwhile, ", "“", "(AP) "]))
def test_offsets_are_relative_to_the_sentence_as_given(
    case: tuple[str, str, Status], prefix: str
) -> None:
    sentence, match, status = case
    if prefix and prefix[0].isalpha():
        sentence = sentence[0].lower() + sentence[1:]
    text = prefix + sentence
    start = text.find(match)
    found = classify_context(text, start, start + len(match), published=PUBLISHED)
    assert found.status is status, (text, found)
