"""Deadlines, ultimatums and time limits: found in sentences, resolved to dates.

A deadline is a time expression (a date, a weekday, "within 48 hours", "by
the end of the month") governed by a deadline cue: a deadline word
("deadline", "ultimatum", "rok", "afat"), a postponement ("postpone ... by
48 hours", "delayed ... until September 1"), an obligation ("must ... by",
"have 48 hours to", "unless ... within 10 days") or, for windows such as
"in the next 10 days", a goal ("to reach a compromise"). Dates need a
deadline preposition ("by", "until", "deadline of", "expires on"). Time
expressions without a cue are not deadlines: the clock time of a raid, the
date of a meeting, the length of a trial, "over the last three years". A
deadline word without a time expression ("declared a deadline") is kept,
unresolved; a negated one ("no deadline was set") is not a deadline.

Resolution is against the published date passed in, never the clock: N
hours → the publication date plus whole days (rounded up), a weekday → the
next one after publication, a date without a year → its next occurrence (its
last one when the deadline "expired"); with no published date only full
dates resolve. When one cue governs several expressions the most specific
wins ("by a month until September 1" → 1 September). A clock time with a
date gives a UTC datetime (read as UTC unless a zone such as CET is named).

Most sentences have nothing to do with deadlines, so :func:`find_deadlines`
first lower-cases (folding only where needed) the whole document once and
looks for the stems the cues start with, in one regex scan; only sentences
with a stem, and also a word that can start a time expression unless the
stem is a deadline word, are analysed in full. The result is the same as
analysing every sentence (tests compare the two). The month, weekday and number words come from
:mod:`indicators.timewords`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from dateutil.relativedelta import relativedelta

from indicators.text import fold, word_texts
from indicators.timewords import (
    ALL_MONTHS,
    MONTH_ANY,
    MONTH_NAME,
    NUMBER,
    SMALL_NUMBERS,
    UNIT,
    UNIT_WORDS,
    WEEKDAY,
    WEEKDAYS,
    YEAR,
    Squeezed,
    alternation,
    last_day,
    last_occurrence,
    month_number,
    next_occurrence,
    number_value,
    squeeze,
    unit_of,
)
from indicators.types import Deadline, Sentence

__all__ = ["CUE_TERMS", "find_deadlines"]


_DIGIT = re.compile(r"\d")


# --- time expressions ----------------------------------------------------------

# What an expression resolves to, given the published date: (due, explanation).
_Resolution = tuple[date | None, str]


@dataclass(frozen=True, slots=True)
class _Expr:
    start: int  # folded offsets within the sentence
    end: int
    kind: str  # date | weekday | period | window | shift | compound | clock
    rank: int  # which expression wins when several belong to one cue
    values: tuple[int, ...] = ()
    label: str = ""


_DEADLINE_PREPOSITION = re.compile(
    r"(?:\b(?:by|until|till|before|to|for|no later than|not later than|do|deri me|deri ne"
    r"|deri|najkasnije do|expires?|expiring|expired|ends?|runs? out|is due|due|set for)(?:\son)?"
    r"|\bdeadline (?:is|was|of|on|for)|\bultimatum (?:expires|ends))\s+(?:the\s+)?$"
)
_ORDINAL = r"(?:st|nd|rd|th|\.)?"
_DATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("iso", rf"\b(?P<y>{YEAR})-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)\b"),
        ("dotted", rf"\b(?P<d>[0-3]?\d)\.\s?(?P<m>[01]?\d)\.(?:\s?(?P<y>{YEAR})\b\.?)?"),
        ("slashed", rf"\b(?P<a>[0-3]?\d)/(?P<b>[0-3]?\d)/(?P<y>{YEAR})\b"),
        (
            "day_month",
            rf"\b(?P<d>[0-3]?\d){_ORDINAL}\s?(?:of\s)?(?P<mon>{MONTH_ANY})(?![\w-])"
            rf"(?:,?\s(?P<y>{YEAR})\b\.?)?",
        ),
        (
            "month_day",
            rf"\b(?P<mon>{MONTH_ANY})\s(?P<d>[0-3]?\d)(?:st|nd|rd|th)?(?!\d)(?!:)"
            rf"(?:,?\s(?P<y>{YEAR})\b)?",
        ),
        ("month_year", rf"\b(?P<mon>{MONTH_NAME}),?\s(?P<y>{YEAR})\b"),
    )
)
_END_OF = (
    r"(?:the\s)?(?:end\sof|end-of|close\sof)\s(?:the\s|this\s|(?P<next>next)\s)?"
    r"|(?:do\s)?kraj[aue]\s(?:ove\s|ovog\s|ovoga\s|tekuce\s|tekuceg\s|(?P<next_sr>naredne\s"
    r"|narednog\s|sledece\s|sledeceg\s|iduce\s|iduceg\s))?"
    r"|(?:ne\s|deri\sne\s)?fund(?:in|i)?\s(?:e\s|te\s|i\s)?"
)
_NAMED_MONTH_FIRST = frozenset({"month_day", "month_year"})
_PERIOD_PATTERNS = (
    re.compile(
        rf"\b(?:{_END_OF})(?P<p>week|month|year|nedelje|nedjelje|sedmice|meseca|mjeseca"
        r"|godine|javes|muajit|vitit)\b"
    ),
    re.compile(rf"\b(?:{_END_OF})(?P<y>{YEAR})\b"),
    re.compile(rf"\b(?:{_END_OF})(?P<mon>{MONTH_NAME})\b(?:\s(?P<y>{YEAR})\b)?"),
    re.compile(r"\b(?P<p>year)[- ]end\b|\b(?P<p2>month)[- ]end\b"),
    re.compile(rf"\b(?:by|before|until|till|do|deri)\s(?P<mon>{MONTH_NAME})\b(?!\s\d)"),
)
_WEEKDAY_PATTERN = re.compile(rf"\b(?:(?:e|te)\s)?(?P<wd>{WEEKDAY})\b")
_RELATIVE_DAYS = re.compile(
    r"\b(?P<w>today|tonight|tomorrow|the day after tomorrow|danas|veceras|sutra|prekosutra"
    r"|sot|sonte|neser|pasneser)\b"
)
_RELATIVE_OFFSETS = {
    "today": 0, "tonight": 0, "danas": 0, "veceras": 0, "sot": 0, "sonte": 0,
    "tomorrow": 1, "sutra": 1, "neser": 1,
    "the day after tomorrow": 2, "prekosutra": 2, "pasneser": 2,
}  # fmt: skip
# Single words that can start a time expression without a digit, month or unit.
_N_UNITS = rf"(?P<n>{NUMBER})\s(?:more\s|further\s|additional\s|extra\s)?(?P<u>{UNIT})\b"
_COUNTED_UNIT = re.compile(rf"\b{_N_UNITS}")
_WINDOW_PATTERNS = (
    re.compile(rf"\bwithin\s(?:the\s(?:next|coming)\s)?{_N_UNITS}"),
    re.compile(rf"\b(?:in|during|over|for)\s(?:the\s)?(?:next|coming|following)\s{_N_UNITS}"),
    re.compile(rf"\bin\s{_N_UNITS}"),
    re.compile(
        r"\b(?:have|has|had|given|gave|give|gives|giving|get|gets|got)\s(?:\w+\s){0,3}?"
        rf"{_N_UNITS}\sto\b"
    ),
    # Serbian: "u roku od 48 sati", "u narednih 10 dana", "za 48 sati" (with a cue)
    re.compile(
        r"\b(?:u\sroku\sod|rok\sod|u\s(?:narednih|sledecih|slijedecih|iducih|naredna"
        r"|sledeca|naredne|sledece)|tokom\s(?:narednih|sledecih|iducih)|narednih|za)\s" + _N_UNITS
    ),
    # A deadline word with its length: "a deadline of 48 hours", "rok od 60 dana", "afat 60 dite"
    re.compile(
        r"\b(?:deadline|ultimatum|time\slimit|rok|afat(?:i|in)?)\s(?:(?:of|od|prej|nga)\s)?"
        + _N_UNITS
    ),
    # Albanian: "brenda 48 oreve", "ne 10 ditet e ardhshme", "afat prej 48 oresh"
    re.compile(rf"\b(?:brenda|afat\s(?:prej|nga)|afatin?\s(?:prej|nga))\s(?:\w+\s)?{_N_UNITS}"),
    re.compile(rf"\b(?:ne|gjate)\s{_N_UNITS}\s(?:e|te)\s(?:ardhshme|ardhshem|ne\svijim)"),
)
_SHIFT_PATTERNS = (
    re.compile(rf"\b(?:by|for)\s(?:another\s|a\sfurther\s)?{_N_UNITS}"),
    re.compile(rf"\bper\s{_N_UNITS}"),  # Albanian "shtyu per 48 ore"
)
_COMPOUND_PATTERN = re.compile(
    rf"\b(?P<n>{NUMBER})-(?P<u>hour|day|week|month|satni|casovni|dnevni)\b(?:-long)?"
)
_CLOCK_PATTERN = re.compile(
    r"\b(?P<h>[0-2]?\d)(?::(?P<mi>[0-5]\d))?\s?(?P<ap>a\.?m\b\.?|p\.?m\b\.?)"
    r"|\b(?P<h2>[0-2]?\d):(?P<mi2>[0-5]\d)\b(?:\s?h\b)?"
    r"|\b(?P<noon>noon|midday)\b"
)
_ZONES = {
    "utc": 0, "gmt": 0, "cet": 1, "cest": 2, "eet": 2, "eest": 3, "msk": 3,
    "moscow time": 3, "bst": 1, "est": -5, "edt": -4,
}  # fmt: skip
_ZONE_PATTERN = re.compile(rf"\s?\(?(?P<z>{alternation(_ZONES)})\b")

# Words without which a family of patterns cannot match (each pattern needs one of
# them as a whole word), so a sentence without them is not scanned for that family.
_MONTH_WORDS = frozenset(ALL_MONTHS)
_WEEKDAY_WORDS = frozenset(WEEKDAYS)
_RELATIVE_WORDS = frozenset(w for w in _RELATIVE_OFFSETS if " " not in w) | {"tomorrow"}
_END_WORDS = frozenset({"end", "close", "kraja", "kraju", "kraje", "fund", "fundin", "fundi"})
_COMPOUND_UNITS = frozenset({"hour", "day", "week", "month", "satni", "casovni", "dnevni"})
_DATE_WORDS = _MONTH_WORDS | _WEEKDAY_WORDS | _RELATIVE_WORDS | _END_WORDS | {"noon"}
_TIME_WORDS = _DATE_WORDS | UNIT_WORDS | _COMPOUND_UNITS
# The last word of each number word ("a couple of" -> "of").
_MORE = frozenset({"more", "further", "additional", "extra"})  # as in _N_UNITS
_NUMBER_ENDS = frozenset(number.replace("-", " ").split()[-1] for number in SMALL_NUMBERS)

# --- cues ----------------------------------------------------------------------

_NOUN_CUE = re.compile(
    r"\b(?:deadlines?|ultimat(?:um|ums|a)|time[- ]limits?|grace\speriod|cut-?off\s(?:date|point)"
    r"|rok(?:a|u|om|ovi|ove)?|krajnji\srok|ultimatum(?:a|u|om|i|in|it)|afat(?:i|in|it|et)?)\b"
)
_VERB_CUE = re.compile(
    r"\b(?:postpon\w*|delay(?:ed|s|ing)?|extend(?:ed|s|ing)?|extension|defer(?:red|s|ring|ral)?"
    r"|push(?:ed|es|ing)?\sback|put\soff|prolong\w*|expir\w*|runs?\sout|ran\sout|lapse[sd]?"
    r"|reschedul\w*|odloz\w*|odlag\w*|produz\w*|istek\w*|istice|shty\w*|zgjatj\w*|skad\w*)\b"
)
_OBLIGATION_CUE = re.compile(
    r"\b(?:must|have\sto|has\sto|required\sto|ordered|obliged|demand\w*|gave|given|told|asked"
    r"|(?:have|has|had)\suntil|unless|or\selse|or\sface|mora(?:ju|mo|te|o|la|li)?|naredio|naredila"
    r"|naredili|ukoliko\sne|osim\sako|duhet|perndryshe"
    r"|deri\sme)\b"
)
_GOAL_CUE = re.compile(
    r"\b(?:to\s(?:reach|find|agree|resolve|settle|respond|reply|answer|withdraw|leave|remove"
    r"|dismantle|comply|re-?register|register|hand\sover|surrender|pull\sout|evacuate)"
    r"|solution|compromise|agreement|deal|settlement|response|answer"
    r"|resenj\w*|kompromis\w*|dogovor\w*|sporazum\w*|zgjidhj\w*|marreveshj\w*)\b"
)


# One scan finds every cue; the group that matched names its family.
# (Each pattern starts with \b; checked once for all of them, the scan is twice as fast.)
_BOUNDARY = r"\b"
_ANY_CUE = re.compile(
    _BOUNDARY
    + "(?:"
    + "|".join(
        f"(?P<{family}>{pattern.pattern.removeprefix(_BOUNDARY)})"
        for family, pattern in (
            ("noun", _NOUN_CUE),
            ("verb", _VERB_CUE),
            ("obligation", _OBLIGATION_CUE),
            ("goal", _GOAL_CUE),
        )
    )
    + ")"
)
_COPULA_BEFORE = re.compile(r"\b(?:is|was|will\sbe|falls\son|remains|je|eshte)\s$")
_LEADING_PREPOSITION = re.compile(r"(?:by|before|until|till|do|deri)\s")
_NEGATED_NOUN = re.compile(r"(?:\bno|\bwithout(?:\sa|\sany)?|\bnema|\bbez|\bpa|\basnje)\s$")
_EXPIRED = re.compile(
    r"\b(?:expired|passed|lapsed|ran\sout|istekao|istekla|isteklo|skadoi|kaloi)\b"
)
_EXPIRY = re.compile(r"expir|runs?\sout|ran\sout|lapse|istek|istice|skad")


@dataclass(frozen=True, slots=True)
class _Cue:
    start: int
    end: int
    family: str  # noun | verb | obligation | goal


_FAMILY_STRENGTH = {"noun": 3, "verb": 2, "obligation": 1, "goal": 0}
# Expression kinds each cue family governs.
_GOVERNS = {
    "noun": frozenset({"date", "weekday", "period", "window", "compound", "clock"}),
    "obligation": frozenset({"date", "weekday", "period", "window", "clock"}),
    "verb": frozenset({"date", "weekday", "period", "window", "shift", "compound", "clock"}),
    "goal": frozenset({"window", "date", "weekday", "period"}),
}
_STRONG_BOUNDARY = re.compile(r"[;()\[\]]|:(?!\d)|\s-\s|\.\.\.|…")
_CLAUSE_BOUNDARY = re.compile(
    r"[,;()\[\]]|:(?!\d)|\s-\s|…|\b(?:after|when|while|but|because|although|though|whereas)\b"
)
_WORD = re.compile(r"[^\W_]+")
_MAX_CUE_DISTANCE = 15  # words between a cue and the time expression it governs
_CLAUSE_PENALTY = 5  # a comma or "after" between them counts as this many words
_MERGE_GAP = 2  # cues this many words apart or closer read as one ("extend the deadline")


def find_deadlines(
    sentences: Sequence[Sentence],
    *,
    published: date | None,
    cue_sentences: Collection[int] | None = None,
) -> list[Deadline]:
    """Deadline phrases in ``sentences`` with absolute offsets, in text order.

    ``cue_sentences``, when given, are the positions in ``sentences`` of the
    sentences where a term of :data:`CUE_TERMS` occurs (a caller that already
    looks terms up finds them in the same pass). Only those are scanned for
    cue stems; the result is the same, as a sentence can hold a deadline only
    if a stem starts a word of it. Callers must pass None when the folded
    text is not ASCII (the terms are found on words of folded text; the stems
    are looked for on ASCII letters).
    """
    if cue_sentences is not None and not any(_SEPARATOR in s.text for s in sentences):
        if not cue_sentences:
            return []
        kept = _candidates([sentences[number] for number in sorted(cue_sentences)])
        if kept is not None:  # (always: no sentence has the separator)
            return _find(kept, published)
    candidates = _candidates(sentences)
    return _find(sentences if candidates is None else candidates, published)


def _find(sentences: Iterable[Sentence], published: date | None) -> list[Deadline]:
    """Every sentence analysed in full (the reference :func:`find_deadlines` must agree with)."""
    if isinstance(published, datetime):
        published = published.date()
    found: dict[tuple[int, int], Deadline] = {}
    for sentence in sentences:
        for deadline in _sentence_deadlines(sentence, published):
            found.setdefault((deadline.start, deadline.end), deadline)
    return sorted(found.values(), key=lambda d: (d.start, d.end))


# --- prefilter ---------------------------------------------------------------------

# Each cue pattern above contains one of these stems right after a character that is
# not a letter or digit (regex fragments on folded text; a space stands for any run of
# whitespace). The deadline words ("noun" cues) are listed first: a sentence with one
# is analysed even without a time expression.
_NOUN_STEMS = ("deadline", "ultimat", "limit", "grace period", r"cut\W?off", "rok", "afat")
_OTHER_STEMS = (
    # verb cues
    "postpon", "delay", "exten", "defer", r"push\w* back", "put off", "prolong", "expir",
    "runs? out", "ran out", "lapse", "reschedul", "odloz", "odlag", "produz", "istek",
    "istice", "shty", "zgjatj", "skad",
    # obligation cues
    "must", "ha(?:ve|s) to", "required to", "ordered", "obliged", "demand", "gave", "given",
    "told", "asked", "ha(?:ve|s|d) until", "unless", "or (?:else|face)", "mora", "naredi",
    "ukoliko ne", "osim ako", "duhet", "perndryshe", "deri me",
    # goal cues
    r"to (?:reach|resolve|respond|reply|remove|re\W?register|register|find|agree|settle"
    "|answer|withdraw|leave|dismantle|comply|hand|surrender|pull|evacuate)",
    "solution", "compromise", "agreement", "deal", "settlement", "response", "answer",
    "resenj", "kompromis", "dogovor", "sporazum", "zgjidhj", "marreveshj",
)  # fmt: skip


# Terms (see :mod:`indicators.terms`) found wherever a stem above starts a word of
# ASCII folded text: each stem's words as term words, the last one open-ended.
CUE_TERMS: tuple[str, ...] = (
    "deadline*", "ultimat*", "limit*", "grace period*", "cutoff*", "cut off*", "rok*", "afat*",
    "postpon*", "delay*", "exten*", "defer*", "push* back*", "put off*", "prolong*", "expir*",
    "run out*", "runs out*", "ran out*", "lapse*", "reschedul*", "odloz*", "odlag*", "produz*",
    "istek*", "istice*", "shty*", "zgjatj*", "skad*",
    "must*", "have to*", "has to*", "required to*", "ordered*", "obliged*", "demand*", "gave*",
    "given*", "told*", "asked*", "have until*", "has until*", "had until*", "unless*",
    "or else*", "or face*", "mora*", "naredi*", "ukoliko ne*", "osim ako*", "duhet*",
    "perndryshe*", "deri me*",
    "to reach*", "to resolve*", "to respond*", "to reply*", "to remove*", "to reregister*",
    "to re register*", "to register*", "to find*", "to agree*", "to settle*", "to answer*",
    "to withdraw*", "to leave*", "to dismantle*", "to comply*", "to hand*", "to surrender*",
    "to pull*", "to evacuate*",
    "solution*", "compromise*", "agreement*", "deal*", "settlement*", "response*", "answer*",
    "resenj*", "kompromis*", "dogovor*", "sporazum*", "zgjidhj*", "marreveshj*",
)  # fmt: skip


def _stem_regex(stems: Iterable[str]) -> str:
    """The stems as one alternation grouped by first letter, so a scan tries few of them."""
    by_letter: dict[str, list[str]] = {}
    for stem in stems:
        by_letter.setdefault(stem[0], []).append(stem[1:].replace(" ", r"\s+"))
    return "|".join(
        f"{letter}(?:{'|'.join(sorted(rests, key=len, reverse=True))})"
        for letter, rests in sorted(by_letter.items())
    )


# The anchor is a plain character class, which the regex engine skips over quickly.
_CUE_STEM = re.compile(rf"[^a-z0-9](?:{_stem_regex(_NOUN_STEMS + _OTHER_STEMS)})")
_NOUN_STEM = re.compile(rf"[^a-z0-9](?:{_stem_regex(_NOUN_STEMS)})")
# Characters that are not ASCII yet fold to punctuation or a space (quotes, dashes,
# no-break space, ellipsis): lower-cased text that has no other non-ASCII character
# contains the stems exactly where its folded form does.
_FOLDS_TO_PUNCTUATION = (
    "\u00a0\u2010\u2011\u2012\u2013\u2014\u2015\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f"
    "\u2026\u2212£€"
)
_NEEDS_FOLDING = re.compile(rf"[^\x00-\x7f{_FOLDS_TO_PUNCTUATION}]")
# Lower-case letters of Latin-script news in the region, replaced by their folded form
# (cheaper than folding the whole text when they are its only other non-ASCII letters).
_LATIN_LETTERS = tuple((letter, fold(letter)) for letter in "čćšžđëçéèáíóúüöä")
_SEPARATOR = "\x00"


def _candidates(sentences: Sequence[Sentence]) -> list[Sentence] | None:
    """The sentences that can hold a deadline (None: the text defeats the prefilter).

    One scan of the whole document, lower-cased or, when it has letters outside
    ASCII, folded: a sentence can hold a deadline only if a cue stem occurs in it
    and, unless that is a deadline word, something :func:`_expressions` could read
    as a time.
    """
    texts = [sentence.text for sentence in sentences]
    joined = _SEPARATOR + _SEPARATOR.join(texts)
    scanned = joined.lower()
    if not scanned.isascii() and _NEEDS_FOLDING.search(scanned) is not None:
        for letter, folded in _LATIN_LETTERS:
            if letter in scanned:
                scanned = scanned.replace(letter, folded)
        if _NEEDS_FOLDING.search(scanned) is not None:
            scanned = fold(joined)
    if scanned.count(_SEPARATOR) != len(texts):
        return None  # the text itself has the separator: no reliable sentence numbers
    kept: dict[int, bool] = {}  # sentence number -> whether it is analysed
    index = -1  # the sentence the scan is in
    counted = 0  # separators counted up to here
    for m in _CUE_STEM.finditer(scanned):
        at = m.start() + 1  # the stem (the anchor may be the separator before it)
        index += scanned.count(_SEPARATOR, counted, at)
        counted = at
        if kept.get(index):
            continue
        if _NOUN_STEM.match(scanned, m.start()):
            kept[index] = True
        elif index not in kept:
            start = scanned.rfind(_SEPARATOR, 0, at) + 1
            end = scanned.find(_SEPARATOR, at)
            text = scanned[start : end if end >= 0 else len(scanned)]
            kept[index] = _may_name_a_time(" ".join(text.split()))
    return [sentences[number] for number, keep in kept.items() if keep]


def _sentence_deadlines(sentence: Sentence, published: date | None) -> list[Deadline]:
    norm = squeeze(sentence.text)
    folded = norm.text
    found = [_Cue(m.start(), m.end(), m.lastgroup or "") for m in _ANY_CUE.finditer(folded)]
    if not found:
        return []
    word_starts = [m.start() for m in _WORD.finditer(folded)]
    cues = _merged(folded, found, word_starts)
    linked: dict[_Cue, list[_Expr]] = {cue: [] for cue in cues}
    for expr in _expressions(folded):
        cue = _governing_cue(folded, expr, cues, word_starts)
        if cue is not None:
            linked[cue].append(expr)
    deadlines: list[Deadline] = []
    resolved: list[_Cue] = []
    unresolved: list[_Cue] = []
    for cue, governed in linked.items():
        deadline = None
        if governed:
            deadline = _resolved(sentence, norm, cue, governed, published)
        if deadline is not None:
            deadlines.append(deadline)
            resolved.append(cue)
        elif cue.family == "noun" and not _NEGATED_NOUN.search(folded, 0, cue.start):
            unresolved.append(cue)  # not "no deadline had been set"
    for cue in unresolved:
        # "Afati ... u shty per 10 dite": the deadline word belongs to the resolved one.
        if not any(_same_clause(folded, cue, other) for other in resolved):
            deadlines.append(_unresolved(sentence, norm, cue))
    return deadlines


def _same_clause(folded: str, one: _Cue, other: _Cue) -> bool:
    low, high = min(one.end, other.end), max(one.start, other.start)
    return high <= low or _CLAUSE_BOUNDARY.search(folded, low, high) is None


def _merged(folded: str, found: list[_Cue], word_starts: Sequence[int]) -> list[_Cue]:
    """Neighbouring cues read as one ("extend the deadline"), of the stronger family."""
    merged: list[_Cue] = []
    for cue in found:
        last = merged[-1] if merged else None
        if (
            last is not None
            and _words_between(word_starts, last.end, cue.start) <= _MERGE_GAP
            and not _CLAUSE_BOUNDARY.search(folded, last.end, max(last.end, cue.start))
        ):
            family = max(last.family, cue.family, key=_FAMILY_STRENGTH.__getitem__)
            merged[-1] = _Cue(last.start, max(last.end, cue.end), family)
        else:
            merged.append(cue)
    return merged


def _may_name_a_time(text: str) -> bool:
    """False when :func:`_expressions` finds nothing in ``text`` (cheaper than running it)."""
    if _DIGIT.search(text) is not None:
        return True
    words = word_texts(text)
    if not _DATE_WORDS.isdisjoint(words):
        return True
    # Without digits a count is a number word just before its unit ("two days",
    # "forty-eight-hour", "a couple of more weeks").
    for number, word in enumerate(words[1:], start=1):
        if word in UNIT_WORDS or word in _COMPOUND_UNITS:
            before = words[number - 1]
            if before in _NUMBER_ENDS:
                return True
            if before in _MORE and number > 1 and words[number - 2] in _NUMBER_ENDS:
                return True
    return False


def _expressions(folded: str) -> list[_Expr]:
    """Every time expression in a folded sentence; overlapping weaker ones dropped."""
    # Cheap gates first: each family of patterns runs only if a word it needs is here.
    has_digit = _DIGIT.search(folded) is not None
    words = set(word_texts(folded))
    if not has_digit and _TIME_WORDS.isdisjoint(words):
        return []
    exprs: list[_Expr] = []
    has_month = not _MONTH_WORDS.isdisjoint(words)
    if has_digit:
        exprs.extend(_dates(folded, has_month=has_month))
    has_end = not _END_WORDS.isdisjoint(words)
    # The period patterns need: an end word, an end word, both, an end word, a month.
    needs = (has_end, has_end, has_end and has_month, has_end, has_month)
    for pattern, needed in zip(_PERIOD_PATTERNS, needs, strict=True):
        for m in pattern.finditer(folded) if needed else ():
            exprs.append(_period_expr(m))
    for m in _WEEKDAY_PATTERN.finditer(folded) if not _WEEKDAY_WORDS.isdisjoint(words) else ():
        exprs.append(_Expr(m.start(), m.end(), "weekday", 4, (WEEKDAYS[m["wd"]],)))
    for m in _RELATIVE_DAYS.finditer(folded) if not _RELATIVE_WORDS.isdisjoint(words) else ():
        exprs.append(_Expr(m.start(), m.end(), "weekday", 4, (-1, _RELATIVE_OFFSETS[m["w"]])))
    # Every window and shift pattern contains a count and its unit ("48 hours").
    has_unit = not UNIT_WORDS.isdisjoint(words) and _COUNTED_UNIT.search(folded) is not None
    for kind, rank, patterns in (
        ("window", 2, _WINDOW_PATTERNS if has_unit else ()),
        ("shift", 1, _SHIFT_PATTERNS if has_unit else ()),
        ("compound", 2, (_COMPOUND_PATTERN,) if not _COMPOUND_UNITS.isdisjoint(words) else ()),
    ):
        for pattern in patterns:
            for m in pattern.finditer(folded):
                unit = {"satni": "hour", "casovni": "hour", "dnevni": "day"}.get(m["u"], m["u"])
                values = (number_value(m["n"]),)
                exprs.append(_Expr(m.start(), m.end(), kind, rank, values, unit_of(unit)))
    for m in _CLOCK_PATTERN.finditer(folded) if has_digit or "noon" in folded else ():
        clock = _clock_expr(folded, m)
        if clock is not None:
            exprs.append(clock)
    # Longest and strongest first; an expression inside a kept one is dropped.
    exprs.sort(key=lambda e: (-(e.end - e.start), -e.rank))
    kept: list[_Expr] = []
    for expr in exprs:
        if not any(k.start <= expr.start and expr.end <= k.end for k in kept):
            kept.append(expr)
    return sorted(kept, key=lambda e: e.start)


def _dates(folded: str, *, has_month: bool) -> Iterable[_Expr]:
    for kind, pattern in _DATE_PATTERNS:
        if kind in _NAMED_MONTH_FIRST and not has_month:
            continue  # these start with the month as a whole word
        for m in pattern.finditer(folded):
            groups = m.groupdict()
            year = int(groups["y"]) if groups.get("y") else 0
            if kind == "slashed":
                first, second = int(m["a"]), int(m["b"])
                if first > 12 >= second:
                    day, month = first, second
                elif second > 12 >= first:
                    day, month = second, first
                else:
                    continue  # 3/4/2022: day and month order unknown
            elif kind == "month_year":
                month, day = month_number(m["mon"]) or 0, 1
            else:
                month = int(groups["m"]) if groups.get("m") else month_number(m["mon"]) or 0
                day = int(m["d"])
            if not 1 <= month <= 12 or not 1 <= day <= 31:
                continue
            if kind == "month_year":
                yield _Expr(m.start(), m.end(), "period", 3, (year, month, 1), "named_month")
            else:
                yield _Expr(m.start(), m.end(), "date", 5, (year, month, day))


def _period_expr(m: re.Match[str]) -> _Expr:
    groups = m.groupdict()
    is_next = 1 if groups.get("next") or groups.get("next_sr") else 0
    year = int(groups["y"]) if groups.get("y") else 0
    if groups.get("mon"):
        month = month_number(groups["mon"]) or 1
        text = m.group()
        at_start = not any(word in text for word in ("end", "kraj", "fund"))
        return _Expr(m.start(), m.end(), "period", 3, (year, month, int(at_start)), "named_month")
    period = groups.get("p") or groups.get("p2")
    if period:
        if period.startswith(("week", "nedel", "nedjel", "sedmic", "jav")):
            unit = "week"
        elif period.startswith(("month", "mesec", "mjesec", "muaj")):
            unit = "month"
        else:
            unit = "year"
        return _Expr(m.start(), m.end(), "period", 3, (is_next,), unit)
    return _Expr(m.start(), m.end(), "period", 3, (year,), "year_of")


def _clock_expr(folded: str, m: re.Match[str]) -> _Expr | None:
    if m["noon"]:
        hour, minute = 12, 0
    else:
        hour = int(m["h"] or m["h2"])
        minute = int(m["mi"] or m["mi2"] or 0)
        meridiem = (m["ap"] or "").replace(".", "")
        if meridiem == "pm" and hour < 12:
            hour += 12
        elif meridiem == "am" and hour == 12:
            hour = 0
    if hour > 23 or minute > 59:
        return None
    zone = _ZONE_PATTERN.match(folded, m.end())
    if zone is None:
        return _Expr(m.start(), m.end(), "clock", 0, (hour, minute, 0), "")
    return _Expr(m.start(), zone.end(), "clock", 0, (hour, minute, _ZONES[zone["z"]]), "zone")


def _governing_cue(
    folded: str, expr: _Expr, cues: Sequence[_Cue], word_starts: Sequence[int]
) -> _Cue | None:
    """The nearest cue that governs ``expr`` in the same stretch of the sentence."""
    best: tuple[int, int, _Cue] | None = None
    for cue in cues:
        if expr.kind not in _GOVERNS[cue.family]:
            continue
        overlaps = cue.start < expr.end and expr.start < cue.end  # "u roku od 48 sati"
        low, high = min(cue.end, expr.end), max(cue.start, expr.start)
        if high > low and _STRONG_BOUNDARY.search(folded, low, high):
            continue
        distance = 0 if overlaps else _words_between(word_starts, low, high)
        if not _fits(folded, expr, cue, distance):
            continue
        clauses = len(_CLAUSE_BOUNDARY.findall(folded, low, high)) if high > low else 0
        distance += _CLAUSE_PENALTY * clauses
        if distance > _MAX_CUE_DISTANCE:
            continue
        # A cue after the expression counts as a little further away; ties go to the
        # stronger family ("a deadline of September 15 to respond").
        key = (distance + (0 if cue.start <= expr.start else 2), -_FAMILY_STRENGTH[cue.family])
        if best is None or key < best[:2]:
            best = (*key, cue)
    return best[2] if best else None


def _fits(folded: str, expr: _Expr, cue: _Cue, distance: int) -> bool:
    """Whether a cue can govern this kind of expression at this distance and wording."""
    if expr.kind == "compound":  # "48-hour ultimatum", not "three-day drill"
        return cue.start >= expr.end and distance <= 1
    if expr.kind == "clock":
        return distance <= 6
    lead = folded[max(0, expr.start - 30) : expr.start]
    prepositioned = (
        _DEADLINE_PREPOSITION.search(lead) is not None
        or _LEADING_PREPOSITION.match(folded, expr.start) is not None
    )
    if expr.kind in ("date", "weekday", "period"):
        # A date a deadline is about needs a deadline preposition ("by", "until",
        # "deadline of"); "on December 7" is when something happened.
        cue_before = cue.end <= expr.start
        # "the deadline of 31 October", "the deadline for re-registration is 31 October"
        noun_just_before = (
            cue.family == "noun"
            and cue_before
            and (distance <= 3 or _COPULA_BEFORE.search(lead) is not None)
        )
        # "The ultimatum expires at 20:00 on Friday", "rok istice 31. oktobra": after an
        # expiry the date is the due date.
        expiry = cue_before and _EXPIRY.search(folded, cue.start, cue.end) is not None
        expiry_on = cue_before and (
            (lead.endswith((" on ", " me ")) and (expiry or cue.family == "noun"))
            or (expiry and distance <= 1)
        )
        if not (prepositioned or noun_just_before or expiry_on):
            return False
    if cue.family == "goal":  # "to reach a deal in the next 10 days", "... by Friday"
        if expr.kind != "window" and not prepositioned:
            return False
        return cue.end <= expr.start or distance <= 2
    return True


def _words_between(word_starts: Sequence[int], low: int, high: int) -> int:
    return sum(1 for start in word_starts if low <= start < high)


# --- resolution -------------------------------------------------------------------


def _resolved(
    sentence: Sentence,
    norm: Squeezed,
    cue: _Cue,
    governed: list[_Expr],
    published: date | None,
) -> Deadline | None:
    dated = [e for e in governed if e.kind != "clock"]
    clock = next((e for e in governed if e.kind == "clock"), None)
    if dated:
        best = max(dated, key=lambda e: (e.rank, e.end))
        expired = _EXPIRED.search(norm.text, min(cue.start, best.start), best.end) is not None
        due, reason = _resolve(best, published, expired=expired)
        if clock is not None and due is not None and best.kind in ("date", "weekday"):
            due, reason = _with_clock(due, clock, reason)
    elif clock is not None and cue.family == "noun":  # "the ultimatum expires at 20:00"
        due, reason = _with_clock(published, clock, "clock time on the publication date")
    else:
        return None
    start = min([cue.start, *(e.start for e in governed)])
    end = max([cue.end, *(e.end for e in governed)])
    return _deadline(sentence, norm, start, end, due, reason)


def _unresolved(sentence: Sentence, norm: Squeezed, cue: _Cue) -> Deadline:
    folded = norm.text
    start = end = None
    for boundary in _CLAUSE_BOUNDARY.finditer(folded):
        if boundary.end() <= cue.start:
            start = boundary.end()
        elif boundary.start() >= cue.end and end is None:
            end = boundary.start()
    clause_start = start if start is not None else 0
    clause_end = end if end is not None else len(folded)
    return _deadline(
        sentence, norm, clause_start, clause_end, None, "no date given for this deadline"
    )


def _deadline(
    sentence: Sentence,
    norm: Squeezed,
    start: int,
    end: int,
    due: date | datetime | None,
    reason: str,
) -> Deadline:
    folded = norm.text
    while start < end and not folded[start].isalnum() and folded[start] not in "\"'":
        start += 1
    while end > start and (folded[end - 1].isspace() or folded[end - 1] in ",;:.-"):
        end -= 1
    orig_start, orig_end = norm.span(start, end)
    text = sentence.text
    # Close a quotation the phrase opens: reach a “compromise solution in the next 10 days”
    phrase = text[orig_start:orig_end]
    if (
        orig_end < len(text)
        and text[orig_end] in "\"”’'»"
        and (phrase.count('"') % 2 == 1 or phrase.count("“") > phrase.count("”"))
    ):
        orig_end += 1
    return Deadline(
        phrase=text[orig_start:orig_end],
        start=sentence.start + orig_start,
        end=sentence.start + orig_end,
        due=due,
        reason=reason,
    )


def _resolve(expr: _Expr, published: date | None, *, expired: bool) -> _Resolution:
    """The due date of an expression; ``expired``: the text says the deadline has passed."""
    if expr.kind == "date":
        year, month, day = expr.values
        if year:
            try:
                return date(year, month, day), "date given"
            except ValueError:
                return None, "not a calendar date"
        if published is None:
            return None, "year not given and no publication date"
        if expired:
            return last_occurrence(month, day, published), "expired: last such date"
        return next_occurrence(month, day, published), "next such date on or after publication"
    if published is None:
        return None, "relative to an unknown publication date"
    if expr.kind == "weekday":
        if expr.values[0] < 0:
            offset = expr.values[1]
            return published + timedelta(days=offset), f"{offset} day(s) after publication"
        if expired:
            back = (published.weekday() - expr.values[0]) % 7
            return published - timedelta(days=back), "expired: last such weekday"
        ahead = (expr.values[0] - published.weekday() - 1) % 7 + 1
        return published + timedelta(days=ahead), "next such weekday after publication"
    if expr.kind == "period":
        return _period_end(expr, published)
    amount, unit = expr.values[0], expr.label
    reason = f"{amount} {unit}{'' if amount == 1 else 's'} after publication"
    if unit == "hour":
        reason += ", rounded up to whole days"
    return _add(published, amount, unit), reason


def _period_end(expr: _Expr, published: date) -> _Resolution:
    if expr.label == "named_month":
        year, month, before = expr.values
        if not year:
            year = published.year if month >= published.month else published.year + 1
        if before:
            return date(year, month, 1), "first day of the month named"
        return last_day(year, month), "last day of the month named"
    if expr.label == "year_of":
        return date(expr.values[0], 12, 31), "end of the year named"
    is_next = expr.values[0]
    if expr.label == "week":
        sunday = published + timedelta(days=6 - published.weekday() + 7 * is_next)
        return sunday, "end of the week (Sunday)"
    if expr.label == "month":
        first = date(published.year, published.month, 1) + relativedelta(months=is_next)
        return last_day(first.year, first.month), "end of the month"
    return date(published.year + is_next, 12, 31), "end of the year"


def _add(published: date, amount: int, unit: str) -> date:
    if unit == "hour":
        return published + timedelta(days=-(-amount // 24))
    if unit == "day":
        return published + timedelta(days=amount)
    if unit == "week":
        return published + timedelta(weeks=amount)
    if unit == "month":
        return published + relativedelta(months=amount)
    return published + relativedelta(years=amount)


def _with_clock(day: date | None, clock: _Expr, reason: str) -> tuple[date | datetime | None, str]:
    if day is None:
        return None, reason
    hour, minute, offset = clock.values
    local = datetime.combine(day, time(hour, minute), timezone(timedelta(hours=offset)))
    note = "" if clock.label == "zone" else ", time zone read as UTC"
    return local.astimezone(UTC), f"{reason}, at {hour:02d}:{minute:02d}{note}"
