"""Calendar and number words shared by :mod:`indicators.deadlines` and :mod:`indicators.context`.

Everything here works on folded text (:func:`indicators.text.normalize`: lower
case, no diacritics, Latin script), in English, Serbian/Croatian/Bosnian
(Latin or Cyrillic script, folded alike) and Albanian:

- :func:`squeeze`: folded text whose whitespace runs are one space, mapped back
  to the original, so cue patterns can be written with single spaces;
- month names (:data:`MONTHS`, :data:`MONTH_NAME`), weekdays
  (:data:`WEEKDAYS`), small number words (:data:`SMALL_NUMBERS`), units of
  time (:data:`UNIT`) and years (:data:`YEAR`), as dictionaries and regexes;
- calendar arithmetic that takes the reference date as an argument
  (:func:`next_occurrence`, :func:`last_occurrence`);
- the years, decades and months a sentence mentions, as the earliest day each
  can mean relative to the published date (:func:`dated_mentions`), which
  dates a match as history or recent.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from indicators.text import normalize

__all__ = [
    "ALL_MONTHS",
    "MONTHS",
    "MONTH_ANY",
    "MONTH_NAME",
    "NUMBER",
    "SMALL_NUMBERS",
    "UNIT",
    "UNIT_STEMS",
    "UNIT_WORDS",
    "WEEKDAY",
    "WEEKDAYS",
    "YEAR",
    "Squeezed",
    "alternation",
    "dated_mentions",
    "last_day",
    "last_occurrence",
    "month_number",
    "next_occurrence",
    "number_value",
    "squeeze",
    "unit_of",
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
    # Nothing to squeeze: no two spaces in a row, and no other whitespace (every
    # whitespace character but the space is unprintable; two str tests, much faster
    # than the regex).
    if "  " not in folded and folded.isprintable():
        return Squeezed(folded, norm.offsets, norm.span)
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


def alternation(words: Iterable[str]) -> str:
    """A regex matching what the alternation of ``words``, longest first, matches.

    Longest first, so "septembra" beats "septemb". The words are written as a
    trie ("sept(?:emb(?:ar|ra|ru)|)"): at each position the regex engine then
    tries the few letters that can follow instead of every word (several times
    faster for the ~100 month names). Where one word is a prefix of another the
    longer one is tried first, as in the plain alternation; words that are not
    prefixes of each other cannot match at the same place, so their order does
    not matter and the matches are the same.
    """
    return _trie(sorted(set(words)))


def _trie(words: Sequence[str]) -> str:
    """:func:`alternation` of sorted distinct ``words``."""
    branches: dict[str, list[str]] = {}
    for word in words:
        if word:
            branches.setdefault(word[0], []).append(word[1:])
    alternatives = [re.escape(first) + _trie(rests) for first, rests in branches.items()]
    if "" in words:
        alternatives.append("")  # a word ends here: after the longer words it starts
    if len(alternatives) == 1:
        return alternatives[0]
    return f"(?:{'|'.join(alternatives)})"


# --- months ------------------------------------------------------------------------


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
ALL_MONTHS: dict[str, int] = MONTHS | _EN_MONTH_ABBREVIATIONS
"""Month names and English abbreviations ("sept") → month number."""
MONTH_NAME = rf"(?:{alternation(MONTHS)})"
"""Regex for a full month name (folded); abbreviations are left out on purpose."""
MONTH_ANY = rf"(?:{alternation(ALL_MONTHS)})\.?"
"""Regex for a month name or abbreviation ("Sept.")."""
YEAR = r"(?:19|20)\d\d"
"""Regex for a four-digit year of the 20th or 21st century."""


def month_number(word: str) -> int | None:
    """The month a folded word names (``"septembra"`` → 9), or None."""
    return ALL_MONTHS.get(word.rstrip("."))


# --- weekdays, numbers, units --------------------------------------------------------

WEEKDAYS: dict[str, int] = {
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
"""Weekday names (folded, several cases) → ``date.weekday()`` number."""
WEEKDAY = rf"(?:{alternation(WEEKDAYS)})"

SMALL_NUMBERS: dict[str, int] = {
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
"""Number words (folded) → value."""
NUMBER = rf"(?:\d{{1,3}}|{alternation(SMALL_NUMBERS)})"
"""Regex for a count: up to three digits or a number word."""

# Word stems of each unit of time (a word starting with one names that unit).
UNIT_STEMS: dict[str, tuple[str, ...]] = {
    "hour": ("hour", "hrs", "hr", "sat", "cas", "ore", "oresh", "oret", "oreve"),
    "day": ("day", "dan", "dit"),
    "week": ("week", "nedelj", "nedjelj", "sedmic", "jav"),
    "month": ("month", "mesec", "mjesec", "muaj"),
    "year": ("year", "godin", "vit"),
}
UNIT_WORDS = frozenset(
    [
        *("hour", "hours", "hr", "hrs", "day", "days", "week", "weeks"),
        *("month", "months", "year", "years"),
        # Serbian/Croatian/Bosnian
        *("sata", "sati", "sat", "casova", "casa", "dana", "dan", "nedelja", "nedelje"),
        *("nedelju", "nedjelja", "nedjelje", "nedjelju", "sedmica", "sedmice", "sedmicu"),
        *("meseca", "meseci", "mesec", "mjeseca", "mjeseci", "mjesec"),
        *("godina", "godine", "godinu"),
        # Albanian
        *("oreve", "oresh", "oret", "ore", "diteve", "ditesh", "ditet", "dite"),
        *("javeve", "javesh", "javet", "jave", "muajve", "muajsh", "muajt", "muaj"),
        *("viteve", "vitesh", "vite", "vit"),
    ]
)
"""Every word for a unit of time, singular or plural, in every supported language."""
UNIT = rf"(?:{alternation(UNIT_WORDS)})"
"""Regex for a unit of time, singular or plural, in every supported language."""


def number_value(text: str) -> int:
    """The value of a count matched by :data:`NUMBER` (``"48"``, ``"a  couple of"``)."""
    text = " ".join(text.split())
    return int(text) if text.isdigit() else SMALL_NUMBERS[text]


def unit_of(word: str) -> str:
    """The unit (hour, day, week, month, year) a word matched by :data:`UNIT` names."""
    for unit, stems in UNIT_STEMS.items():
        if word.startswith(stems):
            return unit
    raise ValueError(word)


# --- calendar arithmetic ------------------------------------------------------------


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


def last_occurrence(month: int, day: int, before: date) -> date | None:
    """The last ``month``/``day`` on or before ``before``."""
    for year in range(before.year, before.year - 8, -1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= before:
            return candidate
    return None


def last_day(year: int, month: int) -> date:
    """The last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


# --- dates mentioned in text --------------------------------------------------------

# A number that is a year: not a count of people, things or money.
_YEAR_MENTION = re.compile(
    rf"(?<![\w,.$£€])(?:(?P<prep>in|since|from|during|of|by|until|before|after|u|od|ne|me)\s)?"
    rf"(?:the\s)?(?P<y1>{YEAR})(?:\s?[-/]\s?(?P<y2>(?:19|20)?\d\d)(?![-/]\d))?(?P<dec>'?s)?\b"
    r"(?!\s?(?:troops|soldiers|people|police|officers|men|women|vehicles|km|kilometres"
    r"|kilometers|metres|meters|dollars|euros|pounds|votes|members|residents|serbs|albanians"
    r"|%|percent|[,.]\d))"
)
_SHORT_DECADE = re.compile(r"\b(?:the\s'?(?P<d>[2-9]0)'?s|(?:vitet|viteve)\s'?(?P<d2>[2-9]0))\b")
_MONTH_MENTION = re.compile(
    rf"\b(?:(?P<rel>last|this|next|proslog|proslogodisnjeg|ovog|narednog)\s)?"
    rf"(?P<mon>{MONTH_NAME})\b(?:\s(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b(?!:))?"
    rf"(?:,?\s(?P<year>{YEAR})\b|\s(?:of\s)?(?P<yrel>last|this|next)\syear\b"
    r"|\s(?P<yrel_sr>prosle|ove|sledece)\sgodine\b)?"
)
_DAY_MONTH = re.compile(
    rf"\b(?P<day>[0-3]?\d)(?:st|nd|rd|th|\.)?\s(?:of\s)?(?P<mon>{MONTH_NAME})\b"
    rf"(?:,?\s(?P<year>{YEAR})\b)?"
)
_MONTHS_THAT_ARE_WORDS = frozenset({"may", "march", "mars"})
_PREPOSITION_BEFORE_MONTH = re.compile(
    r"\b(?:in|on|since|until|by|early|late|mid|of|last|during|from|ne|u|od|do)[\s-]$"
)
_MONTH_CONTEXT = re.compile(
    r"\b(?:in|on|by|since|until|till|of|from|early|late|mid|during|end\sof|beginning\sof"
    r"|last|this|next|u|od|do|krajem|pocetkom|sredinom|ne|nga|deri|me)[\s-]$"
)
# Words before a date that point forward to it: the date may lie in the coming year.
# (They are looked for in the few characters before the date.)
_TOWARD_REACH = 24
_TOWARD = re.compile(
    r"\b(?:by|from|until|till|before|starting|as\sof|no\slater\sthan|do|od|pre|najkasnije"
    r"|deri(?:\sme|\sne)?|nga|prej|para)\s(?:the\s)?$"
)
_HALF_YEAR = 183  # days
_MONTH_WORDS = frozenset(MONTHS)
_LETTERS = re.compile(r"[a-z]+")
_DIGIT = re.compile(r"\d")


def dated_mentions(folded: str, published: date) -> list[tuple[int, int, date]]:
    """Years, decades and months in a folded sentence, as the earliest day they can mean.

    Each is ``(start, end, day)`` with offsets into ``folded``. A month named
    without a year is taken in the published year ("last March": the last one
    before); months still to come and words that only look like months ("this
    may be") are left out.
    """
    mentions: list[tuple[int, int, date]] = []
    has_month = not _MONTH_WORDS.isdisjoint(_LETTERS.findall(folded))
    has_digit = _DIGIT.search(folded) is not None
    for m in _MONTH_MENTION.finditer(folded) if has_month else ():
        day = _month_day(m, folded, published)
        if day is not None:
            mentions.append((m.start("mon") if not m["rel"] else m.start(), m.end(), day))
    for m in _DAY_MONTH.finditer(folded) if has_month and has_digit else ():
        # Without a year: this year's. Either way, not a day still to come.
        year = int(m["year"]) if m["year"] else published.year
        try:
            day = date(year, month_number(m["mon"]) or 1, int(m["day"]))
        except ValueError:
            continue
        if not m["year"] and _next_year_is_meant(day, published, folded, m.start()):
            continue
        if day <= published:
            mentions.append((m.start(), m.end(), day))
    for m in _YEAR_MENTION.finditer(folded) if has_digit else ():
        first = year = int(m["y1"])
        if m["y2"]:  # "1998-1999", "1998-99": judged by the last year
            y2 = m["y2"]
            year = max(first, int(y2) if len(y2) == 4 else first // 100 * 100 + int(y2))
        if m["dec"] and first % 10 == 0:
            year += 9  # "the 1990s": judged by its last year
        if year >= published.year:
            continue
        # The previous year alone is history; with a month it is judged by the month.
        mentions.append((m.start(), m.end(), date(year, 1, 1)))
    for m in _SHORT_DECADE.finditer(folded) if "0" in folded else ():
        decade = 1900 + int(m["d"] or m["d2"])
        mentions.append((m.start(), m.end(), date(decade + 9, 1, 1)))
    return mentions


def _next_year_is_meant(day: date, published: date, folded: str, start: int) -> bool:
    """Whether a day named without a year after "by", "from", "until" ... means next
    year's: "by January 1" in September is the coming one, not the one nine months ago."""
    if (published - day).days <= _HALF_YEAR or not _TOWARD.search(
        folded, max(0, start - _TOWARD_REACH), start
    ):
        return False
    try:
        return (day.replace(year=day.year + 1) - published).days <= _HALF_YEAR
    except ValueError:  # 29 February
        return False


def _month_day(m: re.Match[str], folded: str, published: date) -> date | None:
    """The first day a month mention can mean, or None for the future or a plain word."""
    dated = m["day"] or m["year"] or m["yrel"] or m["yrel_sr"]
    lead = folded[max(0, m.start() - 14) : m.start()]
    if m["mon"] in _MONTHS_THAT_ARE_WORDS:  # "this may be", "columns march", "Mars"
        if not (dated or _PREPOSITION_BEFORE_MONTH.search(lead)):
            return None
    elif not (dated or m["rel"] or _MONTH_CONTEXT.search(lead)):
        return None
    month = month_number(m["mon"]) or 1
    relative = m["yrel"] or m["yrel_sr"] or m["rel"]
    if m["year"]:
        year = int(m["year"])
    elif relative in ("next", "narednog", "sledece"):
        return None
    elif m["yrel"] == "last" or m["yrel_sr"] == "prosle":
        year = published.year - 1
    elif relative in ("last", "proslog", "proslogodisnjeg"):  # the last such month before
        year = published.year if month < published.month else published.year - 1
    elif relative in ("this", "ovog", "ove") or month <= published.month:
        year = published.year
    else:
        return None  # a later month of this year: the future
    day = min(int(m["day"]) if m["day"] else 1, calendar.monthrange(year, month)[1])
    found = date(year, month, day)
    undated = m["day"] and not m["year"] and not relative
    if undated and _next_year_is_meant(found, published, folded, m.start()):
        return None
    return found
