"""When digests are due: a pure decision on an injected clock.

A digest is named after a local calendar day ``D``. It is sent at the
configured local time on ``D`` and covers the period since the same local time
on ``D - 1``, so consecutive digests tile time with no gap and no overlap,
also across daylight-saving changes (such a period lasts 23 or 25 hours).

A local time that does not exist on a day (skipped by a spring-forward change)
falls after the gap, as the wall clock reads it then (02:30 becomes 03:30); a
time that happens twice (autumn) means its first occurrence. Either way each
local day has exactly one moment, so a day's digest is sent once.

Nothing here reads the clock, the database or the network: ``now`` and the
record of what was delivered are arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def scheduled_at(day: date, *, at: time, tz: ZoneInfo) -> datetime:
    """The UTC moment at which the digest for local ``day`` is due."""
    # fold=0 with zoneinfo: an ambiguous time takes its first (pre-transition)
    # offset, and a non-existent time the offset before the gap, which puts it
    # after the gap once converted (02:30 CET-that-never-was == 03:30 CEST).
    local = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=tz)
    return local.astimezone(UTC)


def digest_period(day: date, *, at: time, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """``(start, end)`` in UTC of the period the digest for ``day`` covers; end excluded."""
    return scheduled_at(day - timedelta(days=1), at=at, tz=tz), scheduled_at(day, at=at, tz=tz)


def latest_due_day(now: datetime, *, at: time, tz: ZoneInfo) -> date:
    """The most recent local day whose digest moment is at or before ``now``."""
    _require_aware(now)
    today = now.astimezone(tz).date()
    # Around a DST change the local date of `now` and the day of the moment can
    # differ by one; look at the neighbours instead of assuming.
    for day in (today + timedelta(days=1), today, today - timedelta(days=1)):
        if scheduled_at(day, at=at, tz=tz) <= now:
            return day
    return today - timedelta(days=2)  # pragma: no cover - a moment is never two days away


def next_run(now: datetime, *, at: time, tz: ZoneInfo) -> datetime:
    """The first digest moment strictly after ``now`` (UTC), for a scheduler."""
    day = latest_due_day(now, at=at, tz=tz) + timedelta(days=1)
    return scheduled_at(day, at=at, tz=tz)


def due_days(
    now: datetime,
    *,
    at: time,
    tz: ZoneInfo,
    delivered: Callable[[date], bool],
    catch_up_days: int = 7,
    not_before: datetime | None = None,
) -> list[date]:
    """The days whose digest should be sent now, oldest first.

    The latest day whose moment has passed is due unless ``delivered(day)``
    says it went out already. Days missed since the last delivery (the
    monitor was down) are caught up, once each, when that delivery lies
    within ``catch_up_days`` before the latest day (``0``: never catch up).
    With no delivery in that window (a fresh install, or a long outage) only
    the latest day is due, so nobody gets a week of stale digests at once.
    Days whose moment is before ``not_before`` are never due.
    """
    if catch_up_days < 0:
        raise ValueError("catch_up_days must be >= 0")
    if not_before is not None:
        _require_aware(not_before)
    latest = latest_due_day(now, at=at, tz=tz)
    window = [
        day
        for day in (latest - timedelta(days=back) for back in range(catch_up_days, -1, -1))
        if not_before is None or scheduled_at(day, at=at, tz=tz) >= not_before
    ]
    sent = [delivered(day) for day in window]
    if not any(sent):
        return window[-1:] if window and window[-1] == latest else []
    last_sent = len(sent) - 1 - sent[::-1].index(True)
    return window[last_sent + 1 :]  # every day after the last delivery


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} has no timezone; times must be aware")
