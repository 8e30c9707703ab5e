from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from monitor.models import FeedStatus
from monitor.schedule import Backoff, PollKind, backoff_delay, decide

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
POLICY = Backoff(base=300, cap=86400, jitter=0.1)


def run(kind: PollKind, errors: int = 0, **kwargs: object):
    return decide(
        kind,
        now=NOW,
        interval=1800,
        error_count=errors,
        policy=POLICY,
        rng=random.Random(1),
        **kwargs,
    )


def test_success_resets_errors_and_waits_an_interval_with_jitter() -> None:
    decision = run(PollKind.OK, errors=4)
    assert decision.status is FeedStatus.OK
    assert decision.error_count == 0
    assert decision.backoff_until is None
    assert NOW + timedelta(seconds=1800) <= decision.next_poll_at <= NOW + timedelta(seconds=1980)


def test_max_age_is_a_lower_bound() -> None:
    assert run(PollKind.OK, max_age=7200).next_poll_at == NOW + timedelta(seconds=7200)


def test_max_age_waits_no_longer_than_the_backoff_cap() -> None:
    # "max-age: a year", or a figure too large for a date: the feed is still polled daily.
    for max_age in (31_536_000, 99_999_999_999_999):
        decision = run(PollKind.OK, max_age=max_age)
        assert decision.next_poll_at == NOW + timedelta(seconds=POLICY.cap)


def test_first_failure_is_failing_then_backoff_grows_to_the_cap() -> None:
    first = run(PollKind.FAILED)
    assert first.status is FeedStatus.FAILING
    assert first.backoff_until == NOW + timedelta(seconds=300)
    assert first.next_poll_at >= NOW + timedelta(seconds=1800)
    later = run(PollKind.FAILED, errors=5)
    assert later.status is FeedStatus.BACKOFF
    assert later.backoff_until == NOW + timedelta(seconds=300 * 2**5)
    capped = run(PollKind.FAILED, errors=200)
    assert capped.backoff_until == NOW + timedelta(seconds=86400)
    assert capped.status is FeedStatus.BACKOFF  # never disabled for good


def test_retry_after_is_honoured_even_beyond_the_cap() -> None:
    later = NOW + timedelta(days=2)
    decision = run(PollKind.RETRY_LATER, retry_after=later)
    assert decision.backoff_until == later
    assert decision.next_poll_at >= later
    assert decision.status is FeedStatus.BACKOFF


def test_retry_later_without_a_date_backs_off() -> None:
    assert run(PollKind.RETRY_LATER).backoff_until == NOW + timedelta(seconds=300)


def test_gone_is_polled_rarely_but_not_dropped() -> None:
    decision = run(PollKind.GONE)
    assert decision.status is FeedStatus.GONE
    assert decision.next_poll_at == NOW + timedelta(seconds=86400)


@given(st.integers(min_value=1, max_value=10_000))
def test_backoff_is_monotonic_and_capped(failures: int) -> None:
    assert backoff_delay(failures, POLICY) <= backoff_delay(failures + 1, POLICY)
    assert backoff_delay(failures, POLICY) <= timedelta(seconds=POLICY.cap)
