from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from monitor.digest_schedule import (
    digest_period,
    due_days,
    latest_due_day,
    next_run,
    scheduled_at,
)

BERLIN = ZoneInfo("Europe/Berlin")
BELGRADE = ZoneInfo("Europe/Belgrade")
TICK = timedelta(minutes=11)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def never(_: date) -> bool:
    return False


def test_scheduled_at_follows_the_local_offset() -> None:
    assert scheduled_at(date(2026, 1, 15), at=time(7), tz=BELGRADE) == utc(2026, 1, 15, 6)
    assert scheduled_at(date(2026, 7, 15), at=time(7), tz=BELGRADE) == utc(2026, 7, 15, 5)
    kolkata = ZoneInfo("Asia/Kolkata")
    assert scheduled_at(date(2026, 7, 15), at=time(7), tz=kolkata) == utc(2026, 7, 15, 1, 30)


def test_a_skipped_local_time_falls_after_the_gap() -> None:
    # 2026-03-29 02:00 CET jumps to 03:00 CEST in Berlin: 02:30 never happens.
    moment = scheduled_at(date(2026, 3, 29), at=time(2, 30), tz=BERLIN)
    assert moment == utc(2026, 3, 29, 1, 30)
    assert moment.astimezone(BERLIN).strftime("%H:%M %Z") == "03:30 CEST"


def test_a_repeated_local_time_means_its_first_occurrence() -> None:
    # 2026-10-25 03:00 CEST goes back to 02:00 CET: 02:30 happens twice.
    moment = scheduled_at(date(2026, 10, 25), at=time(2, 30), tz=BERLIN)
    assert moment == utc(2026, 10, 25, 0, 30)
    assert moment.astimezone(BERLIN).strftime("%H:%M %Z") == "02:30 CEST"


def test_periods_tile_time_and_stretch_over_dst_changes() -> None:
    start, end = digest_period(date(2026, 11, 21), at=time(7), tz=BELGRADE)
    assert (start, end) == (utc(2026, 11, 20, 6), utc(2026, 11, 21, 6))
    day = date(2026, 3, 1)
    for _ in range(300):
        assert (
            digest_period(day, at=time(7), tz=BERLIN)[1]
            == digest_period(day + timedelta(days=1), at=time(7), tz=BERLIN)[0]
        )
        day += timedelta(days=1)
    spring = digest_period(date(2026, 3, 29), at=time(7), tz=BERLIN)
    autumn = digest_period(date(2026, 10, 25), at=time(7), tz=BERLIN)
    assert spring[1] - spring[0] == timedelta(hours=23)
    assert autumn[1] - autumn[0] == timedelta(hours=25)


def test_before_the_time_the_latest_day_is_yesterday() -> None:
    assert latest_due_day(utc(2026, 11, 21, 5, 59), at=time(7), tz=BELGRADE) == date(2026, 11, 20)
    assert latest_due_day(utc(2026, 11, 21, 6, 0), at=time(7), tz=BELGRADE) == date(2026, 11, 21)


def test_next_run_is_strictly_after_now() -> None:
    assert next_run(utc(2026, 11, 21, 5, 59), at=time(7), tz=BELGRADE) == utc(2026, 11, 21, 6)
    assert next_run(utc(2026, 11, 21, 6, 0), at=time(7), tz=BELGRADE) == utc(2026, 11, 22, 6)


def test_today_is_due_once_its_time_has_passed() -> None:
    delivered = {date(2026, 11, 20)}
    kwargs = {
        "at": time(7),
        "tz": BELGRADE,
        "delivered": delivered.__contains__,
        "catch_up_days": 0,
    }
    assert due_days(utc(2026, 11, 21, 5, 59), **kwargs) == []
    assert due_days(utc(2026, 11, 21, 6, 0), **kwargs) == [date(2026, 11, 21)]
    delivered.add(date(2026, 11, 21))
    assert due_days(utc(2026, 11, 21, 23, 0), **kwargs) == []


def test_missed_days_are_caught_up_once_oldest_first() -> None:
    delivered = {date(2026, 11, 14), date(2026, 11, 17)}
    kwargs = {"at": time(7), "tz": BELGRADE, "delivered": delivered.__contains__}
    now = utc(2026, 11, 21, 9)
    # Days before the last delivery (15, 16) were given up on long ago.
    due = due_days(now, **kwargs)
    assert due == [date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20), date(2026, 11, 21)]
    delivered.update(due)
    assert due_days(now, **kwargs) == []
    assert due_days(now + timedelta(hours=1), **kwargs) == []


def test_catch_up_reaches_back_only_catch_up_days() -> None:
    delivered = {date(2026, 11, 17)}.__contains__
    now = utc(2026, 11, 21, 9)
    assert due_days(now, at=time(7), tz=BELGRADE, delivered=delivered, catch_up_days=4) == [
        date(2026, 11, d) for d in (18, 19, 20, 21)
    ]
    # The last delivery is outside a 3-day window: only the latest digest goes out.
    assert due_days(now, at=time(7), tz=BELGRADE, delivered=delivered, catch_up_days=3) == [
        date(2026, 11, 21)
    ]
    assert due_days(now, at=time(7), tz=BELGRADE, delivered=delivered, catch_up_days=0) == [
        date(2026, 11, 21)
    ]


def test_a_fresh_install_sends_only_the_latest_digest() -> None:
    now = utc(2026, 11, 21, 9)
    assert due_days(now, at=time(7), tz=BELGRADE, delivered=never) == [date(2026, 11, 21)]


def test_not_before_excludes_earlier_days() -> None:
    delivered = {date(2026, 11, 17)}.__contains__
    now = utc(2026, 11, 21, 9)
    started = utc(2026, 11, 19, 12)
    assert due_days(now, at=time(7), tz=BELGRADE, delivered=delivered, not_before=started) == [
        date(2026, 11, 21)
    ]
    assert due_days(now, at=time(7), tz=BELGRADE, delivered=never, not_before=now) == []


def test_naive_times_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone"):
        due_days(datetime(2026, 11, 21, 9), at=time(7), tz=BELGRADE, delivered=never)
    with pytest.raises(ValueError, match="catch_up_days"):
        due_days(utc(2026, 11, 21, 9), at=time(7), tz=BELGRADE, delivered=never, catch_up_days=-1)


@pytest.mark.parametrize(
    ("tz_name", "at"),
    [
        ("Europe/Berlin", time(2, 30)),  # inside the spring gap and the autumn overlap
        ("Europe/Berlin", time(7, 0)),
        ("America/New_York", time(1, 30)),
        ("Pacific/Auckland", time(2, 30)),
        ("Asia/Kolkata", time(0, 0)),
        ("UTC", time(23, 59)),
    ],
)
def test_a_ticking_clock_sends_exactly_one_digest_per_day(tz_name: str, at: time) -> None:
    """Run the decision every 11 minutes for a year, with a two-day outage, and count."""
    tz = ZoneInfo(tz_name)
    sent: dict[date, datetime] = {}
    outage = (utc(2026, 6, 10, 0), utc(2026, 6, 12, 12))
    now, end = utc(2026, 1, 1), utc(2026, 12, 31)
    first = date(2026, 1, 2)
    while now < end:
        if not outage[0] <= now < outage[1]:
            for day in due_days(
                now,
                at=at,
                tz=tz,
                delivered=sent.__contains__,
                catch_up_days=3,
                not_before=utc(2026, 1, 1),
            ):
                assert day not in sent
                sent[day] = now
        now += TICK
    days = sorted(d for d in sent if d >= first)
    assert Counter(days).most_common(1)[0][1] == 1
    assert days == [first + timedelta(days=n) for n in range((days[-1] - first).days + 1)]
    for day, when in sent.items():
        moment = scheduled_at(day, at=at, tz=tz)
        assert when >= moment
        if not outage[0] - TICK <= moment < outage[1]:
            assert when - moment < TICK  # on time outside the outage
