"""The calendar logic behind the VKS 8.38 and scheduled posts (catalog.schedule)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from catalog.schedule import (
    Offset,
    Slot,
    format_offsets,
    holidays,
    human_date,
    is_holiday,
    next_dates,
    parse_offsets,
    parse_slot,
    parse_when,
    render_ics,
)

MSK = ZoneInfo("Europe/Moscow")


def test_shipped_holidays_cover_this_year_and_next() -> None:
    days = holidays()
    assert {d.year for d in days} >= {2026, 2027}
    assert is_holiday(date(2026, 11, 4))  # День народного единства, a Wednesday
    assert is_holiday(date(2026, 1, 9))  # the day off moved from 3 January
    assert is_holiday(date(2026, 12, 31))  # the day off moved from 4 January
    assert not is_holiday(date(2026, 11, 25))
    assert all(d.weekday() < 5 for d in days)


def test_next_dates_start_today_on_the_slot_weekday() -> None:
    wednesday = Slot()
    assert next_dates(wednesday, date(2026, 11, 23), 3) == [
        date(2026, 11, 25),
        date(2026, 12, 2),
        date(2026, 12, 9),
    ]
    assert next_dates(wednesday, date(2026, 11, 25), 1) == [date(2026, 11, 25)]


def test_default_offsets_fall_on_the_eve_at_15_and_30_minutes_before() -> None:
    slot = Slot()
    eve, soon = (
        o.moment(slot, date(2026, 12, 2), MSK) for o in parse_offsets("1д 15:00, 30м") or []
    )
    assert eve == datetime(2026, 12, 1, 15, 0, tzinfo=MSK)
    assert soon == datetime(2026, 12, 2, 8, 8, tzinfo=MSK)
    assert [o.key for o in (Offset(days=1, at=time(15)), Offset(minutes=30))] == ["d1@1500", "m30"]


@pytest.mark.parametrize(
    ("text", "described"),
    [
        ("1д 15:00, 30м", "1д 15:00, 30м"),
        ("2д 10:00; 2ч", "2д 10:00, 120м"),
        ("0д 08:00", "0д 08:00"),
    ],
)
def test_offsets_parse_and_format(text: str, described: str) -> None:
    parsed = parse_offsets(text)
    assert parsed is not None
    assert format_offsets(parsed) == described


@pytest.mark.parametrize(
    "text", ["", "завтра", "8д 10:00", "1д 25:00", "0м", "1, 2, 3, 4, 5, 6", "1д 15:00 OR 1=1"]
)
def test_bad_offsets_are_refused(text: str) -> None:
    assert parse_offsets(text) is None


def test_slot_parsing() -> None:
    assert parse_slot("ср 08:38") == Slot(2, time(8, 38), 60)
    assert parse_slot("четверг 10.00 90") == Slot(3, time(10, 0), 90)
    assert parse_slot("пятн 9:00") == Slot(4, time(9, 0), 60)
    for bad in ("xx 08:38", "ср 24:00", "ср 08:38 5", "ср"):
        assert parse_slot(bad) is None


def test_when_parsing_in_the_configured_zone() -> None:
    now = datetime(2026, 12, 20, 12, 0, tzinfo=MSK)
    assert parse_when("25.12 10:00", now) == datetime(2026, 12, 25, 10, 0, tzinfo=MSK)
    # A day and month already past this year mean next year.
    assert parse_when("05.01 9:30", now) == datetime(2027, 1, 5, 9, 30, tzinfo=MSK)
    assert parse_when("завтра в 9:00", now) == datetime(2026, 12, 21, 9, 0, tzinfo=MSK)
    assert parse_when("01.02.27 08:00", now) == datetime(2027, 2, 1, 8, 0, tzinfo=MSK)
    for bad in ("31.02 10:00", "25.12", "когда-нибудь", "25.12 25:00", "x" * 10_000):
        assert parse_when(bad, now) is None


def test_human_date() -> None:
    assert human_date(date(2026, 11, 25)) == "среда, 25 ноября"


def test_ics_is_escaped_folded_and_in_utc() -> None:
    start = datetime(2026, 12, 2, 8, 38, tzinfo=MSK)
    body = render_ics(
        uid="vks-20261202@mct",
        start=start,
        minutes=60,
        summary="ВКС 8.38: ЭЛН; больничные, выписка — " + "длинная тема " * 5,
        description="Спикер\nhttps://vks.example.ru/1",
        url="https://vks.example.ru/1",
        stamp=start,
    ).decode()
    lines = body.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR"
    assert "DTSTART:20261202T053800Z" in lines
    assert "DTEND:20261202T063800Z" in lines
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = body.replace("\r\n ", "")
    assert "SUMMARY:ВКС 8.38: ЭЛН\\; больничные\\, выписка" in unfolded
    assert "DESCRIPTION:Спикер\\nhttps://vks.example.ru/1" in unfolded
