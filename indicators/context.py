"""Whether a match reports an event or only mentions one: negation, hedging, history.

:func:`classify_context` looks at one match in one sentence and returns
:attr:`Status.EVENT` unless a cue in the sentence makes the match background:

- negation scoped to the match's clause: "No one was hurt", "did not deploy",
  "denied that troops ...", "prevented clashes", "nije", "niko", "nuk",
  "askush". A negated prevention is not a negation: "failed to stop the
  violence" reports violence; nor is a negator that starts at the last word
  of the match, which is the rule's own wording ("talks failed" in "talks
  failed to resume");
- hedging: modals ("could", "might", "would" outside reported decisions),
  conditionals ("if", "unless", "Should the situation escalate, ..."), fears,
  threats, calls, plans, suspicions ("threatened to", "urged", "plans to",
  "suspected of"), "mogao", "ako", "mund", "nëse";
- history relative to the published date: years two or more back, the
  previous year, months that land more than about three months back,
  decades, "N years ago", "previously", "during the war", comparisons ("just
  as Russia did"); "former" says what a person was ("the former police
  officer was arrested"), not when the event happened. Recent markers ("this
  week", "on Monday", "last month") override history in their clause, and
  "the worst violence since 2004" is about now. A past-tense sentence with no
  time marker of its own inherits a date-like history marker that ends the
  previous sentence.

Scopes are clauses cut at punctuation and conjunctions, different for each
check: negation is narrow (it stops at commas), hedging spans commas,
history looks at the match's clause and the clauses before it. A match that
runs over several clauses is judged by the clause it starts in. All work is
done on folded text (:func:`indicators.text.normalize`, whitespace runs made
one space), so case, diacritics, script, quote style and spacing do not
matter. Given a ``memo`` (the engine passes a new one for each document), a
sentence is analysed once and shared by all its matches.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple, TypeVar

from indicators.alternation import WordAlternation, split_alternatives
from indicators.text import WORD_PATTERN, Normalized, word_texts
from indicators.timewords import Squeezed, dated_mentions, squeeze
from indicators.types import Status

__all__ = ["CHECKS", "ContextVerdict", "classify_context", "retrospective_cue"]

CHECKS = frozenset({"negation", "hedging", "history"})
RECENT_DAYS = 90  # a month that lands further back than this is history


@dataclass(frozen=True, slots=True)
class ContextVerdict:
    """Event or background, and the cues that decided it (quoted as written)."""

    status: Status
    reasons: tuple[str, ...] = ()


# --- cue vocabulary, per language (folded text) ---------------------------------


def _alternatives(words: str) -> str:
    """Regex alternatives written one per word (inside a word, ``\\s`` is a space)."""
    return "|".join(words.split())


_NEGATION = {
    "en": _alternatives(
        r"""
        no\sone(?!\sbut\b) nobody none(?!\sother\b) nothing(?!\s(?:but|less)\b) neither nor
        never(?!\sbefore\b)
        no(?!\s(?:doubt|less|more\sthan|later|sooner|matter|longer\sthan)\b)(?!\.\s?\d)
        not(?!\s(?:only|just|least|far|to\smention|more\sthan|until|less\sthan|(?:been\s)?seen)\b)
        cannot
        without den(?:ied|ies|y|ying) (?:refus|fail)(?:ed|es|e|s|ing)?\sto
        prevent(?:ed|s|ing)? avert(?:ed|s|ing)? foil(?:ed|s|ing)? thwart(?:ed|s|ing)?
        (?:stave[sd]?|staving|head(?:ed|s)?)\soff
        """
    ),
    "sr": _alternatives(
        r"""
        ne(?!\ssamo\b) nije nisu nisam nismo niste nema nemaju nece necemo niko nikoga nikome
        nista nijedan nijedna nijedno nijednog nijednu nikada nikad niti
        bez(?<!ostao\sbez)(?<!ostal[aeio]\sbez)(?!\sobzira\b)
        sprecen\w* sprecil\w* sprecio osujecen\w* osujetil\w*
        negira\w* demantova\w* odbi(?:o|la|li|le|lo|ja|jaju|jao|jala|jali)\sda
        """
    ),
    "sq": _alternatives(
        r"""
        nuk askush asnje asnjeri kurre mos jo(?!\svetem\b)
        pa\s(?:asnje|viktima|te\splagosur|te\svrare|incidente|bllokim\w*|dhune)
        moho(?:i|n|jne|ne)|mohu\w* refuzo\w* parandalu\w* parandaloi
        """
    ),
}
# Negators that can follow the match: "Shots were not fired", "troops have not been deployed".
_NEGATION_AFTER = {
    "en": r"not(?!\s(?:only|just|(?:been\s)?seen)\b)|never|no\slonger",
    "sr": r"ne|nije|nisu|nece",
    "sq": r"nuk|mos",
}
# Verbs of prevention: "prevented clashes" negates the clashes; a negator
# before one ("failed to stop the violence") cancels out.
_PREVENTION = re.compile(r"(?:prevent|avert|foil|thwart|stave|staving|head|sprec|osujet|parandal)")
_PREVENTION_SCOPE = re.compile(
    r"\b(?:prevent\w*|stop\w*|avoid\w*|halt\w*|avert\w*|contain\w*|deter\w*|end|ended|curb\w*"
    r"|quell\w*|foil\w*|thwart\w*|spreci\w*|zaustavi\w*|parandal\w*|ndal\w*)\b"
)
# Negators that are the subject of their own clause: "and" ends their scope.
_SUBJECT_NEGATION = re.compile(r"no\sone|nobody|none|niko|nijedan|askush|asnje|asnjeri")

_HEDGE = {
    "en": _alternatives(
        r"""
        could(?!\s(?:not|never)\b) might may would(?!-be) should must ought\sto needs?\sto
        ha(?:s|ve)\sto un?likely
        possibl[ey] possibility potential(?:ly)? probabl[ey] perhaps maybe hypothetical(?:ly)?
        scenario if unless whether lest in\s(?:the\s)?(?:case|event)\sof fear(?:ed|s|ful)?
        afraid worr(?:y|ied|ies)\sthat concerns?\sthat
        (?:risk|danger|threat|spectre|specter|prospect)s?\sof threaten(?:ed|s|ing)?\sto
        (?:vow|pledge|promise)[sd]?\sto vowing\sto warn(?:ed|s|ing)?\sof
        call(?:ed|s|ing)?\s(?:on|for|upon) urg(?:ed|es|ing) demand(?:ed|s|ing)?
        appeal(?:ed|s|ing)?\s(?:to|for)
        (?:plan|intend|aim|seek|want)(?:s|ed|ned|ing|ning)?\sto intention
        (?:ready|prepared|willing|set|about|expected)\sto
        (?:is|are|was|were)\s(?:expected|due\sto) allegedly rumou?r(?:s|ed)?
        consider(?:s|ed|ing) suspected\sof accus(?:ed|es|ing)\s(?:\S+\s){0,3}?of charged\swith
        on\ssuspicion\sof any\sattempts?
        ask(?:ed|s|ing)?\s\S+\s(?:\S+\s)?to request(?:ed|s|ing)?\s(?:that|for)
        """
    ),
    "sr": _alternatives(
        r"""
        mogao mogla moglo mogli mogle moze mozda moguce mogucnost\w* bi bismo biste bih ako
        ukoliko verovatno vjerovatno navodno (?:za)?pretio (?:za)?pretila (?:za)?pretili
        prete? (?:za)?prijeti\w* pretnj\w* strah(?:uje|uju|ovanj\w*)? plase\sse opasnost rizik
        planira\w* namerava\w* namjerava\w* sprem(?:an|na|ni|no)
        (?:pozva(?:o|la|li)|poziva(?:ju)?)\s(?:\w+\s){0,2}?(?:da|na)
        zahteva\w* zahtijeva\w* zatrazi\w* treba(?:lo)? mora(?:ju|o)?
        ocekuje\s(?:se)? traz(?:i|e|imo|io|ila|ili)\s(?:od|da)
        """
    ),
    "sq": _alternatives(
        r"""
        mund mundet mundesi\w* mundshme ndoshta nese ne\sqofte\sse sikur
        kercen(?:oi|on|ojne|uan) kercenim\w* frike\w* frikesohe\w* rrezik\w* planifiko\w*
        synon duhet b[eë]ri?\sthirrje ben\sthirrje kerkoi\sqe pritet priten
        kerko(?:n|jne|ne|i|ju)\s(?:nga|qe|te)(?=\s) i\skerko(?:n|i)
        """
    ),
}
# Hedges that can follow the match: "Violence in Kosovo would embroil the US",
# "an invasion is unlikely".
_COPULA = r"(?:is|are|was|were|be|been|seems?|seemed|appears?|remains?|looks?)\s(?:\w+\s)?"
_HEDGE_AFTER = {
    "en": rf"could(?!\s(?:not|never)\b)|might|may|would|should"
    rf"|{_COPULA}(?:un?likely|(?:im)?possible|feared|expected)"
    r"|if\s(?:needed|necessary|required|need\sbe)",
    "sr": r"bi|moze|mogao|mogla|moglo|(?:je|su|se\s)?\s?(?:moguc\w*|verovatn\w*|vjerovatn\w*)",
    "sq": r"mund|(?:eshte|jane)\s(?:e\s|i\s)?(?:mundshme|pamundur)|pritet",
}
# A sentence that opens with a condition is hypothetical throughout.
_CONDITIONAL_OPENING = {
    "en": r"if|unless|should|in\s(?:the\s)?(?:case|event)",
    "sr": r"ako|ukoliko|u\sslucaju",
    "sq": r"nese|ne\sqofte\sse|sikur|ne\srast",
}
# A yes/no question asks whether it will happen ("Will the barricades return?", "Da li
# će vojska ući?", "A do të rikthehen barrikadat?"), after an optional label
# ("Analysis:"); a question with "who" or "why" takes the event as given.
_YES_NO_QUESTION = re.compile(
    r"^\W*(?:[^\W\d_]+\s?:\s)?(?P<word>will|would|can|could|is|are|was|were|do|does|did|should"
    r"|has|have|may|might|da\sli|hoce\sli|moze\sli|je\sli|a)\b"
)
# "announced it would postpone": a reported decision, not a hypothesis.
_REPORTING_VERB = (
    r"\b(?:said|says|announced|declared|confirmed|decided|agreed|stated|stressed|told|added"
    r"|insisted|reported|revealed|ruled|ordered)\b"
)
# (Or further back, when a "that" opens the reported clause: "said 52 Serbs had been
# injured and that the army would remain on alert".)
_REPORTED_WOULD = re.compile(
    rf"{_REPORTING_VERB}(?:(?:\s+\S+){{0,6}}?|[^.;:]*\sthat(?:\s+\S+){{0,4}}?)\s+$"
)

_HISTORY_PHRASES = {
    "en": _alternatives(
        r"""
        previously formerly
        in\sthe\s(?:distant\s)?past(?!\s(?:\w+\s)?(?:hours?|days?|weeks?|months?|fortnight|year)\b)
        (?:decades|years|centuries)\spast
        (?:tumultuous|troubled|bloody|violent|turbulent|painful|shared|difficult)\spast
        historically
        (?:since|during|after|before)\sthe\s(?:end\sof\sthe\s)?(?:war|conflict)(?!\s(?:in|on|against|with)\b)
        since\sthe\s(?:war|conflict)\sended (?:was|were)\sended\sby end(?:ed|ing)\sthe\swar
        world\swar\s(?:i{1,2}|one|two|1|2) the\s(?:balkan|yugoslav)\swars the\scold\swar
        (?:a|one|two|three|four|five|several|many|few|\d+)\s(?:decades?|centur(?:y|ies))\sago
        (?:decades|centuries|years|generations)\sago last\syear
        (?:years?|decades?|centur(?:y|ies))\s(?:since|after)
        anniversary\sof
        (?:[4-9]|1\d|2\d|eighteen)\smonths\safter
        """
    ),
    "sr": _alternatives(
        r"""
        ranije prethodno nekada u\sproslosti istorijski (?:tokom|posle|nakon|od|pre)\srata
        za\svreme\srata devedesetih prosle\sgodine
        pre\s(?:vise\sod\s|oko\s|skoro\s|gotovo\s)?(?:\w+\s)?(?:godin\w*|decenij\w*|vek\w*)
        (?:godin\w*|decenij\w*|vek\w*)\s(?:od(?!\sstrane)|posle|nakon) (?:cetvrt|pola)\sveka\sod
        godisnjic\w*
        """
    ),
    "sq": _alternatives(
        r"""
        me\spare ne\ste\skaluaren historikisht (?:gjate|pas|para)\sluftes qe\snga\slufta
        (?:vjet|vite|dekad\w*)\s(?:(?:qe\s)?nga|pas)
        vitin\se\skaluar vitit\ste\skaluar vjet pervjetor\w*
        para\s(?:\w+\s)?(?:vitesh|viti|dekad\w*|shekull\w*)
        """
    ),
}
# History cues that say something about a person or a thing, not the time of the
# match: they count only inside the match's own clause.
_WEAK_HISTORY = {
    "en": _alternatives(
        r"""
        the\sformer prior then-\w+ just\sas compar(?:ed|es|ing)\s(?:\S+\s){0,6}?(?:to|with)
        similar\sto reminiscent\sof
        """
    ),
    "sr": _alternatives(
        r"""
        bivs\w*
        """
    ),
    "sq": _alternatives(
        r"""
        ish-\w+
        """
    ),
}
# People a weak history cue can describe ("the former officer"): then it says what
# the person was, not when the event happened.
_PERSON = re.compile(
    r"(?:officer|official|police|president|predsednik|predsjednik|minister|ministr|premier"
    r"|ministar|premijer|prime\sminister|kryeministr|leader|lider|udheheq|commander|komandant|general"
    r"|gjeneral|soldier|vojnik|vojnic|ushtar|fighter|borac|borc|luftetar|member|clan|pripadnik"
    r"|pjesetar|anetar|chief|head|sef|mayor|gradonacelnik|kryetar|ambassador|ambasador|envoy"
    r"|diplomat|director|direktor|drejtor|employee|guard|agent|lawmaker|deputy|poslanik|deputet"
    r"|judge|sudij|gjyqtar|prosecutor|tuzil|prokuror|rebel|militant|combatant|guerrilla"
    r"|paramilitar|prisoner|detainee|policaj|polic|spokes|chairman|secretary|governor|senator"
    r"|colleague|husband|wife|partner)"
)
_PERSON_AFTER = re.compile(rf"[\s-](?:[^\W\d_]+\s){{0,2}}?{_PERSON.pattern}")
_YEARS_AGO = re.compile(
    r"\b(?P<n>\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|many|few|a\sfew"
    r"|couple\sof|a\scouple\sof)\s(?P<u>years?|months?)\sago\b"
)
_SMALL = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
          "seven": 7, "eight": 8, "nine": 9, "ten": 10, "several": 5, "many": 10,
          "few": 3, "a few": 3, "couple of": 2, "a couple of": 2}  # fmt: skip
_RECENT = {
    "en": _alternatives(
        r"""
        (?:earlier\s|later\s)?this\s(?:week|month|morning|afternoon|evening|weekend)
        (?:earlier\s)?today tonight yesterday overnight last\s(?:night|week|weekend|month)
        (?:early\s|late\s|on\s|last\s)?(?:mon|tues|wednes|thurs|fri|satur|sun)day(?:'s)?
        (?:\d+|a|an|one|two|three|four|five|six|several|few|a\sfew|couple\sof)\s(?:hours?|days?|weeks?)\sago
        (?:a|one|two|three|a\sfew|couple\sof|a\scouple\sof)\smonths?\sago recent(?:ly)? now
        currently at\sthe\smoment latest
        """
    ),
    "sr": _alternatives(
        r"""
        danas juce jucer sinoc jutros veceras (?:ove|prosle)\s(?:nedelje|nedjelje|sedmice)
        (?:ovog|proslog)\s(?:meseca|mjeseca) nedavno sada trenutno
        (?:u\s)?(?:ponedeljak|ponedjeljak|utorak|sredu|srijedu|cetvrtak|petak|subotu|nedelju)
        pre\s(?:\w+\s)?(?:dana|nedelj\w*|sedmic\w*|sati)
        (?:dan|dana|sat|sata|sati|nedelju|sedmicu)\sranije
        """
    ),
    "sq": _alternatives(
        r"""
        sot dje mbreme sonte kete\s(?:jave|muaj) (?:javen|muajin)\se\skaluar se\sfundmi tani
        aktualisht te\s(?:henen|marten|merkuren|enjten|premten|shtunen|dielen)
        (?:dite|ore|jave)\sme\spare
        para\s(?:\w+\s)?(?:ditesh|javesh|oresh)
        """
    ),
}
_AND = re.compile(r"\b(?:and|i|dhe)\b")
_DATABLE = re.compile(r"\d|ago|year|godin|vit|vjet|rata|luft")  # history phrases that are dates
_SINCE = re.compile(r"since\b|od\b|(?:qe\s)?nga\b")
# History cues that date only the words right after them, not their whole clause:
# "25 years since the bombing", "26 godina od", "the anniversary of the siege",
# "godišnjica bombardovanja", "përvjetori i masakrës". "Police arrested three men
# at a rally marking the anniversary of the bombing" reports an arrest.
_BINDING_HISTORY = re.compile(
    r"(?:(?:year|decade|centur|month|godin|decenij|vek|vjet|vite|dekad)\w*"
    r"\s(?:since|after|od|posle|nakon|(?:qe\s)?nga|pas)|anniversary\sof|godisnjic\w*|pervjetor\w*)$"
)
_BINDS_WORDS = 3  # words between "25 years since" and the match it dates
_PUNCTUATION = re.compile(r"[,;:()]")
_SUPERLATIVE = re.compile(
    r"\b(?:worst|biggest|largest|deadliest|bloodiest|heaviest|fiercest|highest|strongest|gravest"
    r"|most\s\w+|first|not\s(?:been\s)?seen|unseen|unprecedented|najgor\w*|najve\w*|najkrvav\w*"
    r"|prv\w*|me\se\s\w+|i\sp[ae]r\w*)\b"
    r"[^,;:]{0,60}$"
)
_PAST_VERB = re.compile(
    r"\b(?!(?:need|seed|feed|speed|bleed|proceed|exceed|succeed|armed|based|backed|alleged"
    r"|united|named|concerned|interested|supposed|so-called|detailed|limited|advanced|red"
    r"|bed|shed)\b)\w{3,}ed\b"
    r"|\b(?:was|were|had|did|went|came|took|saw|met|fled|fought|shot|threw|began|broke|held"
    r"|left|sent|brought|struck|stood|ran|seized|drove|gave|told|said|built|burnt|stole|won"
    r"|lost|hit|set\sup|put\sup)\b"
)
_PRESENT_MARKER = re.compile(
    r"\b(?:is|are|am|has|have|will|shall|now|currently|continues?|remains?|still|today)\b"
)

_CONTRACTED_NOT = re.compile(r"\b\w+n't\b")
# Clause boundaries, one set per check: negation stops at commas (and at "and"
# after a subject negator), hedging spans commas, history cuts at commas and
# relative pronouns; what may follow a match ("troops were not ...") stops at
# "and" and "that".
_PUNCTUATION_CUTS = frozenset({"negation", "after", "hedging", "history"})


def _word_cuts(table: dict[str, str]) -> dict[str, frozenset[str]]:
    """Each clause-starting word (``|``-separated) → the checks it cuts for."""
    cuts: dict[str, set[str]] = {}
    for check, words in table.items():
        for word in words.split("|"):
            cuts.setdefault(word, set()).add(check)
    return {word: frozenset(checks) for word, checks in cuts.items()}


_WORD_CUTS = _word_cuts(
    {
        "negation": "but|while|whereas|although|though|however|yet|when|after|before|because"
        "|since|so|who|which|whose|ali|dok|kada|jer|koji|koja|koje|por|kur|sepse|qe",
        "after": "and|or|but|that|who|which|whose|when|while|after|ali|da|dhe|por|qe",
        "hedging": "but|while|whereas|although|though|however|yet|when|after|before|because"
        "|following|in retaliation for|in response to|who|whose|where|ali|dok|jer|por|sepse",
        "history": "but|while|whereas|although|though|however|yet|which|who|whose|ali|dok|koji"
        "|koja|koje|por",
    }
)
# (A comma inside a number, "4,000", cuts nothing.)
_CUT = re.compile(
    r"(?P<comma>,(?!\d))|[;()\[\]]|:(?!\d)|\s-\s|…|\b(?P<word>"
    + "|".join(sorted((w.replace(" ", r"\s") for w in _WORD_CUTS), key=len, reverse=True))
    + r")\b"
)
_RELATIVE = frozenset({"which", "who", "whose", "koji", "koja", "koje"})
# A reporting clause set off by commas inside another clause: ", it added,", ", police
# said,", ", rekao je,", ", kako je rekao Kurti,", ", tha ai,".
_INSERTED_REPORT = re.compile(
    r",\s(?:kako\s(?:je|su)\s)?(?:[^\W\d_]+\s){0,3}?(?:said|says|added|adds|noted|stated|claimed"
    r"|insisted|told\s\w+|rekao|rekla|rekli|naveo|navela|dodao|dodala|kaze|tvrdi|tha|shtoi"
    r"|theksoi|pohoi|deklaroi)(?:\s(?:je|su|ai|ajo|ata|[^\W\d_]+)){0,2}?,"
)
_OPENING_SUBORDINATOR = re.compile(
    r"\W*(?:although|though|while|whereas|because|since|as|after|before|when|even\sthough"
    r"|despite|iako|mada|dok|jer|posle|nakon|edhe\spse|megjithese|pas)\b"
)

_LANGUAGE_GROUPS = {"en": "en", "sr": "sr", "hr": "sr", "bs": "sr", "sh": "sr", "me": "sr",
                    "cnr": "sr", "mk": "sr", "sq": "sq"}  # fmt: skip
_ALL = ("en", "sr", "sq")


def _compile(
    table: dict[str, str], group: tuple[str, ...], *, fast_scan: bool = True
) -> WordAlternation:
    """The words of ``table``'s languages in ``group`` as one ``\\b(?:...)\\b`` search,
    with ``fast_scan`` in the form Python's regex engine scans fast (see
    :mod:`indicators.alternation`)."""
    alternatives = [
        alternative
        for lang in group
        if lang in table
        for alternative in split_alternatives(table[lang])
    ]
    return WordAlternation(alternatives, fast_scan=fast_scan)


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    negation: WordAlternation
    negation_after: WordAlternation
    albanian_not: re.Pattern[str] | None
    hedge: WordAlternation
    hedge_after: WordAlternation
    conditional_opening: re.Pattern[str]
    history: WordAlternation
    weak_history: WordAlternation
    recent: WordAlternation


def _vocabulary(group: tuple[str, ...]) -> _Vocabulary:
    return _Vocabulary(
        negation=_compile(_NEGATION, group),
        negation_after=_compile(_NEGATION_AFTER, group),
        # Albanian "s'" ("s'ka", "s'u plagos"): an apostrophe is not a word boundary.
        albanian_not=re.compile(r"(?<![\w'])s'(?=[^\W\d_])") if "sq" in group else None,
        hedge=_compile(_HEDGE, group),
        hedge_after=_compile(_HEDGE_AFTER, group),
        conditional_opening=re.compile(
            rf"^\W*(?:{'|'.join(_CONDITIONAL_OPENING[lang] for lang in group)})\b"
        ),
        # The history phrases start with the commonest letters ("a", "the", digits):
        # a scan for their first letters would stop nearly everywhere; \b first is faster.
        history=_compile(_HISTORY_PHRASES, group, fast_scan=False),
        weak_history=_compile(_WEAK_HISTORY, group),
        recent=_compile(_RECENT, group),
    )


class _Vocabularies(dict[str | None, _Vocabulary]):
    """Each language group's cue searches (None: every language), compiled when first
    needed: a process that reads one language never builds the others."""

    def __missing__(self, group: str | None) -> _Vocabulary:
        vocabulary = self[group] = _vocabulary(_ALL if group is None else (group,))
        return vocabulary


_VOCABULARIES = _Vocabularies()


# --- sentence analysis (once per sentence) -------------------------------------


@dataclass(frozen=True, slots=True)
class _Cue:
    start: int  # folded offsets
    end: int
    quote: str  # as written in the sentence
    kind: str = ""  # negation/hedge: "subject", "after", "opening"; time: "history", "recent"
    weak: bool = False  # history cue that counts only in the match's own clause
    datable: bool = False  # a date-like marker that can carry over to the next sentence
    # A count of years since what follows it ("25 years since the bombing", "26 godina
    # od"): it dates the words right after it, whatever else the clause says.
    binds: bool = False


@dataclass(slots=True)
class _Analysis:
    folded: str
    offsets: Sequence[int]
    negations: tuple[_Cue, ...]
    hedges: tuple[_Cue, ...]
    times: tuple[_Cue, ...]
    # No cue of any kind: every match in the sentence is an event unless the
    # previous sentence dates it (most sentences; checked first).
    quiet: bool
    # Whether a history marker ending the previous sentence dates this one; worked
    # out the first time a match asks.
    inherits: bool | None = None
    # Word starts and clause cuts, worked out the first time a cue needs them (a
    # quiet sentence never does).
    _word_starts: tuple[int, ...] | None = None
    _cuts: _ClauseCuts | None = None

    @property
    def word_starts(self) -> tuple[int, ...]:
        if self._word_starts is None:
            self._word_starts = tuple(m.start() for m in WORD_PATTERN.finditer(self.folded))
        return self._word_starts

    @property
    def cuts(self) -> _ClauseCuts:
        if self._cuts is None:
            self._cuts = _clause_cuts(self.folded)
        return self._cuts

    @property
    def negation_cuts(self) -> tuple[int, ...]:
        return self.cuts.negation

    @property
    def negation_after_cuts(self) -> tuple[int, ...]:
        return self.cuts.negation_after

    @property
    def hedge_cuts(self) -> tuple[int, ...]:
        return self.cuts.hedge

    @property
    def history_cuts(self) -> tuple[tuple[int, int, bool], ...]:
        return self.cuts.history

    def inherits_history(self) -> bool:
        """No time marker of its own and simple past: it may continue the story before it."""
        if self.inherits is None:
            self.inherits = not self.times and _past_narrative(self.folded)
        return self.inherits

    def retells(self, *, english: bool) -> bool:
        """No recent marker ("on Sunday", "danas") and, in English, simple past: in an
        item that looks back, a sentence that tells the old story."""
        if any(cue.kind == "recent" for cue in self.times):
            return False
        return not english or _past_narrative(self.folded)

    def folded_offset(self, original: int) -> int:
        return bisect_left(self.offsets, original)

    def words_between(self, low: int, high: int) -> int:
        return bisect_left(self.word_starts, high) - bisect_left(self.word_starts, low)

    def edge_words(self, start: int, end: int) -> tuple[int, int]:
        """Where the first word of ``[start, end)`` ends and where its last word starts."""
        first = WORD_PATTERN.match(self.folded, start)
        first_end = first.end() if first is not None else start
        index = bisect_left(self.word_starts, end) - 1
        last_start = self.word_starts[index] if index >= 0 else end
        return first_end, max(last_start, start)


# What frames a whole item as a look back when its title or lead says it: "25 years
# since the bombing", "Ten years on", "the anniversary of", "godišnjica", "26 godina
# od", "na današnji dan", "25 vjet nga", "përvjetori". (Not "years ago" or "after" a
# short time: "Man held over attack two years ago" reports an arrest.)
# (Searched in folded text whose whitespace is not squeezed: "\s+" between words.)
_RETROSPECTIVE = re.compile(
    r"\b(?:(?:years?|decades?|centur(?:y|ies))\s+(?:since|after|on)|anniversary|godisnjic\w*"
    r"|na\s+danasnji\s+dan|(?:godin\w*|decenij\w*|veka?)\s+(?:od(?!\s+strane)|posle|nakon)"
    r"|(?:vjet|vite|dekad\w*)\s+(?:qe\s+nga|nga|pas)|pervjetor\w*)\b"
)


def retrospective_cue(norm: Normalized, start: int = 0, end: int | None = None) -> str | None:
    """The words of folded ``norm.text[start:end]`` that frame an item as a look back,
    quoted as written; None if there are none.

    The engine asks it of an item's title and lead (in the item's folded text); given
    as ``frame`` to :func:`classify_context`, it dates the item's past-tense sentences
    that carry no time marker of their own ("More than 11,000 people were killed").
    """
    found = _RETROSPECTIVE.search(norm.text, start, len(norm.text) if end is None else end)
    if found is None:
        return None
    orig_start, orig_end = norm.span(found.start(), found.end())
    return norm.original[orig_start:orig_end]


# Verdicts are immutable, so the common one is shared rather than built per match.
_EVENT = ContextVerdict(Status.EVENT)


def classify_context(
    sentence: str,
    match_start: int,
    match_end: int,
    *,
    published: date | None,
    previous: str | None = None,
    checks: frozenset[str] = CHECKS,
    lang: str | None = None,
    memo: dict[tuple[object, ...], object] | None = None,
    frame: str | None = None,
) -> ContextVerdict:
    """Event or background for the match ``sentence[match_start:match_end]``.

    ``previous`` is the sentence before (a time marker ending it can carry
    over); ``checks`` selects among ``negation``, ``hedging`` and ``history``;
    ``lang`` (ISO 639-1) limits the cue words to one language; ``frame``, the
    item's :func:`retrospective_cue`, makes a past-tense sentence with no recent
    marker history. ``memo``, a
    dict kept for the matches of one document, holds the sentences' analyses
    so that each sentence is analysed once.
    """
    if isinstance(published, datetime):
        published = published.date()
    group = language_group(lang) if lang else None
    analysis = _remembered(memo, _analyse, sentence, published, group)
    reasons: list[str] = []
    # A check without cues in the sentence finds nothing: skip it.
    if not analysis.quiet:
        start = analysis.folded_offset(match_start)
        end = max(start, analysis.folded_offset(match_end))
        if (
            analysis.negations
            and "negation" in checks
            and (cue := _negated(analysis, start, end)) is not None
        ):
            reasons.append(f'negated by "{cue.quote}"')
        if (
            analysis.hedges
            and "hedging" in checks
            and (cue := _hedged(analysis, start, end)) is not None
        ):
            reasons.append(f'hedged by "{cue.quote}"')
        if (
            analysis.times
            and "history" in checks
            and (cue := _history(analysis, start, end)) is not None
        ):
            reasons.append(f'history: "{cue.quote}"')
            return ContextVerdict(Status.BACKGROUND, tuple(reasons))
    if (
        previous
        and "history" in checks
        and analysis.inherits_history()
        and (cue := _remembered(memo, _carried, previous, published, group)) is not None
    ):
        reasons.append(f'history (previous sentence): "{cue.quote}"')
    if (
        frame is not None
        and not reasons
        and "history" in checks
        and analysis.retells(english=group not in ("sr", "sq"))
    ):
        reasons.append(f'history (the item looks back: "{frame}")')
    return ContextVerdict(Status.BACKGROUND, tuple(reasons)) if reasons else _EVENT


@lru_cache(maxsize=64)
def language_group(lang: str) -> str | None:
    """The rules' language a text's language is read with: ``"en-GB"`` → ``"en"``;
    Croatian, Bosnian, Montenegrin, Serbo-Croatian and Macedonian → ``"sr"``; a
    language the rules have no words for → None."""
    return _LANGUAGE_GROUPS.get(lang.lower().replace("_", "-").split("-")[0])


_T = TypeVar("_T")
_MISSING = object()


def _remembered(
    memo: dict[tuple[object, ...], object] | None,
    work: Callable[[str, date | None, str | None], _T],
    sentence: str,
    published: date | None,
    group: str | None,
) -> _T:
    """``work(sentence, published, group)``, done once per ``memo``.

    The memo lives as long as one document's analysis, never longer: a cache
    shared across documents would mostly hold sentences never seen again.
    """
    if memo is None:
        return work(sentence, published, group)
    key = (work, sentence, published, group)
    found = memo.get(key, _MISSING)
    if found is _MISSING:
        found = memo[key] = work(sentence, published, group)
    return found  # type: ignore[return-value]


def _analyse(sentence: str, published: date | None, group: str | None) -> _Analysis:
    norm = squeeze(sentence)
    folded = norm.text
    words = set(word_texts(folded))  # lets a search skip a sentence that cannot hold its cues
    vocabulary = _VOCABULARIES[group]
    cue = _cue_maker(sentence, norm)

    negations = [
        cue(m.start(), m.end(), kind=_negation_kind(m.group()))
        for m in vocabulary.negation.finditer(folded, words)
        # Serbian "ne" is Albanian "në" ("in") once diacritics are folded away.
        if m.group() != "ne" or _written(sentence, norm.span(m.start(), m.end())) in ("ne", "не")
    ]
    if group in (None, "en") and "n't" in folded:
        for m in _CONTRACTED_NOT.finditer(folded):
            negations += [cue(m.start(), m.end()), cue(m.start(), m.end(), kind="after")]
    if vocabulary.albanian_not is not None:
        negations += [cue(m.start(), m.end()) for m in vocabulary.albanian_not.finditer(folded)]
    negations += [
        cue(m.start(), m.end(), kind="after")
        for m in vocabulary.negation_after.finditer(folded, words)
        if m.group() != "ne" or _written(sentence, norm.span(m.start(), m.end())) in ("ne", "не")
    ]
    hedges = [
        cue(m.start(), m.end())
        for m in vocabulary.hedge.finditer(folded, words)
        if _is_hedge(folded, m) and not _is_bih(sentence, norm, m)
    ]
    hedges += [
        cue(m.start(), m.end(), kind="after")
        for m in vocabulary.hedge_after.finditer(folded, words)
        if _is_hedge(folded, m)
    ]
    opening = vocabulary.conditional_opening.match(folded)
    if opening is not None:
        start = opening.end() - len(opening.group().lstrip(" \"'(-"))
        hedges.append(cue(start, opening.end(), kind="opening"))
    elif folded.rstrip(" \"')").endswith("?") and (question := _YES_NO_QUESTION.match(folded)):
        hedges.append(cue(question.start("word"), question.end(), kind="opening"))
    times = sorted(_time_markers(folded, words, published, vocabulary, cue), key=lambda c: c.start)
    return _Analysis(
        folded=folded,
        offsets=norm.offsets,
        negations=tuple(sorted(negations, key=lambda c: c.start)),
        hedges=tuple(sorted(hedges, key=lambda c: c.start)),
        times=tuple(times),
        quiet=not (negations or hedges or times),
    )


def _cue_maker(sentence: str, norm: Squeezed) -> Callable[..., _Cue]:
    """Cues at folded offsets of ``norm``, quoting ``sentence`` as written."""

    def cue(
        start: int,
        end: int,
        kind: str = "",
        weak: bool = False,
        datable: bool = False,
        binds: bool = False,
    ) -> _Cue:
        orig_start, orig_end = norm.span(start, end)
        return _Cue(start, end, sentence[orig_start:orig_end], kind, weak, datable, binds)

    return cue


def _carried(previous: str, published: date | None, group: str | None) -> _Cue | None:
    """The date-like history marker that the sentence before a match ends on.

    Only the time markers of that sentence matter, so only they are looked for.
    """
    norm = squeeze(previous)
    folded = norm.text
    vocabulary, cue = _VOCABULARIES[group], _cue_maker(previous, norm)
    markers = _time_markers(folded, set(word_texts(folded)), published, vocabulary, cue)
    return _carried_history(sorted(markers, key=lambda c: c.start))


def _negation_kind(word: str) -> str:
    if _SUBJECT_NEGATION.fullmatch(word):
        return "subject"
    if word in ("without", "bez"):
        return "preposition"
    return "prevention" if _PREVENTION.match(word) else ""


def _past_narrative(folded: str) -> bool:
    """Simple past and nothing present: a sentence that may continue the story before it."""
    return _PAST_VERB.search(folded) is not None and _PRESENT_MARKER.search(folded) is None


def _written(sentence: str, span: tuple[int, int]) -> str:
    return sentence[span[0] : span[1]].lower()


def _is_bih(sentence: str, norm: Squeezed, m: re.Match[str]) -> bool:
    """Serbian "bih" ("I would") written in capitals: "BiH", Bosnia and Herzegovina."""
    start, end = norm.span(m.start(), m.end())
    return m.group() == "bih" and not sentence[start:end].islower()


_MONTH_MAY_AFTER = re.compile(r"\s?(?:\d|(?:19|20)\d\d|'s\b)")
_MONTH_MAY_BEFORE = re.compile(
    r"\b(?:in|on|since|until|till|by|of|from|during|early|late|mid|last|this|next|end\sof)[\s-]$"
)


def _is_hedge(folded: str, m: re.Match[str]) -> bool:
    word = m.group()
    if word == "may":  # or the month: "in May", "May 5", "since May"
        return not (
            _MONTH_MAY_AFTER.match(folded, m.end())
            or _MONTH_MAY_BEFORE.search(folded, max(0, m.start() - 12), m.start())
        )
    if word == "would":  # "announced it would postpone" reports a decision
        return _REPORTED_WOULD.search(folded, max(0, m.start() - 160), m.start()) is None
    return True


class _ClauseCuts(NamedTuple):
    """Where clauses start in a sentence, for each check."""

    negation: tuple[int, ...]
    negation_after: tuple[int, ...]
    hedge: tuple[int, ...]
    history: tuple[tuple[int, int, bool], ...]  # (start, end, starts a relative clause)


def _clause_cuts(folded: str) -> _ClauseCuts:
    """Where clauses start, for each check (one scan of the sentence)."""
    negation: list[int] = []
    after: list[int] = []
    hedge: list[int] = []
    history: list[tuple[int, int, bool]] = []
    inserted = {
        offset
        for found in _INSERTED_REPORT.finditer(folded)
        for offset in (found.start(), found.end() - 1)
    }
    for m in _CUT.finditer(folded):
        if m.start() in inserted:
            continue  # "A drone, it added, had not crossed": one clause
        word = m["word"]
        if word is not None:
            checks = _WORD_CUTS[word]
        elif m["comma"]:
            checks = _PUNCTUATION_CUTS - {"hedging"}
        else:
            checks = _PUNCTUATION_CUTS
        start = m.start()
        if "negation" in checks:
            negation.append(start)
        if "after" in checks:
            after.append(start)
        if "hedging" in checks:
            hedge.append(start)
        if "history" in checks:
            history.append((start, m.end(), word in _RELATIVE))
    # "Although war may be unlikely, troops were deployed": the comma closes the
    # opening subordinate clause.
    if _OPENING_SUBORDINATOR.match(folded) and (comma := folded.find(",")) >= 0:
        hedge = sorted([*hedge, comma])
    return _ClauseCuts(tuple(negation), tuple(after), tuple(hedge), tuple(history))


def _cut_between(cuts: tuple[int, ...], low: int, high: int) -> bool:
    """Whether a clause boundary starts in ``[low, high)``."""
    index = bisect_left(cuts, low)
    return index < len(cuts) and cuts[index] < high


# --- negation and hedging ---------------------------------------------------------

_NEGATION_REACH = 8  # words from a negator to the match it negates
# "without" negates its own object ("without casualties", "bez žrtava"), not what
# follows it ("trucks without licence plates blocking a bridge").
_PREPOSITION_REACH = 1
_HEDGE_REACH = 20  # words from a hedge to the match it hedges
_AFTER_REACH = 4  # words from the end of a match to a negator or modal after it


def _negated(analysis: _Analysis, start: int, end: int) -> _Cue | None:
    head_end = _clause_end(analysis.negation_cuts, start, end)
    first_word_end, last_word_start = analysis.edge_words(start, end)
    for cue in analysis.negations:
        if cue.kind == "after":
            if _follows(analysis, analysis.negation_after_cuts, cue, end):
                return cue
            continue
        if cue.start < head_end and start < cue.end:
            if first_word_end <= last_word_start <= cue.start:
                # A negator negates what follows it; one that starts with the last word
                # of a match of several words is the rule's own wording ("talks failed"
                # in "talks failed to resume"), not a negation of it.
                continue
            return cue  # inside the match: "troops were not deployed", "No one was hurt"
        reach = _PREPOSITION_REACH if cue.kind == "preposition" else _NEGATION_REACH
        if cue.end > start or analysis.words_between(cue.end, start) > reach:
            continue
        if _cut_between(analysis.negation_cuts, cue.end, start):
            continue
        if cue.kind == "subject" and _AND.search(analysis.folded, cue.end, start):
            continue  # "No one was hurt and police arrested 23 people"
        if cue.kind == "prevention":
            if _negated_prevention(analysis, cue):
                continue  # "failed to prevent clashes": the clashes happened
        elif _PREVENTION_SCOPE.search(analysis.folded, cue.end, start):
            continue  # "did not stop the violence": the negator is the prevention's
        return cue
    return None


def _negated_prevention(analysis: _Analysis, prevention: _Cue) -> bool:
    """Whether a negator shortly before a verb of prevention cancels it."""
    return any(
        cue.end <= prevention.start
        and cue.kind != "after"
        and analysis.words_between(cue.end, prevention.start) <= 2
        for cue in analysis.negations
        if cue is not prevention
    )


def _hedged(analysis: _Analysis, start: int, end: int) -> _Cue | None:
    head_end = _clause_end(analysis.hedge_cuts, start, end)
    for cue in analysis.hedges:
        if cue.kind == "opening":
            return cue  # "If troops cross the border, ..."
        if cue.kind == "after":
            if _follows(analysis, analysis.negation_after_cuts, cue, end):
                return cue
            continue
        if cue.start < head_end and start < cue.end:
            return cue
        if (
            cue.end <= start
            and analysis.words_between(cue.end, start) <= _HEDGE_REACH
            and not _cut_between(analysis.hedge_cuts, cue.end, start)
        ):
            return cue
    return None


def _clause_end(cuts: tuple[int, ...], start: int, end: int) -> int:
    """Where the clause the match starts in ends, if the match runs past it."""
    index = bisect_left(cuts, start + 1)
    return cuts[index] if index < len(cuts) and cuts[index] < end else end


def _follows(analysis: _Analysis, cuts: tuple[int, ...], cue: _Cue, end: int) -> bool:
    """Whether ``cue`` comes shortly after a match ending at ``end``, in its clause."""
    return (
        cue.start >= end
        and analysis.words_between(end, cue.start) < _AFTER_REACH
        and not _cut_between(cuts, end, cue.start)
    )


# --- history -------------------------------------------------------------------------


def _history(analysis: _Analysis, start: int, end: int) -> _Cue | None:
    """The history cue that dates the match, unless a recent one does."""
    # A match that runs over several clauses is dated by the clause it starts in.
    clause_start, clause_end = 0, len(analysis.folded)
    for cut_start, cut_end, _ in analysis.history_cuts:
        if cut_end <= start:
            clause_start = cut_end
        elif cut_start > start:
            clause_end = cut_start
            break
    for c in analysis.times:
        if (
            c.binds
            and c.end <= start
            and analysis.words_between(c.end, start) <= _BINDS_WORDS
            and not _PUNCTUATION.search(analysis.folded, c.end, start)
        ):
            return c  # "marked on Sunday 25 years since the bombing"
    in_clause = [
        c
        for c in analysis.times
        if not c.binds
        and clause_start <= c.start
        and c.end <= clause_end
        and not (c.weak and c.end > start)  # "arrested the former officer": not history
    ]
    if any(c.kind == "recent" for c in in_clause):
        return None
    history = [c for c in in_clause if c.kind == "history"]
    if history:
        return min(history, key=lambda c: abs(c.start - start))
    # The nearest strong marker before the match's clause, outside relative clauses.
    before = [
        c
        for c in analysis.times
        if c.end <= clause_start
        and not c.weak
        and not c.binds
        and not _in_relative_clause(analysis, c)
    ]
    if before and before[-1].kind == "history":
        return before[-1]
    return None


def _in_relative_clause(analysis: _Analysis, cue: _Cue) -> bool:
    relative = False
    for _, cut_end, is_relative in analysis.history_cuts:
        if cut_end > cue.start:
            break
        relative = is_relative
    return relative


def _carried_history(times: list[_Cue]) -> _Cue | None:
    """A date-like history marker that a sentence with these time markers ends on."""
    datable = [c for c in times if c.datable or c.kind == "recent"]
    if datable and datable[-1].kind == "history":
        return datable[-1]
    return None


def _time_markers(
    folded: str,
    words: set[str],
    published: date | None,
    vocabulary: _Vocabulary,
    make: Callable[..., _Cue],
) -> list[_Cue]:
    """Recent and history markers; where two overlap, the one found first counts."""
    markers: list[_Cue] = []
    # The characters markers already cover (a sentence of thousands of markers compared
    # each with every one before it).
    taken = bytearray(len(folded) + 1)

    def add(
        start: int,
        end: int,
        kind: str,
        *,
        weak: bool = False,
        datable: bool = False,
        binds: bool = False,
    ) -> None:
        if taken.find(1, start, max(end, start + 1)) != -1:
            return
        taken[start:end] = b"\x01" * (end - start)
        if (
            kind == "history"
            and _SINCE.match(folded, start)
            and _SUPERLATIVE.search(folded, 0, start)
        ):
            return  # "the worst violence since 2004" is about now
        markers.append(make(start, end, kind, weak, datable, binds))

    for m in vocabulary.recent.finditer(folded, words):
        add(m.start(), m.end(), "recent")
    if published is not None:
        for start, end, day in dated_mentions(folded, published):
            age = (published - day).days
            if age > RECENT_DAYS:
                add(start, end, "history", datable=True)
            elif age >= 0:
                add(start, end, "recent", datable=True)
        for m in _YEARS_AGO.finditer(folded) if "ago" in folded else ():
            amount = _SMALL.get(m["n"], 0) if not m["n"].isdigit() else int(m["n"])
            months = amount * (12 if m["u"].startswith("year") else 1)
            add(m.start(), m.end(), "history" if months > 3 else "recent", datable=True)
    else:
        for m in _YEARS_AGO.finditer(folded) if "ago" in folded else ():
            if m["u"].startswith("year"):
                add(m.start(), m.end(), "history", datable=True)
    for m in vocabulary.history.finditer(folded, words):
        datable = _DATABLE.search(m.group()) is not None
        binds = _BINDING_HISTORY.search(m.group()) is not None
        add(m.start(), m.end(), "history", datable=datable, binds=binds)
    for m in vocabulary.weak_history.finditer(folded, words):
        # "the former police officer", "bivsi ministar", "ish-policit": about the person.
        if _PERSON_AFTER.match(folded, m.end()) or _PERSON.match(folded, m.start() + 4):
            continue
        add(m.start(), m.end(), "history", weak=True)
    return markers
