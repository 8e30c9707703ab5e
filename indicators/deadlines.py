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

The month, weekday and number words here (English, Serbian/Croatian/Bosnian
in Latin or Cyrillic script, Albanian) and :func:`squeeze` are also used by
:mod:`indicators.context`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from dateutil.relativedelta import relativedelta

from indicators.text import normalize
from indicators.types import Deadline, Sentence

__all__ = [
    "MONTHS",
    "MONTH_NAME",
    "YEAR",
    "Squeezed",
    "find_deadlines",
    "month_number",
    "next_occurrence",
    "squeeze",
]


# --- folded text with single spaces ---------------------------------------------

_WHITESPACE_RUN = re.compile(r"\s{2,}|[^\S ]")


@dataclass(frozen=True, slots=True)
class Squeezed:
    """Folded text whose whitespace runs are one space, mapped back to the original."""

    text: str
    offsets: Sequence[int]  # original index of each character of ``text``
    _span: Callable[[int, int], tuple[int, int]]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of ``text[start:end]`` (``start < end``)."""
        return self._span(start, end)


def squeeze(text: str) -> Squeezed:
    """:func:`indicators.text.normalize`, then every run of whitespace made one space.

    Cue patterns are written with single spaces; this keeps "postponed  by\t48
    hours" matching them.
    """
    norm = normalize(text)
    folded = norm.text
    if _WHITESPACE_RUN.search(folded) is None:
        return Squeezed(folded, norm.offsets, norm.span)
    pieces: list[str] = []
    to_folded: list[int] = []
    pos = 0
    for run in _WHITESPACE_RUN.finditer(folded):
        pieces.append(folded[pos : run.start()])
        to_folded.extend(range(pos, run.start()))
        pieces.append(" ")
        to_folded.append(run.start())
        pos = run.end()
    pieces.append(folded[pos:])
    to_folded.extend(range(pos, len(folded)))

    def span(start: int, end: int) -> tuple[int, int]:
        return norm.span(to_folded[start], to_folded[end - 1] + 1)

    offsets = [norm.offsets[i] for i in to_folded]
    return Squeezed("".join(pieces), offsets, span)


# --- calendar words (folded: lower case, no diacritics, Latin script) -------


def _inflect(stems: dict[str, int], suffixes: Iterable[str]) -> dict[str, int]:
    suffixes = tuple(suffixes)
    return {stem + suffix: number for stem, number in stems.items() for suffix in suffixes}


_EN_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_EN_MONTH_ABBREVIATIONS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
# Serbian/Bosnian/Montenegrin: nominative, genitive ("1. septembra"), locative.
_SR_MONTHS = _inflect(
    {"januar": 1, "februar": 2, "mart": 3, "april": 4, "maj": 5, "jun": 6, "jul": 7,
     "avgust": 8, "august": 8},
    ("", "a", "u"),
) | _inflect({"septemb": 9, "oktob": 10, "novemb": 11, "decemb": 12}, ("ar", "ra", "ru")) | {
    "juni": 6, "juli": 7,
}  # fmt: skip
_HR_MONTHS = {
    "sijecanj": 1, "sijecnja": 1, "veljaca": 2, "veljace": 2, "ozujak": 3, "ozujka": 3,
    "travanj": 4, "travnja": 4, "svibanj": 5, "svibnja": 5, "lipanj": 6, "lipnja": 6,
    "srpanj": 7, "srpnja": 7, "kolovoz": 8, "kolovoza": 8, "rujan": 9, "rujna": 9,
    "listopad": 10, "listopada": 10, "studeni": 11, "studenog": 11, "studenoga": 11,
    "prosinac": 12, "prosinca": 12,
}  # fmt: skip
# Albanian: indefinite and definite forms ("shtator", "shtatori", "shtatorit").
_SQ_MONTHS = _inflect(
    {"janar": 1, "shkurt": 2, "mars": 3, "prill": 4, "maj": 5, "qershor": 6, "gusht": 8,
     "shtator": 9, "tetor": 10, "nentor": 11, "dhjetor": 12},
    ("", "i", "it", "in"),
) | {"korrik": 7, "korriku": 7, "korrikut": 7, "korrikun": 7}  # fmt: skip

MONTHS: dict[str, int] = _SR_MONTHS | _HR_MONTHS | _SQ_MONTHS | _EN_MONTHS
"""Full month names in every supported language (folded) → month number."""
_ALL_MONTHS = MONTHS | _EN_MONTH_ABBREVIATIONS


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


MONTH_NAME = rf"(?:{_alternation(MONTHS)})"
"""Regex for a full month name (folded); abbreviations are left out on purpose."""
_MONTH_ANY = rf"(?:{_alternation(_ALL_MONTHS)})\.?"
YEAR = r"(?:19|20)\d\d"

_WEEKDAYS: dict[str, int] = {
    name.lower(): number for number, name in enumerate(calendar.day_name)
} | _inflect(
    {"ponedeljk": 0, "ponedjeljk": 0, "utork": 1, "cetvrtk": 3, "petk": 4}, ("a", "u")
) | {
    "ponedeljak": 0, "ponedjeljak": 0, "utorak": 1, "cetvrtak": 3, "petak": 4,
    "sreda": 2, "srede": 2, "sredu": 2, "srijeda": 2, "srijede": 2, "srijedu": 2,
    "subota": 5, "subote": 5, "subotu": 5,
    "nedelja": 6, "nedelje": 6, "nedelju": 6, "nedjelja": 6, "nedjelje": 6, "nedjelju": 6,
    "hene": 0, "henen": 0, "marte": 1, "marten": 1, "merkure": 2, "merkuren": 2,
    "enjte": 3, "enjten": 3, "premte": 4, "premten": 4, "shtune": 5, "shtunen": 5,
    "diel": 6, "dielen": 6,
}  # fmt: skip
_WEEKDAY = rf"(?:{_alternation(_WEEKDAYS)})"

_SMALL_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "a single": 1, "two": 2, "a couple of": 2, "three": 3,
    "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90,
    "twenty-four": 24, "thirty-six": 36, "forty-eight": 48, "seventy-two": 72,
    # Serbian/Croatian/Bosnian
    "jedan": 1, "jedna": 1, "jednog": 1, "jedne": 1, "jednu": 1, "dva": 2, "dve": 2,
    "dvije": 2, "tri": 3, "cetiri": 4, "pet": 5, "sest": 6, "sedam": 7, "osam": 8,
    "devet": 9, "deset": 10, "petnaest": 15, "dvadeset": 20, "trideset": 30,
    # Albanian
    "nje": 1, "dy": 2, "tre": 3, "kater": 4, "pese": 5, "gjashte": 6, "shtate": 7,
    "tete": 8, "nente": 9, "dhjete": 10, "pesembedhjete": 15, "njezet": 20, "tridhjete": 30,
}  # fmt: skip
_NUMBER = rf"(?:\d{{1,3}}|{_alternation(_SMALL_NUMBERS)})"

_UNITS = {
    "hour": ("hour", "hrs", "hr", "sat", "cas", "ore", "oresh", "oret", "oreve"),
    "day": ("day", "dan", "dit"),
    "week": ("week", "nedelj", "nedjelj", "sedmic", "jav"),
    "month": ("month", "mesec", "mjesec", "muaj"),
    "year": ("year", "godin", "vit"),
}
_UNIT = (
    r"(?:hours?|hrs?|days?|weeks?|months?|years?"
    r"|sata|sati|sat|casova|casa|dana|dan|nedelj[aeu]|nedjelj[aeu]|sedmic[aeu]"
    r"|meseca|meseci|mesec|mjeseca|mjeseci|mjesec|godin[aeu]"
    r"|oreve|oresh|oret|ore|diteve|ditesh|ditet|dite|javeve|javesh|javet|jave"
    r"|muajve|muajsh|muajt|muaj|viteve|vitesh|vite|vit)"
)


_DIGIT = re.compile(r"\d")
_MONTH_WORDS = frozenset(_ALL_MONTHS)
_UNIT_STEMS = (
    *(stem for stems in _UNITS.values() for stem in stems),
    *("satni", "casovni", "dnevni", "end", "kraj", "fund"),
)


def month_number(word: str) -> int | None:
    """The month a folded word names (``"septembra"`` → 9), or None."""
    return _ALL_MONTHS.get(word.rstrip("."))


def _number(text: str) -> int:
    text = " ".join(text.split())
    return int(text) if text.isdigit() else _SMALL_NUMBERS[text]


def _unit(word: str) -> str:
    for unit, stems in _UNITS.items():
        if word.startswith(stems):
            return unit
    raise ValueError(word)


def next_occurrence(month: int, day: int, after: date) -> date | None:
    """The first ``month``/``day`` on or after ``after`` (None if no such day exists)."""
    for year in range(after.year, after.year + 8):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue  # 29 February
        if candidate >= after:
            return candidate
    return None


def _last_occurrence(month: int, day: int, before: date) -> date | None:
    """The last ``month``/``day`` on or before ``before``."""
    for year in range(before.year, before.year - 8, -1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= before:
            return candidate
    return None


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


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
            rf"\b(?P<d>[0-3]?\d){_ORDINAL}\s?(?:of\s)?(?P<mon>{_MONTH_ANY})(?![\w-])"
            rf"(?:,?\s(?P<y>{YEAR})\b\.?)?",
        ),
        (
            "month_day",
            rf"\b(?P<mon>{_MONTH_ANY})\s(?P<d>[0-3]?\d)(?:st|nd|rd|th)?(?!\d)(?!:)"
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
    re.compile(rf"\b(?:by|before|until|till|do|deri)\s(?P<mon>{MONTH_NAME})\b(?!\s\d)"),
)
_WEEKDAY_PATTERN = re.compile(rf"\b(?:(?:e|te)\s)?(?P<wd>{_WEEKDAY})\b")
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
_DAY_WORDS = frozenset(_WEEKDAYS) | {"noon", "midday", "tomorrow"} | set(_RELATIVE_OFFSETS)
_N_UNITS = rf"(?P<n>{_NUMBER})\s(?:more\s|further\s|additional\s|extra\s)?(?P<u>{_UNIT})\b"
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
    rf"\b(?P<n>{_NUMBER})-(?P<u>hour|day|week|month|satni|casovni|dnevni)\b(?:-long)?"
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
_ZONE_PATTERN = re.compile(rf"\s?\(?(?P<z>{_alternation(_ZONES)})\b")

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
_ANY_CUE = re.compile(
    "|".join(
        f"(?P<{family}>{pattern.pattern})"
        for family, pattern in (
            ("noun", _NOUN_CUE),
            ("verb", _VERB_CUE),
            ("obligation", _OBLIGATION_CUE),
            ("goal", _GOAL_CUE),
        )
    )
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


def find_deadlines(sentences: Sequence[Sentence], *, published: date | None) -> list[Deadline]:
    """Deadline phrases in ``sentences`` with absolute offsets, in text order."""
    if isinstance(published, datetime):
        published = published.date()
    found: dict[tuple[int, int], Deadline] = {}
    for sentence in sentences:
        for deadline in _sentence_deadlines(sentence, published):
            found.setdefault((deadline.start, deadline.end), deadline)
    return sorted(found.values(), key=lambda d: (d.start, d.end))


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


def _expressions(folded: str) -> list[_Expr]:
    """Every time expression in a folded sentence; overlapping weaker ones dropped."""
    # Cheap gates first: most sentences with a cue word have no time expression.
    words = set(_WORD.findall(folded))
    has_digit = _DIGIT.search(folded) is not None
    has_month = not _MONTH_WORDS.isdisjoint(words)
    has_unit = any(word.startswith(_UNIT_STEMS) for word in words)
    if not (has_digit or has_month or has_unit or not _DAY_WORDS.isdisjoint(words)):
        return []
    exprs: list[_Expr] = []
    if has_digit:
        exprs.extend(_dates(folded))
    if has_digit or has_month or has_unit:
        for pattern in _PERIOD_PATTERNS:
            exprs.extend(_period_expr(m) for m in pattern.finditer(folded))
    for m in _WEEKDAY_PATTERN.finditer(folded):
        exprs.append(_Expr(m.start(), m.end(), "weekday", 4, (_WEEKDAYS[m["wd"]],)))
    for m in _RELATIVE_DAYS.finditer(folded):
        exprs.append(_Expr(m.start(), m.end(), "weekday", 4, (-1, _RELATIVE_OFFSETS[m["w"]])))
    for kind, rank, patterns in (
        ("window", 2, _WINDOW_PATTERNS if has_unit else ()),
        ("shift", 1, _SHIFT_PATTERNS if has_unit else ()),
        ("compound", 2, (_COMPOUND_PATTERN,) if has_unit else ()),
    ):
        for pattern in patterns:
            for m in pattern.finditer(folded):
                unit = {"satni": "hour", "casovni": "hour", "dnevni": "day"}.get(m["u"], m["u"])
                exprs.append(_Expr(m.start(), m.end(), kind, rank, (_number(m["n"]),), _unit(unit)))
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


def _dates(folded: str) -> Iterable[_Expr]:
    for kind, pattern in _DATE_PATTERNS:
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
            return _last_occurrence(month, day, published), "expired: last such date"
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
        return _last_day(year, month), "last day of the month named"
    if expr.label == "year_of":
        return date(expr.values[0], 12, 31), "end of the year named"
    is_next = expr.values[0]
    if expr.label == "week":
        sunday = published + timedelta(days=6 - published.weekday() + 7 * is_next)
        return sunday, "end of the week (Sunday)"
    if expr.label == "month":
        first = date(published.year, published.month, 1) + relativedelta(months=is_next)
        return _last_day(first.year, first.month), "end of the month"
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
