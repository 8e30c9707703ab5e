"""One document in, one :class:`~indicators.types.Analysis` out.

The engine splits the text into sentences, folds it once, finds every
pattern that fires in each sentence, asks :mod:`indicators.context` whether
each match reports an event or only background, finds deadlines, scores the
result and tags topics. It is deterministic: the same document and rule set
always give the same analysis, and nothing reads the clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from indicators.context import classify_context, language_group, retrospective_cue
from indicators.deadlines import CUE_TERMS, find_deadlines
from indicators.errors import RuleSetError
from indicators.loader import load_indicators
from indicators.model import Indicator, IndicatorSet
from indicators.patterns import PatternHit, PatternMatcher
from indicators.scoring import ScoringInput, score_document
from indicators.terms import parse_term
from indicators.text import (
    WORD_PATTERN,
    Normalized,
    normalize,
    split_sentences,
    word_texts_by_span,
)
from indicators.topics import Gazetteer
from indicators.types import (
    Analysis,
    Document,
    Evidence,
    IndicatorResult,
    Sentence,
    Status,
)

__all__ = ["Engine"]

_MAX_CLASSIFIED = 4  # occurrences of one pattern checked for context in one sentence
MATCH_SEPARATOR = " … "
_NON_ASCII_WORD_CHARACTER = re.compile(r"[^\W\x00-\x7f]")


class Engine:
    """Matches documents against an indicator set (and optionally tags topics)."""

    def __init__(self, indicator_set: IndicatorSet, gazetteer: Gazetteer | None = None) -> None:
        self._set = indicator_set
        self._indicators = tuple(indicator_set)
        # Topic terms are found in the same pass as the patterns' terms.
        topic_terms = gazetteer.terms if gazetteer is not None else ()
        # The deadline cues' terms too, so deadlines are looked for only where one occurs.
        cue_terms = [parse_term(term) for term in CUE_TERMS]
        self._matcher = PatternMatcher(self._indicators, extra_terms=(*topic_terms, *cue_terms))
        extra_ids = self._matcher.extra_ids
        self._topic_terms: dict[int, list[int]] = {}  # matcher term id -> gazetteer term numbers
        for number, term_id in enumerate(extra_ids[: len(topic_terms)]):
            self._topic_terms.setdefault(term_id, []).append(number)
        self._topic_ids = frozenset(self._topic_terms)
        self._cue_ids = frozenset(extra_ids[len(topic_terms) :])
        self._gazetteer = gazetteer

    @classmethod
    def from_directory(cls, indicators_dir: Path, topics_dir: Path | None = None) -> Engine:
        """An engine for the rule files in ``indicators_dir`` (and topics in ``topics_dir``).

        Raises one :class:`~indicators.errors.RuleSetError` with the issues of both.
        """
        issues = []
        try:
            indicator_set = load_indicators(indicators_dir)
        except RuleSetError as exc:
            issues.extend(exc.issues)
        try:
            gazetteer = Gazetteer.load(topics_dir) if topics_dir is not None else None
        except RuleSetError as exc:
            issues.extend(exc.issues)
        if issues:
            raise RuleSetError(issues)
        return cls(indicator_set, gazetteer)

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return self._indicators

    @property
    def indicator_set(self) -> IndicatorSet:
        return self._set

    @property
    def gazetteer(self) -> Gazetteer | None:
        return self._gazetteer

    @property
    def matcher(self) -> PatternMatcher:
        """The compiled patterns (to see which pattern fires on a sentence's words)."""
        return self._matcher

    def analyze(self, doc: Document) -> Analysis:
        """Match, classify, score and tag one document.

        Offsets in the result point into ``doc.text`` (title, blank line,
        body). The document's language, when known, limits per-language
        terms to that language; ``doc.published`` anchors history and
        deadlines.
        """
        analysis = self._analyze(doc, complete=True)
        assert analysis is not None
        return analysis

    def alert(self, doc: Document) -> Analysis | None:
        """:meth:`analyze` for an item that fires an indicator; None for any other.

        What a poll needs: an item that fires nothing raises no alert, so its
        deadlines, topics and score are never worked out. When not None, the
        result equals :meth:`analyze`'s.
        """
        return self._analyze(doc, complete=False)

    def _analyze(self, doc: Document, *, complete: bool) -> Analysis | None:
        text = doc.text
        sentences = split_sentences(text, has_title=bool(doc.title.strip()))
        published = doc.published_date
        lang = _language(doc.lang)
        norm = normalize(text)
        folded = norm.text

        if isinstance(norm.offsets, range):  # folding kept every character in place
            bounds = [(s.start, s.end) for s in sentences]
        else:
            bounds = [(norm.folded_index(s.start), norm.folded_index(s.end)) for s in sentences]
        words_of_sentences = word_texts_by_span(folded, bounds)

        evidence: dict[int, list[Evidence]] = {}
        context_memo: dict[tuple[object, ...], object] = {}  # sentences analysed for context
        topic_terms = self._topic_terms
        topic_ids = self._topic_ids
        mentions: list[tuple[int, tuple[int, int]]] = []
        cue_ids = self._cue_ids
        # Sentences with a deadline cue; None: scan them all (see find_deadlines).
        # (Only where every letter and digit is ASCII: a "£" does not matter.)
        cue_sentences: list[int] | None = (
            [] if folded.isascii() or not _NON_ASCII_WORD_CHARACTER.search(folded) else None
        )
        frame = _retrospective(norm, sentences, bounds)
        matched = self._matcher.match_each(words_of_sentences, lang)
        for position, (hits, term_hits) in enumerate(matched):
            if not term_hits:
                continue
            if cue_sentences is not None and not cue_ids.isdisjoint(term_hits):
                cue_sentences.append(position)
            if not topic_ids.isdisjoint(term_hits):
                for term_id in topic_ids.intersection(term_hits):
                    for number in topic_terms[term_id]:
                        mentions.extend((number, (position, r[0])) for r in term_hits[term_id])
            if not hits:
                continue
            sentence = sentences[position]
            start, end = bounds[position]
            last_word = max(r[1] for hit in hits for r in (*hit.occurrences, *hit.spans))
            spans = _word_spans(folded, start, end, last_word)
            previous = sentences[position - 1] if position > 0 else None
            previous_text = previous.text if previous and not previous.is_title else None
            by_indicator: dict[int, list[PatternHit]] = {}
            for hit in hits:
                by_indicator.setdefault(hit.indicator, []).append(hit)
            for number, indicator_hits in by_indicator.items():
                evidence.setdefault(number, []).append(
                    self._evidence(
                        self._indicators[number],
                        indicator_hits,
                        sentence,
                        norm,
                        spans,
                        published=published,
                        previous=previous_text,
                        lang=lang,
                        memo=context_memo,
                        frame=frame,
                    )
                )

        if not evidence and not complete:
            return None
        inputs = []
        for number, items in evidence.items():
            indicator = self._indicators[number]
            status = (
                Status.EVENT if any(e.status is Status.EVENT for e in items) else Status.BACKGROUND
            )
            inputs.append(
                ScoringInput(
                    indicator.id, indicator.title, indicator.severity, status, tuple(items)
                )
            )
        card, points = score_document(inputs, source_weight=doc.source_weight)
        results = sorted(
            (
                IndicatorResult(
                    item.indicator_id,
                    item.title,
                    item.status,
                    points[item.indicator_id],
                    item.evidence,
                )
                for item in inputs
            ),
            key=lambda r: (-r.score, r.id),
        )
        deadlines = find_deadlines(sentences, published=published, cue_sentences=cue_sentences)
        topics = self._gazetteer.tag_mentions(mentions) if self._gazetteer is not None else ()
        return Analysis(
            text=text,
            indicators=tuple(results),
            deadlines=tuple(deadlines),
            topics=topics,
            score=card,
            sentences=tuple(sentences),
        )

    def _evidence(
        self,
        indicator: Indicator,
        hits: Sequence[PatternHit],
        sentence: Sentence,
        norm: Normalized,
        word_spans: Sequence[tuple[int, int]],
        *,
        published: date | None,
        previous: str | None,
        lang: str | None,
        memo: dict[tuple[object, ...], object],
        frame: str | None,
    ) -> Evidence:
        """One Evidence for an indicator in a sentence, from all its patterns that fired there."""

        def original(word_range: tuple[int, int]) -> tuple[int, int]:
            return norm.span(word_spans[word_range[0]][0], word_spans[word_range[1]][1])

        checks = indicator.context.enabled
        verdicts = []  # (is_event, strength, reasons) per pattern
        for hit in hits:
            reasons: tuple[str, ...] = ()
            is_event = False
            for occurrence in hit.occurrences[:_MAX_CLASSIFIED]:
                start, end = original(occurrence)
                verdict = classify_context(
                    sentence.text,
                    start - sentence.start,
                    end - sentence.start,
                    published=published,
                    previous=previous,
                    checks=checks,
                    lang=lang,
                    memo=memo,
                    frame=frame,
                )
                if verdict.status is Status.EVENT:
                    is_event, reasons = True, verdict.reasons
                    break
                reasons = reasons or verdict.reasons
            verdicts.append((is_event, hit.strength, reasons))
        # An event beats background; among equals the strongest pattern speaks.
        is_event, strength, reasons = max(verdicts, key=lambda v: (v[0], v[1]))
        spans = _merge_spans(original(span) for hit in hits for span in hit.spans)
        return Evidence(
            indicator_id=indicator.id,
            rule_version=indicator.version,
            status=Status.EVENT if is_event else Status.BACKGROUND,
            sentence=sentence.text,
            start=sentence.start,
            end=sentence.end,
            match=MATCH_SEPARATOR.join(norm.original[a:b] for a, b in spans),
            match_spans=spans,
            sentence_index=sentence.index,
            reasons=reasons,
            strength=strength,
        )


def _language(lang: str | None) -> str | None:
    """The language whose terms apply: ``"en-GB"`` → ``"en"``, ``"hr"`` → ``"sr"`` (one
    rule set reads Serbian, Croatian, Bosnian and Montenegrin), ``"de"`` → ``"de"`` (only
    terms without a language); anything that is not a language code → unknown (all)."""
    if not lang:
        return None
    code = lang.strip().lower().replace("_", "-").split("-")[0]
    if len(code) not in (2, 3) or not code.isalpha():
        return None
    return language_group(code) or code


def _retrospective(
    norm: Normalized, sentences: Sequence[Sentence], bounds: Sequence[tuple[int, int]]
) -> str | None:
    """What frames the item as a look back, said in its title or its first sentence
    (``bounds``: the sentences' spans in the folded text)."""
    for sentence, (start, end) in zip(sentences[:2], bounds, strict=False):
        cue = retrospective_cue(norm, start, end)
        if cue is not None:
            return cue
        if not sentence.is_title:
            break
    return None


def _word_spans(folded: str, start: int, end: int, last: int) -> list[tuple[int, int]]:
    """Spans of the words of ``folded[start:end]`` up to word ``last`` (the rest are not needed)."""
    spans = []
    for found in WORD_PATTERN.finditer(folded, start, end):
        spans.append(found.span())
        if len(spans) > last:
            break
    return spans


def _merge_spans(spans: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sorted spans with overlapping ones joined (several patterns can share words)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)
