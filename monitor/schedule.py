"""When to poll a feed next: a pure decision with an injected clock and random source.

After every poll the pipeline asks :func:`decide` for the feed's new health:
its status, when it is next due, until when it must be left alone (errors,
``Retry-After``), and its run of failures. Nothing here does I/O, so every
branch is tested with plain values.

- success: due again after the feed's interval, stretched by a little random
  jitter (so a thousand feeds added at once spread out), and never sooner
  than the server's ``Cache-Control: max-age``;
- failure: exponential backoff from ``backoff_base``, doubling with each
  failure in a row up to ``backoff_max``; the first failure is ``failing``,
  later ones ``backoff``; a feed is never disabled for good;
- ``429``/``503`` with ``Retry-After``: left alone until then at least;
- ``410 Gone``: ``gone``, polled again only after ``backoff_max``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from monitor.models import FeedStatus


class PollKind(StrEnum):
    OK = "ok"  # new content, or 304 Not Modified
    FAILED = "failed"
    RETRY_LATER = "retry_later"  # 429 / 503
    GONE = "gone"  # 410


@dataclass(frozen=True, slots=True)
class Backoff:
    base: int = 300
    cap: int = 86400
    jitter: float = 0.1


@dataclass(frozen=True, slots=True)
class Decision:
    status: FeedStatus
    next_poll_at: datetime
    backoff_until: datetime | None
    error_count: int


def backoff_delay(failures: int, policy: Backoff) -> timedelta:
    """``base * 2**(failures-1)`` seconds, capped."""
    exponent = max(failures - 1, 0)
    seconds = policy.cap if exponent >= 32 else min(policy.base * 2**exponent, policy.cap)
    return timedelta(seconds=seconds)


def decide(
    kind: PollKind,
    *,
    now: datetime,
    interval: int,
    error_count: int,
    policy: Backoff,
    rng: random.Random,
    retry_after: datetime | None = None,
    max_age: int | None = None,
) -> Decision:
    """The feed's health after a poll that ended as ``kind``."""
    regular = timedelta(seconds=interval * (1 + policy.jitter * rng.random()))
    if kind is PollKind.OK:
        # A lower bound, but no longer than the backoff cap: a news feed that says
        # "max-age: a year" is still looked at daily.
        wait = max(regular, timedelta(seconds=min(max_age or 0, policy.cap)))
        return Decision(FeedStatus.OK, now + wait, None, 0)

    failures = error_count + 1
    if kind is PollKind.GONE:
        until = now + timedelta(seconds=policy.cap)
        return Decision(FeedStatus.GONE, until, until, failures)

    until = now + backoff_delay(failures, policy)
    if kind is PollKind.RETRY_LATER and retry_after is not None:
        # The server said when; honour it even when it is longer than our cap.
        until = max(retry_after, now)
    next_poll = max(until, now + regular)
    status = FeedStatus.FAILING if failures == 1 and kind is PollKind.FAILED else FeedStatus.BACKOFF
    return Decision(status, next_poll, until, failures)
