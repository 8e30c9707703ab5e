"""The words of the history benchmark's synthetic alerts (:mod:`bench.history`).

Sentences are written for the phenomenon each indicator describes, with slots
for places and actors of a region (``{place}``, ``{force}``...) and the words a
rule would match in brackets: ``render`` fills the slots, drops the brackets
and returns the matched spans.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from indicators.types import Status

# indicator id -> (share of alerts it appears in, relative; share of its sentences that are events)
INDICATOR_MIX: dict[str, tuple[float, float]] = {
    "police_operation": (14, 0.75),
    "threat_rhetoric": (14, 0.65),
    "armed_violence": (13, 0.70),
    "troop_alert": (9, 0.55),
    "barricade": (9, 0.70),
    "casualties": (9, 0.70),
    "talks_breakdown": (8, 0.60),
    "foreign_force": (7, 0.60),
    "de_escalation": (7, 0.70),
    "deadline": (6, 0.60),
    "airspace_violation": (4, 0.60),
}

FEED_SITES = (
    "balkannews", "regionalwire", "dailyobserver", "frontlinereport", "eastdesk",
    "morningpost", "citizenradio", "borderlandtimes", "newsagency", "worldbrief",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Sentence:
    template: str
    strength: float = 1.0
    reason: str = ""  # why a background sentence is background
    deadline: str = ""  # the deadline phrase, when the sentence sets one
    due_days: int | None = None  # days after publication; None: the text gives no date
    due_reason: str = ""


@dataclass(frozen=True, slots=True)
class Region:
    places: tuple[tuple[str, float], ...]
    slots_fixed: dict[str, tuple[str, ...]]

    def slots(self, rng: random.Random) -> dict[str, str]:
        names = [p for p, _ in self.places]
        weights = [w for _, w in self.places]
        place, place2 = rng.choices(names, weights=weights, k=2)
        chosen = {key: rng.choice(values) for key, values in self.slots_fixed.items()}
        return {"place": place, "place2": place2, **chosen}


REGIONS: dict[str, Region] = {
    "kosovo-serbia": Region(
        places=(("Mitrovica", 15), ("north Mitrovica", 3), ("Zvečan", 8), ("Jarinje", 8),
                ("Leposavić", 7), ("Zubin Potok", 7), ("Banjska", 2), ("Pristina", 15),
                ("Belgrade", 15), ("Raška", 4), ("Brnjak", 4), ("Gračanica", 4), ("Merdare", 4)),
        slots_fixed={
            "force": ("Kosovo police", "special police units", "the ROSU unit", "Kosovo Police"),
            "army": ("the Serbian army", "Serbian troops", "the Serbian armed forces"),
            "gov": ("Belgrade", "Pristina", "the Serbian government", "the Kosovo government"),
            "leader": ("Vučić", "Kurti", "Osmani", "the defence minister", "Petković"),
            "intl": ("KFOR", "EULEX", "NATO peacekeepers", "the EU mission"),
            "crossing": ("the Jarinje crossing", "the Brnjak crossing", "the main bridge"),
        },
    ),
    "russia-ukraine": Region(
        places=(("Kharkiv", 12), ("Donetsk", 12), ("Kherson", 8), ("Zaporizhzhia", 10),
                ("Bakhmut", 6), ("Avdiivka", 6), ("Odesa", 8), ("Kyiv", 14), ("Kursk", 6),
                ("Crimea", 8), ("Luhansk", 6)),
        slots_fixed={
            "force": ("security services", "the SBU", "police", "the National Guard"),
            "army": ("Russian forces", "Ukrainian troops", "Russian armoured units",
                     "the Ukrainian armed forces"),
            "gov": ("the Kremlin", "Kyiv", "Moscow", "the Ukrainian government"),
            "leader": ("Putin", "Zelensky", "Shoigu", "the foreign minister"),
            "intl": ("NATO", "allied instructors", "foreign volunteers", "Wagner Group fighters"),
            "crossing": ("the border crossing", "the bridge", "the highway"),
        },
    ),
    "": Region(  # items no topic recognises
        places=(("the capital", 10), ("the border town", 10), ("the northern province", 8),
                ("the port city", 6), ("the disputed district", 6)),
        slots_fixed={
            "force": ("riot police", "special forces", "the gendarmerie"),
            "army": ("the army", "government troops", "rebel units"),
            "gov": ("the government", "the opposition", "the neighbouring state"),
            "leader": ("the president", "the prime minister", "the rebel commander"),
            "intl": ("UN peacekeepers", "foreign mercenaries", "an allied contingent"),
            "crossing": ("the border crossing", "the main road", "the bridge"),
        },
    ),
}  # fmt: skip

_HISTORY = 'history: "in 1999"'
_HISTORY_LAST_YEAR = 'history: "last year"'
_NEGATED = 'negated by "denied"'
_HEDGED = 'hedged by "could"'

EVENTS: dict[str, tuple[Sentence, ...]] = {
    "deadline": (
        Sentence("{leader} gave {gov} [48 hours] to [withdraw] the units from {place}.",
                 deadline="48 hours", due_days=2, due_reason="48 hours after publication"),
        Sentence("Protesters set an [ultimatum]: the barricades stay unless the arrested men "
                 "are freed [within seven days].", deadline="within seven days", due_days=7,
                 due_reason="7 days after publication"),
        Sentence("{gov} [postponed] the new licence-plate rule in {place} by [30 days].",
                 deadline="30 days", due_days=30, due_reason="30 days after publication"),
        Sentence("The [deadline] for an answer from {gov} runs out [in the coming days].",
                 strength=0.6, deadline="in the coming days"),
    ),
    "troop_alert": (
        Sentence("{leader} ordered {army} to be put on [full combat alert] near {place}."),
        Sentence("Columns of [armoured vehicles] were seen [moving toward] the border at {place}."),
        Sentence("{army} raised the [combat readiness] of units stationed near {place}."),
        Sentence("Reservists were [mobilised] overnight, officials in {place2} said.",
                 strength=0.8),
    ),
    "barricade": (
        Sentence("Local residents [erected barricades] of lorries and gravel outside {place}."),
        Sentence("The road to {crossing} remained [blocked] by trucks for a third day."),
        Sentence("{crossing} was [closed] after protesters [blocked] both lanes near {place}."),
    ),
    "police_operation": (
        Sentence("{force} [raided] several buildings in {place} before dawn."),
        Sentence("Heavily armed {force} were [deployed] to {place} on Tuesday."),
        Sentence("Three men were [arrested] in {place} on suspicion of attacking a patrol."),
        Sentence("{force} [took over] the municipal building in {place}.", strength=0.8),
    ),
    "armed_violence": (
        Sentence("[Gunfire] was heard near {place} late on Sunday."),
        Sentence("An [explosive device] [went off] beside a patrol vehicle outside {place}."),
        Sentence("Unknown attackers [opened fire] on {force} near {place}."),
        Sentence("[Armed clashes] broke out between {army} and local fighters at {place2}."),
        Sentence("Two cars were [set on fire] in {place} overnight.", strength=0.7),
    ),
    "casualties": (
        Sentence("One officer was [killed] and two were [wounded] in {place}."),
        Sentence("At least four civilians [died] after shelling hit {place}."),
        Sentence("Hospital staff in {place} said six people were [injured]."),
    ),
    "airspace_violation": (
        Sentence("A military [drone] [violated the airspace] over {place}, {gov} said."),
        Sentence("Fighter jets [flew close to] the border near {place2}, officials reported."),
    ),
    "talks_breakdown": (
        Sentence("Talks between {gov} and its rivals [ended without agreement] in Brussels."),
        Sentence("{leader} [walked out] of the meeting over the status of {place}."),
        Sentence("The negotiators [suspended talks] after the incident in {place}.",
                 strength=0.8),
    ),
    "threat_rhetoric": (
        Sentence("{leader} [warned] that {army} [would not stand by] if {place} were attacked."),
        Sentence("{leader} said {gov} was [ready to use force] to protect people in {place}."),
        Sentence("Officials [threatened] a [harsh response] to what they called provocations "
                 "in {place}.", strength=0.8),
    ),
    "foreign_force": (
        Sentence("{intl} [sent reinforcements] to {place} on Monday."),
        Sentence("[Peacekeepers] from {intl} [deployed] along the road to {place}."),
        Sentence("Reports said [mercenaries] had been seen near {place2}.", strength=0.7),
    ),
    "de_escalation": (
        Sentence("The barricades near {place} were [removed] after an agreement."),
        Sentence("{gov} and its rivals [agreed] to resume talks next week."),
        Sentence("Both sides announced a [ceasefire] around {place}."),
    ),
}  # fmt: skip

BACKGROUND: dict[str, tuple[Sentence, ...]] = {
    "deadline": (
        Sentence("In 1999 a similar [ultimatum] expired without a shot being fired.",
                 reason=_HISTORY),
        Sentence("{gov} denied it had set any [deadline] for {place}.", reason=_NEGATED),
    ),
    "troop_alert": (
        Sentence("Last year {army} was put on [high alert] near {place} for a week.",
                 reason=_HISTORY_LAST_YEAR),
        Sentence("{gov} denied reports that troops were [moving toward] {place}.",
                 reason=_NEGATED),
        Sentence("Analysts said the army could be put on [full combat alert].", reason=_HEDGED),
    ),
    "barricade": (
        Sentence("Last year residents of {place} [erected barricades] for weeks.",
                 reason=_HISTORY_LAST_YEAR),
        Sentence("Organisers said roads near {place} could be [blocked] again.", reason=_HEDGED),
    ),
    "police_operation": (
        Sentence("In 1999 {force} [raided] the villages around {place}.", reason=_HISTORY),
        Sentence("{gov} denied that {force} had [raided] homes in {place}.", reason=_NEGATED),
    ),
    "armed_violence": (
        Sentence("The town has not seen [gunfire] since the clashes in 1999.", reason=_HISTORY),
        Sentence("Police denied that [shots were fired] near {place}.", reason=_NEGATED),
        Sentence("Experts said new [armed clashes] could break out around {place}.",
                 reason=_HEDGED),
    ),
    "casualties": (
        Sentence("Hundreds were [killed] in {place} during the war of 1999.", reason=_HISTORY),
        Sentence("Officials denied that anyone was [injured] in {place}.", reason=_NEGATED),
    ),
    "airspace_violation": (
        Sentence("{gov} denied that its [drone] had [violated the airspace].", reason=_NEGATED),
    ),
    "talks_breakdown": (
        Sentence("Last year talks on {place} [collapsed] after a few hours.",
                 reason=_HISTORY_LAST_YEAR),
        Sentence("Diplomats said the talks could [collapse] over {place}.", reason=_HEDGED),
    ),
    "threat_rhetoric": (
        Sentence("{leader} denied having [threatened] to send {army} into {place}.",
                 reason=_NEGATED),
        Sentence("Commentators said {leader} could [warn] of a [military response].",
                 reason=_HEDGED),
    ),
    "foreign_force": (
        Sentence("In 1999 [peacekeepers] entered {place} for the first time.", reason=_HISTORY),
        Sentence("{gov} denied that [mercenaries] were fighting near {place}.", reason=_NEGATED),
    ),
    "de_escalation": (
        Sentence("Last year a [ceasefire] around {place} held for only a week.",
                 reason=_HISTORY_LAST_YEAR),
        Sentence("Mediators said an [agreement] could be reached on {place}.", reason=_HEDGED),
    ),
}  # fmt: skip

TITLES: dict[str, tuple[str, ...]] = {
    "deadline": ("Ultimatum over {place}", "{leader} sets deadline for {gov}"),
    "troop_alert": ("Troops on alert near {place}", "{army} moves units toward {place}"),
    "barricade": ("Roads blocked near {place}", "Barricades go up in {place}"),
    "police_operation": ("Police operation in {place}", "Arrests in {place}"),
    "armed_violence": ("Shots fired in {place}", "Explosion near {place}"),
    "casualties": ("Dead and injured in {place}", "Casualties reported in {place}"),
    "airspace_violation": ("Drone over {place}", "Airspace incident near {place}"),
    "talks_breakdown": ("Talks on {place} break down", "No deal in talks over {place}"),
    "threat_rhetoric": ("{leader} warns over {place}", "Threats after incident in {place}"),
    "foreign_force": ("{intl} reinforces {place}", "Foreign fighters near {place}"),
    "de_escalation": ("Tension eases in {place}", "Agreement reached over {place}"),
}

FILLER = (
    "The incident came a day after local elections in {place2}.",
    "Shops in the town centre stayed open and traffic was light.",
    "The statement was published on the government's website in the afternoon.",
    "Reporters at the scene said the situation was calm by evening.",
    "{intl} said it was following the situation closely.",
    "The municipality has about 30,000 inhabitants.",
    "A spokesperson declined to give further details.",
    "The weather in the region is expected to turn colder this week.",
    "Residents said they were worried about the coming winter.",
    "The report could not be independently verified.",
)

_MARK = re.compile(r"\[([^\]]+)\]")


def fill(template: str, slots: dict[str, str]) -> str:
    out = template.format_map(slots)
    return out[0].upper() + out[1:]


def render(sentence: Sentence, slots: dict[str, str]) -> tuple[str, list[tuple[int, int]]]:
    """The sentence with its slots filled and brackets dropped; the bracketed spans."""
    marked = fill(sentence.template, slots)
    spans: list[tuple[int, int]] = []
    out: list[str] = []
    position = 0
    length = 0
    for found in _MARK.finditer(marked):
        before = marked[position : found.start()]
        out.append(before)
        length += len(before)
        spans.append((length, length + len(found.group(1))))
        out.append(found.group(1))
        length += len(found.group(1))
        position = found.end()
    out.append(marked[position:])
    return "".join(out), spans


def sentence(indicator_id: str, status: Status, rng: random.Random) -> Sentence:
    pool = EVENTS if status is Status.EVENT else BACKGROUND
    return rng.choice(pool[indicator_id])


def title_for(indicator_id: str, slots: dict[str, str], rng: random.Random) -> str:
    return fill(rng.choice(TITLES[indicator_id]), slots)
