"""Negation, hedging and history around one match in one sentence."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import context
from indicators.context import CHECKS, ContextVerdict, classify_context
from indicators.text import normalize, split_sentences
from indicators.types import Status, compose_text

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
        # Prevention negates; a negated prevention does not.
        ("Peacekeepers prevented clashes at the bridge.", "clashes", BACKGROUND, "prevented"),
        ("Police foiled an attack on the monastery.", "attack", BACKGROUND, '"foiled"'),
        ("Peacekeepers failed to prevent clashes at the bridge.", "clashes", EVENT, None),
        ("Police did not stop the violence.", "violence", EVENT, None),
        ("Police could not contain the rioters.", "rioters", EVENT, None),
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
        # "Without" negates its own object only; "ostao bez" (lost) is no negation.
        ("Trucks without plates were blocking the bridge.", "blocking the bridge", "en", EVENT,
         None),
        ("Policajac je ostao bez palca u eksploziji.", "palca", "sr", EVENT, None),
        ("Vojska je pozvala rezerviste u jedinice.", "rezerviste", "sr", EVENT, None),
        ("Askush nuk u plagos gjatë protestës.", "plagos", "sq", BACKGROUND, '"Askush"'),
        ("Policia nuk arrestoi asnjë protestues.", "arrestoi", None, BACKGROUND, '"nuk"'),
        ("Ushtria s'u dërgua në kufi.", "dërgua", "sq", BACKGROUND, '"s\'"'),
        # Albanian "në" ("in") folds to the Serbian negator "ne"; it must not negate.
        ("Policia arrestoi 23 persona në veri.", "arrestoi", None, EVENT, None),
        ("Policia arrestoi 23 persona në veri.", "arrestoi", "sq", EVENT, None),
        # Refusals and denials.
        ("Priština je odbila da odloži primenu uredbe.", "odloži", "sr", BACKGROUND,
         '"odbila da"'),
        ("Ministri ka mohuar se Serbia po grumbullon trupa.", "grumbullon trupa", "sq",
         BACKGROUND, '"mohuar"'),
        ("Kosova refuzoi të shtyjë afatin.", "shtyjë afatin", "sq", BACKGROUND, '"refuzoi"'),
        ("Votimi u zhvillua pa bllokime rrugësh.", "bllokime", "sq", BACKGROUND,
         '"pa bllokime"'),
    ],
)  # fmt: skip
def test_negation_sr_sq(
    sentence: str, match: str, lang: str | None, status: Status, reason: str | None
) -> None:
    assert_verdict(verdict(sentence, match, lang=lang), status, reason)


def test_negation_cue_inside_the_match_span() -> None:
    sentence = "No one was hurt."
    # The rule matched "one ... hurt": the negator overlaps the match.
    found = classify_context(sentence, 3, 15, published=PUBLISHED)
    assert_verdict(found, BACKGROUND, 'negated by "No one"')


@pytest.mark.parametrize(
    ("sentence", "match", "status", "reason"),
    [
        # a negator that starts with the match's last word is the rule's own wording
        ("Peace talks failed to defuse the crisis.", "talks failed", EVENT, None),
        ("Mediators said the talks failed to produce a deal.", "talks failed", EVENT, None),
        # ... but one inside the match, at its start or before it still negates
        ("Peace talks failed to resume.", "talks failed to resume", BACKGROUND, "failed to"),
        ("The talks did not fail.", "talks did not fail", BACKGROUND, '"not"'),
        ("No one was hurt.", "No one was hurt", BACKGROUND, '"No one"'),
        ("Serbia refused to withdraw.", "refused", BACKGROUND, '"refused to"'),
    ],
)
def test_negator_among_the_match_words(
    sentence: str, match: str, status: Status, reason: str | None
) -> None:
    assert_verdict(verdict(sentence, match), status, reason)


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
        ("Police held a man suspected of planning an attack.", "attack", BACKGROUND,
         "suspected of"),
        ("Police held a man suspected of planning an attack.", "held a man", EVENT, None),
        ("Pristina has asked NATO to deploy more troops.", "deploy more troops", BACKGROUND,
         "asked NATO to"),
        ("Belgrade is considering sending troops.", "sending troops", BACKGROUND, "considering"),
        ("Kurti accused Belgrade of plotting attacks.", "attacks", BACKGROUND, "accused"),
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


def test_may_in_a_title_case_headline_is_the_modal() -> None:
    found = verdict("Violence May Erupt In North Kosovo", "Violence")
    assert found == ContextVerdict(BACKGROUND, ('hedged by "May"',))


@pytest.mark.parametrize(
    ("sentence", "match", "status"),
    [
        # The first clause dates the match; the later "previously" belongs elsewhere.
        ("Kosovo announced it would postpone the fines, after previously extending them.",
         "postpone the fines, after previously extending", EVENT),
        # A negation in a later clause does not reach back into the match.
        ("Police arrested 23 people; no one was hurt.", "arrested 23 people; no one", EVENT),
    ],
)  # fmt: skip
def test_a_match_over_several_clauses_is_judged_by_its_first(
    sentence: str, match: str, status: Status
) -> None:
    assert verdict(sentence, match, checks=frozenset({"negation", "history"})).status is status


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
        # Demands that something happen; searching for someone is no demand.
        ("Blinken i kërkoi Vuçiqit tërheqjen e trupave.", "tërheqjen", "sq", BACKGROUND,
         '"i kërkoi"'),
        ("SAD traže od Prištine da odloži primenu uredbe.", "odloži", "sr", BACKGROUND,
         '"traže od"'),
        ("Policija traži napadače posle pucnjave.", "pucnjave", "sr", EVENT, None),
        # "BiH" is Bosnia and Herzegovina, not the conditional "bih".
        ("Vojska BiH je stavljena u pripravnost.", "stavljena", "sr", EVENT, None),
        ("Војска БиХ је стављена у приправност.", "стављена", "sr", EVENT, None),
        ("Ja bih poslao vojsku.", "poslao", "sr", BACKGROUND, '"bih"'),
        ("Rifillimi i bisedimeve është i pamundur.", "Rifillimi i bisedimeve", "sq", BACKGROUND,
         '"është i pamundur"'),
        ("Any attempt to arrest him would be an attack.", "arrest", "en", BACKGROUND,
         '"Any attempt"'),
        ("EUFOR can reinforce quickly if needed.", "reinforce", "en", BACKGROUND, '"if needed"'),
        ("A resumption of the talks is impossible now.", "resumption", "en", BACKGROUND,
         '"is impossible"'),
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
        ("Police arrested the former commander of the unit.", "arrested", PUBLISHED, EVENT, None),
        ("Russia massed its forces, just as it did before the 2014 annexation.", "massed",
         PUBLISHED, EVENT, None),
        # "The worst ... since": a comparison made now.
        ("It was the worst violence since 2004.", "violence", PUBLISHED, EVENT, None),
        ("It was the first raid since the war.", "raid", PUBLISHED, EVENT, None),
        ("Clashes not seen since 2004 erupted in the north.", "Clashes", PUBLISHED, EVENT, None),
        ("Najgore nasilje od 2004. godine potreslo je sever.", "nasilje", PUBLISHED, EVENT, None),
        ("Peacekeepers have been stationed there since 1999.", "stationed", PUBLISHED, BACKGROUND,
         "since 1999"),
        # Recent words override.
        ("Police raided the town this week, the first raid since 1999.", "raided", PUBLISHED,
         EVENT, None),
        ("Tensions rose again last month when police arrested five men.", "arrested", PUBLISHED,
         EVENT, None),
        ("A week ago, Kosovo sanctioned the militia.", "sanctioned", PUBLISHED, EVENT, None),
        ("Talks collapsed on Monday.", "collapsed", PUBLISHED, EVENT, None),
        ("The army logged dozens of violations in the past week.", "violations", PUBLISHED,
         EVENT, None),
        ("Such violations were common in the past.", "violations", PUBLISHED, BACKGROUND,
         '"in the past"'),
        # A full date is judged as a whole: this one is still to come, not last April's.
        ("The deadline expires on 21 April 2023, after which cars are seized.", "deadline",
         PUBLISHED, EVENT, None),
        ("Rok ističe 21. aprila 2023, nakon čega će vozila biti oduzimana.", "Rok", PUBLISHED,
         EVENT, None),
        # A day without a year after "by", "from", "od" may be next year's (published in
        # November: the coming January), not one ten months back; after "on" it is past.
        ("Serbs have put up barricades until January 5.", "barricades", PUBLISHED, EVENT, None),
        ("Kazne za vozila važe od 5. januara.", "Kazne", PUBLISHED, EVENT, None),
        ("Serbs put up barricades on January 5.", "barricades", PUBLISHED, BACKGROUND,
         "January 5"),
        ("The deadline expired on 21 April 2021.", "deadline", PUBLISHED, BACKGROUND,
         "April 2021"),
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
        ("Vašington je dan ranije saopštio da prati gomilanje trupa.", "gomilanje", EVENT, None),
        ("Uashingtoni tha një ditë më parë se po monitoron grumbullimin.", "grumbullimin", EVENT,
         None),
        ("Srbija obeležava 26 godina od NATO bombardovanja.", "bombardovanja", BACKGROUND,
         "godina od"),
        ("Четврт века од Кумановског споразума и бомбардовања.", "бомбардовања", BACKGROUND,
         "Четврт века од"),
        ("25 vjet nga masakra e Reçakut.", "masakra", BACKGROUND, "vjet nga"),
    ],
)  # fmt: skip
def test_history_sr_sq(sentence: str, match: str, status: Status, reason: str | None) -> None:
    assert_verdict(verdict(sentence, match), status, reason)


def test_would_in_a_reported_that_clause_is_a_statement() -> None:
    sentence = (
        "Vucic said 52 Serbs had been injured and that the army would remain on the"
        " highest level of combat readiness."
    )
    assert_verdict(verdict(sentence, "combat readiness", lang="en"), EVENT, None)
    assert_verdict(
        verdict("He warned the army would be put on combat readiness.", "combat readiness"),
        BACKGROUND,
        '"would"',
    )


def test_years_since_dates_what_follows_it() -> None:
    assert_verdict(
        verdict("Sirens mark 25 years since the NATO bombing.", "bombing"),
        BACKGROUND,
        "years since",
    )
    # It dates the words right after it even when the clause also says when the
    # anniversary was marked.
    assert_verdict(
        verdict("Србија је у недељу обележила 25 година од почетка бомбардовања.", "бомбардовања"),
        BACKGROUND,
        "година од",
    )
    # But not a match further on.
    assert_verdict(
        verdict(
            "On the day that marked 25 years since the bombing, police in the city raided"
            " two houses on Sunday.",
            "raided",
        ),
        EVENT,
        None,
    )


@pytest.mark.parametrize(
    ("sentence", "match", "status"),
    [
        ("Serbia marked the anniversary of the NATO bombing with sirens.", "bombing", BACKGROUND),
        ("Police arrested three men at a rally marking the anniversary of the bombing.",
         "arrested", EVENT),
        ("Обележена је годишњица НАТО бомбардовања.", "бомбардовања", BACKGROUND),
        ("U përkujtua përvjetori i masakrës së Reçakut.", "masakrës", BACKGROUND),
    ],
)  # fmt: skip
def test_an_anniversary_dates_only_what_it_names(sentence: str, match: str, status: Status) -> None:
    assert verdict(sentence, match).status is status


def test_years_after_dates_only_what_it_names() -> None:
    sentence = "Two years after the attack, Kosovo deployed special police to the north."
    assert_verdict(verdict(sentence, "attack"), BACKGROUND, "years after")
    assert_verdict(verdict(sentence, "deployed"), EVENT, None)
    assert_verdict(
        verdict("The embassy reopened 18 months after the deadly attack.", "attack"),
        BACKGROUND,
        "18 months after",
    )


def test_an_inserted_reporting_clause_does_not_cut_the_clause_around_it() -> None:
    sentence = "A drone, it added, had not crossed into the airspace."
    assert_verdict(verdict(sentence, "drone"), BACKGROUND, '"not"')
    assert_verdict(
        verdict("Dron, rekao je ministar, nije ušao u vazdušni prostor.", "Dron", lang="sr"),
        BACKGROUND,
        '"nije"',
    )
    # A comma that ends a clause still does.
    assert_verdict(verdict("No one was hurt, and troops were deployed.", "deployed"), EVENT, None)


@pytest.mark.parametrize(
    ("sentence", "match", "status"),
    [
        ("Will Serbia send troops to the border?", "troops", BACKGROUND),
        ("Analysis: Can the mission survive the gang offensive?", "offensive", BACKGROUND),
        ("Da li će vojska ući na sever?", "vojska", BACKGROUND),
        ("Analizë: A do të rikthehen barrikadat në veri?", "barrikadat", BACKGROUND),
        # A question that takes the event as given, and a statement.
        ("Who fired the shots at the police?", "fired the shots", EVENT),
        ("Serbia sent troops to the border.", "troops", EVENT),
    ],
)
def test_a_yes_no_question_is_hypothetical(sentence: str, match: str, status: Status) -> None:
    assert verdict(sentence, match).status is status


def test_a_comma_inside_a_number_cuts_no_clause() -> None:
    sentence = "Aircraft violated the airspace more than 4,000 times last year."
    assert_verdict(
        verdict(sentence, "violated", published=date(2021, 3, 17)), BACKGROUND, "last year"
    )


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Sarajevo remembers 30 years since start of siege", "years since"),
        ("Five years after Tigray war began, survivors wait", "years after"),
        ("Guyana marks the anniversary of the Geneva Agreement", "anniversary"),
        ("Србија обележава 26 година од почетка бомбардовања", "година од"),
        ("Dve decenije od martovskog pogroma na Kosovu", "decenije od"),
        ("Na današnji dan potpisan je Kumanovski sporazum", "Na današnji dan"),
        ("25 vjet nga masakra e Reçakut", "vjet nga"),
        ("Përvjetori i sulmit në Banjskë", "Përvjetori"),
        ("Ten years\n since the crisis", "years\n since"),  # whitespace as written
    ],
)
def test_retrospective_cue_is_quoted_as_written(text: str, cue: str) -> None:
    assert context.retrospective_cue(normalize(text)) == cue


def test_retrospective_cue_looks_only_between_the_bounds_given() -> None:
    norm = normalize("Police raid two villages. Ten years since the crisis.")
    assert context.retrospective_cue(norm, 0, 25) is None
    assert context.retrospective_cue(norm, 26) == "years since"


@pytest.mark.parametrize(
    "text",
    [
        "Man held over attack two years ago",  # an arrest now, about an old attack
        "Kosovo police raid Serb villages after clashes",
        "Police arrest 12 after 48 hours of protests",
    ],
)
def test_current_news_is_no_retrospective(text: str) -> None:
    assert context.retrospective_cue(normalize(text)) is None


@pytest.mark.parametrize(
    ("sentence", "match", "lang", "status"),
    [
        # The old story, told without a date of its own: history.
        ("More than 11,000 people were killed by shelling.", "killed", "en", BACKGROUND),
        ("U bombardovanju je poginulo oko 2.500 civila.", "poginulo", "sr", BACKGROUND),
        # What happens now, even in an item that looks back: an event.
        ("Police detained two men at the ceremony on Sunday.", "detained", "en", EVENT),
        ("Police are guarding the memorial.", "guarding", "en", EVENT),
        ("Policija je danas privela dvojicu muškaraca.", "privela", "sr", EVENT),
    ],
)
def test_an_item_that_looks_back_dates_its_undated_past(
    sentence: str, match: str, lang: str, status: Status
) -> None:
    start = sentence.find(match)
    found = classify_context(
        sentence, start, start + len(match), published=PUBLISHED, lang=lang, frame="30 years since"
    )
    assert found.status is status
    if status is BACKGROUND:
        assert found.reasons == ('history (the item looks back: "30 years since")',)
    # Without the frame the same sentence is an event.
    unframed = classify_context(sentence, start, start + len(match), published=PUBLISHED, lang=lang)
    assert unframed.status is EVENT


PREVIOUS = "Tensions came to a head again in December of last year."


@pytest.mark.parametrize(
    ("sentence", "match", "lang"),
    [
        ("The former police officer was arrested at the crossing.", "arrested", None),
        ("A former senior army commander was detained on Monday.", "detained", "en"),
        ("The former prime minister was questioned as troops deployed.", "troops deployed", None),
        ("Bivši policajac uhapšen je na prelazu.", "uhapšen", None),
        ("Бивши министар ухапшен је на граници.", "ухапшен", "sr"),
        ("Ish-polici u arrestua në pikëkalim.", "arrestua", None),
        ("Ish-kryeministri u arrestua dje.", "arrestua", "sq"),
    ],
)
def test_a_former_person_does_not_make_the_event_history(
    sentence: str, match: str, lang: str | None
) -> None:
    assert_verdict(verdict(sentence, match, lang=lang), EVENT, None)


def test_a_weak_history_cue_about_no_person_still_counts() -> None:
    found = verdict("Troops were deployed, just as Russia did.", "Russia did")
    assert_verdict(found, BACKGROUND, 'history: "just as"')


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


@pytest.mark.parametrize("lang", ["sr", "sr-Latn", "hr", "bs", "sr_RS", None])
def test_serbo_croatian_language_codes_share_cues(lang: str | None) -> None:
    found = verdict("Nitko nije ozlijeđen, a vojska nije raspoređena.", "raspoređena", lang=lang)
    assert found.status is BACKGROUND


def test_language_limits_the_cue_words() -> None:
    # Serbian "ne" before an English word: a negation only when Serbian cues apply.
    sentence = "Vojska ne deploy troops."
    assert verdict(sentence, "deploy troops", lang="sr").status is BACKGROUND
    assert verdict(sentence, "deploy troops", lang="en").status is EVENT


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


# --- the seed articles ------------------------------------------------------------------

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
ARTICLES = {
    a["file"][:3]: a
    for a in json.loads((SEEDS / "labels.json").read_text(encoding="utf-8"))["articles"]
}


@pytest.mark.parametrize(
    ("article", "match", "status"),
    [
        ("000", "14,000 dead", BACKGROUND),  # 1998-1999
        ("000", "turned deadly", BACKGROUND),  # "Prior protests"
        ("000", "fire bombings have already taken place", EVENT),
        ("000", "postpone the £130 fines", EVENT),  # "announced it would"
        ("001", "erected barricades", BACKGROUND),  # "December of last year", one sentence back
        ("001", "Invasion doesn’t seem", BACKGROUND),
        ("001", "annexed Crimea", BACKGROUND),  # 2014
        ("001", "sanctioned the notorious private militia", EVENT),  # "A week ago"
        ("002", "was hurt", BACKGROUND),  # "No one"
        ("002", "firing guns into the air", EVENT),
        ("002", "NATO-led intervention in 1999", BACKGROUND),
        ("002", "peacekeeping troops in Kosovo have been deployed", EVENT),
        ("003", "early morning raid", EVENT),  # the 1990s are in a later relative clause
        ("003", "full combat alert", EVENT),
        ("003", "MiG-29s buzzing the border", EVENT),
        ("004", "troops have massed", EVENT),
        ("004", "deployed military close to the border", EVENT),
        ("004", "skirting Kosovo’s airspace", EVENT),
        ("004", "An attack could provoke", BACKGROUND),
        ("004", "Russia invaded and occupied Crimea", BACKGROUND),  # "seven years ago"
    ],
)
def test_seed_sentences_in_their_article(article: str, match: str, status: Status) -> None:
    labels = ARTICLES[article]
    text = compose_text(labels["title"], (SEEDS / labels["file"]).read_text(encoding="utf-8"))
    sentences = split_sentences(text, has_title=True)
    position = next(i for i, s in enumerate(sentences) if match in s.text)
    sentence = sentences[position].text
    previous = sentences[position - 1] if position > 0 else None
    start = sentence.index(match)
    found = classify_context(
        sentence,
        start,
        start + len(match),
        published=date.fromisoformat(labels["published"]),
        previous=previous.text if previous and not previous.is_title else None,
    )
    assert found.status is status, (sentence, found)


WORDS = """
no one was not hurt police arrested troops could may May if in 1999 the 1990s last year
December of this week on Monday previously ; , – ( ) “ ” nije niko bi ako në nuk mund s'ka
askush prevented failed to stop since worst would announced 2021 7 years ago
"""
VOCABULARY = WORDS.split()


@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=25),
    data=st.data(),
    published=st.one_of(st.none(), st.dates(date(1990, 1, 1), date(2040, 12, 31))),
    lang=st.sampled_from([None, "en", "sr", "sq", "de"]),
)
def test_any_sentence_and_span_give_a_verdict(
    words: list[str], data: st.DataObject, published: date | None, lang: str | None
) -> None:
    sentence = " ".join(words)
    start = data.draw(st.integers(0, len(sentence)))
    end = data.draw(st.integers(start, len(sentence)))
    previous = data.draw(st.one_of(st.none(), st.just(" ".join(reversed(words)))))
    found = classify_context(
        sentence, start, end, published=published, previous=previous, lang=lang
    )
    assert (found.status is BACKGROUND) == bool(found.reasons)
    assert all(r.startswith(("negated by", "hedged by", "history")) for r in found.reasons)


# --- shortcuts against the full checks -----------------------------------------------


def every_check(
    sentence: str,
    start: int,
    end: int,
    *,
    published: date | None,
    previous: str | None,
    checks: frozenset[str],
    lang: str | None,
) -> ContextVerdict:
    """The verdict with every check run in full: no skipped check, no shortcut for
    sentences without cues, the previous sentence analysed in full."""
    group = context._LANGUAGE_GROUPS.get((lang or "").lower().replace("_", "-").split("-")[0])
    analysis = context._analyse(sentence, published, group)
    folded_start = analysis.folded_offset(start)
    folded_end = max(folded_start, analysis.folded_offset(end))
    reasons = []
    if "negation" in checks and (cue := context._negated(analysis, folded_start, folded_end)):
        reasons.append(f'negated by "{cue.quote}"')
    if "hedging" in checks and (cue := context._hedged(analysis, folded_start, folded_end)):
        reasons.append(f'hedged by "{cue.quote}"')
    if "history" in checks:
        cue = context._history(analysis, folded_start, folded_end)
        if cue is not None:
            reasons.append(f'history: "{cue.quote}"')
        elif previous and not analysis.times and context._past_narrative(analysis.folded):
            full = context._analyse(previous, published, group)
            cue = context._carried_history(list(full.times))
            if cue is not None:
                reasons.append(f'history (previous sentence): "{cue.quote}"')
    return ContextVerdict(BACKGROUND if reasons else EVENT, tuple(reasons))


SUBSETS = [frozenset(s) for s in ({"negation"}, {"hedging"}, {"history"}, CHECKS, set())]
# Words that are no cue: most sentences have few cues, some none at all.
PLAIN = "troops police the town border clashes fled fired were shot attacked".split()  # noqa: SIM905
CUES = [*VOCABULARY, "2019", "March", "last month", "a decade ago", "in the past"]
SOME_WORDS = st.one_of(
    st.lists(
        st.one_of(st.sampled_from(PLAIN), st.sampled_from(PLAIN), st.sampled_from(CUES)),
        min_size=1,
        max_size=20,
    ),
    st.lists(st.sampled_from(CUES + PLAIN), min_size=1, max_size=20),
)


@settings(max_examples=500, deadline=None)
@given(
    words=SOME_WORDS,
    previous_words=st.one_of(st.none(), SOME_WORDS),
    data=st.data(),
    published=st.one_of(st.none(), st.dates(date(1990, 1, 1), date(2040, 12, 31))),
    checks=st.sampled_from(SUBSETS),
    lang=st.sampled_from([None, "en", "sr-Latn", "sq", "de", ""]),
)
def test_shortcuts_give_the_verdict_of_the_full_checks(
    words: list[str],
    previous_words: list[str] | None,
    data: st.DataObject,
    published: date | None,
    checks: frozenset[str],
    lang: str | None,
) -> None:
    sentence = " ".join(words)
    previous = " ".join(previous_words) if previous_words is not None else None
    start = data.draw(st.integers(0, len(sentence)))
    end = data.draw(st.integers(start, len(sentence)))
    arguments = {"published": published, "previous": previous, "checks": checks, "lang": lang}
    assert classify_context(sentence, start, end, **arguments) == every_check(
        sentence, start, end, **arguments
    )


def test_a_sentence_without_cues_inherits_history_only_when_it_narrates_the_past() -> None:
    previous = "The town was shelled in 1999."
    narrated = "Troops fled the town."
    present = "Troops are in the town."
    assert verdict(narrated, "fled", previous=previous).reasons == (
        'history (previous sentence): "in 1999"',
    )
    assert verdict(present, "Troops", previous=previous).status is EVENT
    # The answer is kept with the sentence; asking again gives the same.
    assert verdict(narrated, "fled", previous=previous).status is BACKGROUND
    assert verdict(present, "Troops", previous=previous).status is EVENT
    # What counts is the marker the previous sentence ends on, wherever it was found.
    assert verdict(narrated, "fled", previous="It was shelled in 1999 and last week.").status is (
        EVENT
    )
    assert verdict(narrated, "fled", previous="Last week it recalled 1999.").reasons == (
        'history (previous sentence): "1999"',
    )
