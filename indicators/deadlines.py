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
scans it for what a deadline needs: in a sentence with a cue stem (or a cue
term the caller found), a deadline word, a count with its unit, a date,
weekday or period right after a deadline preposition, or an expiry. Only
those sentences are analysed in full, and in them each time pattern runs
only if the words it needs are there. The result is the same as analysing
every sentence with every pattern (tests compare the two, on generated text
and on the bench corpus). The month, weekday and number words come from
:mod:`indicators.timewords`.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import NamedTuple

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


class _Expr(NamedTuple):  # (a tuple: several are built for each sentence analysed, fast)
    start: int  # folded offsets within the sentence
    end: int
    kind: str  # date | weekday | period | window | shift | compound | clock
    rank: int  # which expression wins when several belong to one cue
    values: tuple[int, ...] = ()
    label: str = ""


# Words after which a date, weekday or period is a due date ("by Friday").
_PREPOSITIONS = (
    "by", "until", "till", "before", "to", "for", "no later than", "not later than", "do",
    "deri me", "deri ne", "deri", "najkasnije do", "expires?", "expiring", "expired", "ends?",
    "runs? out", "is due", "due", "set for",
)  # fmt: skip
_DEADLINE_PREPOSITION = re.compile(
    rf"(?:\b(?:{'|'.join(_PREPOSITIONS)})(?:\son)?"
    r"|\bdeadline (?:is|was|of|on|for)|\bultimatum (?:expires|ends))\s+(?:the\s+)?$"
)


def _words(words: str) -> str:
    """Regex alternatives for the space-separated ``words`` at the start of a word.

    "in(?<!\\win)|for(?<!\\wfor)" is \\b(?:in|for): each word, then a lookbehind for
    a letter, digit or underscore before it. A pattern whose alternatives all
    start with a plain letter lets the regex engine skip to those letters (one
    word: search for it like a string), several times faster than \\b, which is
    tried at every position; so put them in the pattern's first group, not in a
    group of their own.
    """
    return "|".join(f"{word}(?<!\\w{word})" for word in words.split())


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
_PERIOD_PATTERNS = (
    re.compile(
        rf"\b(?:{_END_OF})(?P<p>week|month|year|nedelje|nedjelje|sedmice|meseca|mjeseca"
        r"|godine|javes|muajit|vitit)\b"
    ),
    re.compile(rf"\b(?:{_END_OF})(?P<y>{YEAR})\b"),
    re.compile(rf"\b(?:{_END_OF})(?P<mon>{MONTH_NAME})\b(?:\s(?P<y>{YEAR})\b)?"),
    re.compile(r"\b(?P<p>year)[- ]end\b|\b(?P<p2>month)[- ]end\b"),
    re.compile(rf"(?:{_words('by before until till do deri')})\s(?P<mon>{MONTH_NAME})\b(?!\s\d)"),
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


def _needs(*words: str) -> tuple[frozenset[str], ...]:
    """Word sets a pattern needs a word of each of ("in for", "next coming")."""
    return tuple(frozenset(group.split()) for group in words)


# Each with what it needs besides its count and unit: a word of each set, as a whole word
# (the words it starts with; later fixed words such as "next" or "to").
_WINDOW_PATTERNS = (
    (
        re.compile(rf"(?:{_words('within')})\s(?:the\s(?:next|coming)\s)?{_N_UNITS}"),
        _needs("within"),
    ),
    (
        re.compile(
            rf"(?:{_words('in during over for')})\s(?:the\s)?(?:next|coming|following)\s{_N_UNITS}"
        ),
        _needs("in during over for", "next coming following"),
    ),
    (re.compile(rf"(?:{_words('in')})\s{_N_UNITS}"), _needs("in")),
    (
        re.compile(
            rf"(?:{_words('have has had given gave give gives giving get gets got')})"
            rf"\s(?:\w+\s){{0,3}}?{_N_UNITS}\sto\b"
        ),
        _needs("have has had given gave give gives giving get gets got", "to"),
    ),
    # Serbian: "u roku od 48 sati", "u narednih 10 dana", "za 48 sati" (with a cue)
    (
        re.compile(
            rf"(?:{_words('u')}\s(?:roku\sod|narednih|sledecih|slijedecih|iducih|naredna|sledeca"
            rf"|naredne|sledece)|{_words('rok')}\sod|{_words('tokom')}\s(?:narednih|sledecih"
            rf"|iducih)|{_words('narednih za')})\s{_N_UNITS}"
        ),
        _needs("u rok tokom narednih za"),
    ),
    # A deadline word with its length: "a deadline of 48 hours", "rok od 60 dana", "afat 60 dite"
    (
        re.compile(
            rf"(?:{_words('deadline ultimatum')}|{_words('time')}\slimit|{_words('rok')}"
            rf"|{_words('afat')}(?:i|in)?)\s(?:(?:of|od|prej|nga)\s)?{_N_UNITS}"
        ),
        _needs("deadline ultimatum time rok afat afati afatin"),
    ),
    # Albanian: "brenda 48 oreve", "ne 10 ditet e ardhshme", "afat prej 48 oresh"
    (
        re.compile(
            rf"(?:{_words('brenda')}|{_words('afat')}\s(?:prej|nga)|{_words('afat')}in?\s"
            rf"(?:prej|nga))\s(?:\w+\s)?{_N_UNITS}"
        ),
        _needs("brenda afat afati afatin"),
    ),
    (
        re.compile(
            rf"(?:{_words('ne gjate')})\s{_N_UNITS}\s(?:e|te)\s(?:ardhshme|ardhshem|ne\svijim)"
        ),
        _needs("ne gjate", "ardhshme ardhshem vijim"),
    ),
)
_SHIFT_PATTERNS = (
    (
        re.compile(rf"(?:{_words('by for')})\s(?:another\s|a\sfurther\s)?{_N_UNITS}"),
        _needs("by for"),
    ),
    (re.compile(rf"(?:{_words('per')})\s{_N_UNITS}"), _needs("per")),  # Albanian "shtyu per 48 ore"
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
# Cheap tests for what a pattern above needs (see :func:`_expressions`).
_AM_PM = re.compile(r"\d\s?[ap]\.?m\b")  # a clock time without a colon: "8 p.m.", "8am"
_DOT_DIGIT = re.compile(r"\.\s?\d")  # a dotted date's month: "1.9.", "1. 9."
_DIGIT_LETTER = re.compile(r"\d[a-z]")  # a day with a month right after it: "1jan"
_DIGIT_HYPHEN_DIGIT = re.compile(r"\d-\d")  # an ISO date: "2022-09-01"
_HYPHEN_UNIT = re.compile(r"-(?:hour|day|week|month|satni|casovni|dnevni)\b")  # "48-hour"
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
# A count with its unit, as :func:`word_texts` splits words: runs of letters and digits
# ([^\W_]), whatever separates them ([\W_]+); the count's last word or digit comes first.
_UNIT_AHEAD = (
    rf"[\W_]+(?:{alternation(_MORE)}[\W_]+)?{alternation(UNIT_WORDS | _COMPOUND_UNITS)}(?![^\W_])"
)
# How a date, a weekday or a period can start (see the patterns above).
_TIME_STARTS = (
    r"\d",
    alternation(_MONTH_WORDS),
    rf"(?:(?:e|te)\s+)?{alternation(_WEEKDAY_WORDS)}",
    alternation(_RELATIVE_WORDS),
    r"(?:the\s+)?(?:end|close|day\s+after\s+tomorrow)",
    r"(?:do\s+)?kraj[aue]",
    r"(?:ne\s+|deri\s+ne\s+)?fund",
    "year",
    "month",
)

# --- cues ----------------------------------------------------------------------

# The cue words of each family, as regex alternatives (each starts with a plain letter).
_CUES: dict[str, tuple[str, ...]] = {
    "noun": (
        r"deadlines?", r"ultimat(?:um|ums|a)", r"time[- ]limits?", r"grace\speriod",
        r"cut-?off\s(?:date|point)", r"rok(?:a|u|om|ovi|ove)?", r"krajnji\srok",
        r"ultimatum(?:a|u|om|i|in|it)", r"afat(?:i|in|it|et)?",
    ),
    "verb": (
        r"postpon\w*", r"delay(?:ed|s|ing)?", r"extend(?:ed|s|ing)?", r"extension",
        r"defer(?:red|s|ring|ral)?", r"push(?:ed|es|ing)?\sback", r"put\soff", r"prolong\w*",
        r"expir\w*", r"runs?\sout", r"ran\sout", r"lapse[sd]?", r"reschedul\w*", r"odloz\w*",
        r"odlag\w*", r"produz\w*", r"istek\w*", r"istice", r"shty\w*", r"zgjatj\w*", r"skad\w*",
    ),
    "obligation": (
        r"must", r"have\sto", r"has\sto", r"required\sto", r"ordered", r"obliged", r"demand\w*",
        r"gave", r"given", r"told", r"asked", r"ha(?:ve|s|d)\suntil", r"unless", r"or\selse",
        r"or\sface", r"mora(?:ju|mo|te|o|la|li)?", r"naredio", r"naredila", r"naredili",
        r"ukoliko\sne", r"osim\sako", r"duhet", r"perndryshe", r"deri\sme",
    ),
    "goal": (
        r"to\s(?:reach|find|agree|resolve|settle|respond|reply|answer|withdraw|leave|remove"
        r"|dismantle|comply|re-?register|register|hand\sover|surrender|pull\sout|evacuate)",
        r"solution", r"compromise", r"agreement", r"deal", r"settlement", r"response", r"answer",
        r"resenj\w*", r"kompromis\w*", r"dogovor\w*", r"sporazum\w*", r"zgjidhj\w*",
        r"marreveshj\w*",
    ),
}  # fmt: skip


def _cue_regex(cues: dict[str, tuple[str, ...]]) -> str:
    """Every cue as one regex; the group that matched is named after its family.

    The same as ``\\b(?:(?P<noun>...)|(?P<verb>...)|...)\\b``, with the
    alternatives grouped by first letter ("d(?:(?P<noun_d>eadlines?)|(?P<verb_d>elay...)"):
    where a word starts, the regex engine then tries the few cues with its first
    letter, not all of them (twice as fast). Only cues with the same first letter
    can match at the same place, and their order is kept.
    """
    by_letter: dict[str, dict[str, list[str]]] = {}
    for family, alternatives in cues.items():
        for alternative in alternatives:
            by_letter.setdefault(alternative[0], {}).setdefault(family, []).append(alternative[1:])
    return (
        r"\b(?:"
        + "|".join(
            letter
            + "(?:"
            + "|".join(
                f"(?P<{family}_{letter}>{'|'.join(rests)})" for family, rests in families.items()
            )
            + ")"
            for letter, families in by_letter.items()
        )
        + r")\b"
    )


# One scan finds every cue; ``lastgroup`` ("noun_d") names its family.
_ANY_CUE = re.compile(_cue_regex(_CUES))
_FAMILY: dict[str | None, str] = {group: group.partition("_")[0] for group in _ANY_CUE.groupindex}
_COPULA_BEFORE = re.compile(r"\b(?:is|was|will\sbe|falls\son|remains|je|eshte)\s$")
_LEADING_PREPOSITION = re.compile(r"(?:by|before|until|till|do|deri)\s")
_NEGATED_NOUN = re.compile(r"(?:\bno|\bwithout(?:\sa|\sany)?|\bnema|\bbez|\bpa|\basnje)\s$")
_NEGATION_LENGTH = len("without any ")  # the longest match: looked for in that much text
_EXPIRED = re.compile(  # \b(?:expired|...|ran\sout|...)\b, written for a fast scan
    rf"(?:{_words('expired passed lapsed istekao istekla isteklo skadoi kaloi')}"
    r"|ran(?<!\wran)\sout)\b"
)
_EXPIRY_STEMS = ("expir", r"runs?\sout", r"ran\sout", "lapse", "istek", "istice", "skad")
_EXPIRY = re.compile("|".join(_EXPIRY_STEMS))


class _Cue(NamedTuple):
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
# [,;()\[\]]|:(?!\d)|\s-\s|…|\b(?:after|when|while|but|because|although|though|whereas)\b
# on squeezed text (its only whitespace is the space), written with alternatives that
# all start with a plain character ("after(?<!\wafter)\b" is \bafter\b): the regex engine
# then skips to those characters instead of trying every position (twice as fast).
_CLAUSE_WORDS = ("after", "when", "while", "but", "because", "although", "though", "whereas")
_CLAUSE_BOUNDARY = re.compile(
    "|".join(
        [",", ";", r"\(", r"\)", r"\[", r"\]", r":(?!\d)", " - ", "…"]
        + [rf"{word}(?<!\w{word})\b" for word in _CLAUSE_WORDS]
    )
)
# The first letter or digit of a word (a run of them, as word_texts splits words); the
# lookbehind sees the character before ``pos`` too.
_WORD_START = re.compile(r"(?<![^\W_])[^\W_]")
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
    looks terms up finds them in the same pass). Only those are considered,
    the term standing for the cue stem the prefilter looks for otherwise; the
    result is the same, as a sentence can hold a deadline only if a stem
    starts a word of it, and a term is found wherever one does. Callers must
    pass None when the folded text has a letter or digit outside ASCII (the
    terms are found on words of folded text, the stems on ASCII letters;
    symbols such as "£" change neither).
    """
    if cue_sentences is not None:
        if not cue_sentences:
            return []
        kept = _candidates([sentences[number] for number in sorted(cue_sentences)], cued=True)
        if kept is not None:  # (None: a sentence has the separator; all are analysed)
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
    """The stems as one alternation grouped by first letter, so a scan tries few of them.

    (Only whether a stem occurs matters, not which: the order is free.)
    """
    by_letter: dict[str, list[str]] = {}
    for stem in stems:
        by_letter.setdefault(stem[0], []).append(stem[1:].replace(" ", r"\s+"))
    return "|".join(
        f"{letter}(?:{'|'.join(sorted(rests, key=len, reverse=True))})"
        for letter, rests in sorted(by_letter.items())
    )


# The anchor is a plain character class, which the regex engine skips over quickly.
_CUE_STEM = re.compile(rf"[^a-z0-9](?:{_stem_regex(_NOUN_STEMS + _OTHER_STEMS)})")
# What a sentence with a cue stem needs to hold a deadline (see _fits and _resolved):
# - a deadline word (it is kept even without a time expression), or else a time
#   expression a cue governs that resolves to a due date:
# - a count with its unit: every window, shift and compound has one ("within 48 hours",
#   "by a month", "a two-day delay");
# - a date, a weekday or a period right after a deadline preposition ("by Friday",
#   "until the end of the month") or starting with one ("do kraja meseca");
# - an expiry ("expired on Friday", "istice 1. septembra"), looked for on its own as
#   :func:`_fits` does: anywhere in the cue, even inside a word;
# (a clock time alone resolves only with a deadline word). One scan finds all but the
# expiry: it stops only at characters that are not letters ([^a-z], a plain character
# class the regex engine skips to quickly), which is where a word starts or a count's
# digits end. On lower-cased text whose whitespace is not squeezed: \s+ where the
# patterns have one space. (An anchor that is a digit, an underscore or a letter outside
# ASCII only makes the test looser than "a word starts here", never stricter.)
_MAY_HOLD_A_DEADLINE = re.compile(
    rf"[^a-z](?:{_stem_regex(_NOUN_STEMS)}|(?<=\d){_UNIT_AHEAD}"
    rf"|(?:{_stem_regex(_NUMBER_ENDS)}){_UNIT_AHEAD}"
    rf"|(?:{_stem_regex(_PREPOSITIONS)})(?:\s+on)?\s+(?:the\s+)?(?:{'|'.join(_TIME_STARTS)}))"
)
# The expiry stems that are plain words are looked for with str.find (far cheaper than
# a regex scan), the others ("runs out") only when the text has an "out".
_EXPIRY_WORDS = tuple(stem for stem in _EXPIRY_STEMS if stem.isalpha())
_EXPIRY_PHRASE = re.compile(
    "|".join(stem for stem in _EXPIRY_STEMS if not stem.isalpha()).replace(r"\s", r"\s+")
)
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


def _candidates(sentences: Sequence[Sentence], *, cued: bool = False) -> list[Sentence] | None:
    """The sentences that can hold a deadline (None: the text defeats the prefilter).

    The whole document is lower-cased or, when it has letters outside ASCII,
    folded at once: a sentence can hold a deadline only if a cue stem occurs in
    it (taken for granted when ``cued``: the caller found a cue term in each)
    and, unless it has a deadline word, something :func:`_expressions` could
    read as a time.
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
    # One scan of the whole text for what a sentence needs (with a cue term in each, what
    # follows the cue; else first a cue stem); after each find, the scan goes on after
    # its sentence. (The separator before a sentence anchors its first word.)
    kept: list[Sentence] = []
    index = -1  # the number of the sentence the scan is in
    counted = 0  # separators counted before this position
    pos = 0
    while True:
        found = _hint(scanned, pos) if cued else _stem(scanned, pos)
        if found < 0:
            return kept
        start = scanned.rfind(_SEPARATOR, 0, found + 1)  # (the anchor may be it)
        index += scanned.count(_SEPARATOR, counted, start + 1)
        counted = start + 1
        end = scanned.find(_SEPARATOR, start + 1)
        if end < 0:
            end = len(scanned)
        if cued or _hint(scanned, start, end) >= 0:
            kept.append(sentences[index])
        pos = end


def _stem(scanned: str, pos: int) -> int:
    """Where the next cue stem's anchor is in ``scanned[pos:]``, or -1."""
    stem = _CUE_STEM.search(scanned, pos)
    return -1 if stem is None else stem.start()


def _sentence_deadlines(sentence: Sentence, published: date | None) -> list[Deadline]:
    norm = squeeze(sentence.text)
    folded = norm.text
    found = [_Cue(m.start(), m.end(), _FAMILY[m.lastgroup]) for m in _ANY_CUE.finditer(folded)]
    if not found:
        return []
    cues = _merged(folded, found)
    linked: dict[_Cue, list[_Expr]] = {cue: [] for cue in cues}
    words = _WordStarts(folded, cues)
    for expr in _expressions(folded):
        cue = _governing_cue(folded, expr, words.cues_near(expr), words)
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
        elif cue.family == "noun" and not _NEGATED_NOUN.search(
            folded, max(0, cue.start - _NEGATION_LENGTH), cue.start
        ):
            unresolved.append(cue)  # not "no deadline had been set"
    for cue in unresolved:
        # "Afati ... u shty per 10 dite": the deadline word belongs to the resolved one.
        if not any(_same_clause(folded, cue, other) for other in resolved):
            deadlines.append(_unresolved(sentence, norm, cue))
    return deadlines


def _same_clause(folded: str, one: _Cue, other: _Cue) -> bool:
    low, high = min(one.end, other.end), max(one.start, other.start)
    return high <= low or _CLAUSE_BOUNDARY.search(folded, low, high) is None


def _merged(folded: str, found: list[_Cue]) -> list[_Cue]:
    """Neighbouring cues read as one ("extend the deadline"), of the stronger family."""
    merged: list[_Cue] = []
    for cue in found:
        last = merged[-1] if merged else None
        if (
            last is not None
            and _words_between(folded, last.end, cue.start) <= _MERGE_GAP
            and not _CLAUSE_BOUNDARY.search(folded, last.end, max(last.end, cue.start))
        ):
            family = max(last.family, cue.family, key=_FAMILY_STRENGTH.__getitem__)
            merged[-1] = _Cue(last.start, max(last.end, cue.end), family)
        else:
            merged.append(cue)
    return merged


def _hint(scanned: str, pos: int, end: int | None = None) -> int:
    """Where ``scanned[pos:end]`` first shows that a sentence may hold a deadline, or -1.

    ``scanned`` is lower-cased (or folded) text and ``scanned[pos]`` is not a
    letter (the separator before a sentence). A sentence with a cue stem in
    which this finds nothing holds no deadline (see _MAY_HOLD_A_DEADLINE).
    """
    first = -1
    if end is None:
        end = len(scanned)
    found = _MAY_HOLD_A_DEADLINE.search(scanned, pos, end)
    if found is not None:
        first = end = found.start()
    for stem in _EXPIRY_WORDS:  # or an expiry before it
        at = scanned.find(stem, pos, end)
        if at >= 0:
            first = end = at
    if scanned.find("out", pos, end) >= 0:
        phrase = _EXPIRY_PHRASE.search(scanned, pos, end)
        if phrase is not None:
            first = phrase.start()
    return first


def _expressions(folded: str, *, gated: bool = True) -> list[_Expr]:
    """Every time expression in a folded sentence; overlapping weaker ones dropped.

    ``gated``: each pattern runs only if the sentence has what it needs (a word,
    a character); the result is the same as running them all (tests compare).
    """
    has_digit = _DIGIT.search(folded) is not None
    words = set(word_texts(folded))
    if not has_digit and _TIME_WORDS.isdisjoint(words):
        return []
    words &= _GATE_WORDS  # the words some pattern needs: a small set, quick to compare
    exprs: list[_Expr] = []
    if has_digit:
        exprs.extend(_dates(folded, words, gated=gated))
    for scan in _SCANS:
        for group in scan.words if gated else ():
            if group.isdisjoint(words):
                break
        else:
            if gated and scan.probe is not None and scan.probe.search(folded) is None:
                continue
            for m in scan.pattern.finditer(folded):
                exprs.append(scan.expression(m))
    # (Without a digit, only with "noon" in it is a sentence looked at for "noon"/"midday":
    # part of what is found, not a shortcut.)
    if (has_digit or "noon" in folded) and (
        not gated
        or ":" in folded
        or "noon" in folded
        or "midday" in folded
        or _AM_PM.search(folded) is not None
    ):
        for m in _CLOCK_PATTERN.finditer(folded):
            clock = _clock_expr(folded, m)
            if clock is not None:
                exprs.append(clock)
    # Longest and strongest first; an expression inside a kept one is dropped. A kept
    # one that holds it starts at most the longest length before it: only those starts
    # are looked at (a sentence of thousands of expressions compared every pair).
    exprs.sort(key=lambda e: (-(e.end - e.start), -e.rank))
    longest = exprs[0].end - exprs[0].start if exprs else 0
    kept: list[_Expr] = []
    end_by_start: dict[int, int] = {}  # the furthest end of the kept ones starting there
    for expr in exprs:
        if not any(
            end_by_start.get(start, -1) >= expr.end
            for start in range(expr.start - longest, expr.start + 1)
        ):
            kept.append(expr)
            end_by_start[expr.start] = max(end_by_start.get(expr.start, -1), expr.end)
    return sorted(kept, key=lambda e: e.start)


def _dates(folded: str, words: set[str], *, gated: bool) -> Iterable[_Expr]:
    has_month = not gated or not _MONTH_WORDS.isdisjoint(words)
    # What each pattern needs: a hyphen, a dot before the month, a slash, a month word
    # or a month right after the day ("1jan", "1stjan"), a month word to start with.
    may_match = {
        "iso": not gated or _DIGIT_HYPHEN_DIGIT.search(folded) is not None,
        "dotted": not gated or _DOT_DIGIT.search(folded) is not None,
        "slashed": not gated or "/" in folded,
        "day_month": has_month or not gated or _DIGIT_LETTER.search(folded) is not None,
        "month_day": has_month,
        "month_year": has_month,
    }
    for kind, pattern in _DATE_PATTERNS:
        if not may_match[kind]:
            continue
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


class _Scan(NamedTuple):
    """A pattern, what a sentence needs for it to match and what a match means."""

    pattern: re.Pattern[str]
    expression: Callable[[re.Match[str]], _Expr]
    words: tuple[frozenset[str], ...]  # a word of each set, as word_texts splits words
    probe: re.Pattern[str] | None = None  # and a match of this, when given


def _counted(kind: str, rank: int) -> Callable[[re.Match[str]], _Expr]:
    """The expression of a window, shift or compound match (a count and its unit)."""

    def expression(m: re.Match[str]) -> _Expr:
        unit = {"satni": "hour", "casovni": "hour", "dnevni": "day"}.get(m["u"], m["u"])
        return _Expr(m.start(), m.end(), kind, rank, (number_value(m["n"]),), unit_of(unit))

    return expression


def _weekday(m: re.Match[str]) -> _Expr:
    return _Expr(m.start(), m.end(), "weekday", 4, (WEEKDAYS[m["wd"]],))


def _relative_day(m: re.Match[str]) -> _Expr:
    return _Expr(m.start(), m.end(), "weekday", 4, (-1, _RELATIVE_OFFSETS[m["w"]]))


# Every pattern but the dates and clock times, in the order their matches are collected.
# Every window and shift pattern contains a count and its unit ("48 hours").
_SCANS = (
    # The period patterns need: an end word, an end word, both, an end word, a month.
    *(
        _Scan(pattern, _period_expr, needed)
        for pattern, needed in zip(
            _PERIOD_PATTERNS,
            (
                (_END_WORDS,),
                (_END_WORDS,),
                (_END_WORDS, _MONTH_WORDS),
                (_END_WORDS,),
                (_MONTH_WORDS,),
            ),
            strict=True,
        )
    ),
    _Scan(_WEEKDAY_PATTERN, _weekday, (_WEEKDAY_WORDS,)),
    _Scan(_RELATIVE_DAYS, _relative_day, (_RELATIVE_WORDS,)),
    *(_Scan(p, _counted("window", 2), (UNIT_WORDS, *needed)) for p, needed in _WINDOW_PATTERNS),
    *(_Scan(p, _counted("shift", 1), (UNIT_WORDS, *needed)) for p, needed in _SHIFT_PATTERNS),
    _Scan(_COMPOUND_PATTERN, _counted("compound", 2), (_COMPOUND_UNITS,), _HYPHEN_UNIT),
)
# Every word a gate looks for.
_GATE_WORDS = frozenset().union(*(group for scan in _SCANS for group in scan.words), _MONTH_WORDS)


class _WordStarts:
    """Where the words of a sentence start, and where its cues lie: how many words are
    between two offsets, and the cues near an expression, without reading the text
    between every cue and every expression (a long sentence full of both took minutes)."""

    def __init__(self, folded: str, cues: Sequence[_Cue]) -> None:
        self.starts = [m.start() for m in _WORD_START.finditer(folded)]
        self._cues = cues  # in order, not overlapping: their starts and ends both ascend
        self._cue_starts = [cue.start for cue in cues]
        self._cue_ends = [cue.end for cue in cues]

    def between(self, low: int, high: int) -> int:
        """How many words start in ``folded[low:high]``."""
        return bisect_left(self.starts, high) - bisect_left(self.starts, low)

    def cues_near(self, expr: _Expr) -> Sequence[_Cue]:
        """The cues that end or start within ``_MAX_CUE_DISTANCE`` words of ``expr``
        (or overlap it): no other can govern it."""
        starts = self.starts
        first = bisect_left(starts, expr.start) - _MAX_CUE_DISTANCE - 1
        last = bisect_left(starts, expr.end) + _MAX_CUE_DISTANCE + 1
        begin = bisect_left(self._cue_ends, starts[first]) if first >= 0 else 0
        end = (
            bisect_right(self._cue_starts, starts[last]) if last < len(starts) else len(self._cues)
        )
        return self._cues[begin:end]


def _governing_cue(
    folded: str, expr: _Expr, cues: Sequence[_Cue], words: _WordStarts
) -> _Cue | None:
    """The nearest cue that governs ``expr`` in the same stretch of the sentence."""
    # What comes before the expression is the same for every cue: read once.
    lead = folded[max(0, expr.start - 30) : expr.start]
    prepositioned = expr.kind in _PREPOSITIONED_KINDS and (
        _DEADLINE_PREPOSITION.search(lead) is not None
        or _LEADING_PREPOSITION.match(folded, expr.start) is not None
    )
    best: tuple[int, int, _Cue] | None = None
    for cue in cues:
        if expr.kind not in _GOVERNS[cue.family]:
            continue
        overlaps = cue.start < expr.end and expr.start < cue.end  # "u roku od 48 sati"
        low, high = min(cue.end, expr.end), max(cue.start, expr.start)
        distance = 0 if overlaps else words.between(low, high)
        if distance > _MAX_CUE_DISTANCE:
            continue  # (clause penalties only add to it)
        if high > low and _STRONG_BOUNDARY.search(folded, low, high):
            continue
        if not _fits(folded, expr, cue, distance, lead, prepositioned=prepositioned):
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


# The kinds of expression whose wording before them matters (see _fits).
_PREPOSITIONED_KINDS = frozenset({"date", "weekday", "period", "window"})


def _fits(
    folded: str, expr: _Expr, cue: _Cue, distance: int, lead: str, *, prepositioned: bool
) -> bool:
    """Whether a cue can govern this kind of expression at this distance and wording.

    ``lead``: the 30 characters before the expression; ``prepositioned``: whether
    they end with a deadline preposition or the expression starts with one.
    """
    if expr.kind == "compound":  # "48-hour ultimatum", not "three-day drill"
        return cue.start >= expr.end and distance <= 1
    if expr.kind == "clock":
        return distance <= 6
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


def _words_between(folded: str, low: int, high: int) -> int:
    """How many words start in ``folded[low:high]`` (counted there alone: spans are short)."""
    return len(_WORD_START.findall(folded, low, high))


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
