"""The calendar logic behind the VKS 8.38 and scheduled posts (catalog.schedule)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from catalog.requests import add_working_days
from catalog.requests import is_working_day as sla_working_day
from catalog.schedule import (
    LOCAL_DAY_OFF,
    Offset,
    Slot,
    build_year,
    days_off,
    format_offsets,
    holiday_name,
    human_date,
    is_holiday,
    is_working_day,
    next_dates,
    parse_local_days,
    parse_offsets,
    parse_slot,
    parse_when,
    render_ics,
)

MSK = ZoneInfo("Europe/Moscow")


def test_shipped_holidays_cover_this_year_and_next() -> None:
    days = days_off(2026) | days_off(2027)
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


def test_holidays_come_from_the_library_with_the_moved_days_and_do_not_end_in_2027() -> None:
    # The 2027 decree: 2 January -> 5 November, 3 January -> 31 December, Saturday 20 February
    # -> Monday 22 February (the shipped file of the old days missed all three).
    for moved in (date(2027, 11, 5), date(2027, 12, 31), date(2027, 2, 22)):
        assert is_holiday(moved), moved
    assert holiday_name(date(2027, 2, 22)) == "Выходной (перенесено с 20.02.2027)"
    assert holiday_name(date(2026, 11, 4)) == "День народного единства"
    assert holiday_name(date(2026, 11, 25)) is None
    # Years no file ever listed: the statutory days are there.
    for year in (2028, 2031, 2040):
        assert date(year, 1, 1) in days_off(year) or date(year, 1, 1).weekday() >= 5
        assert date(year, 1, 7) in days_off(year) or date(year, 1, 7).weekday() >= 5
        assert all(d.weekday() < 5 and d.year == year for d in days_off(year))


def test_a_working_saturday_counts_and_a_moved_day_off_does_not() -> None:
    saturday = date(2027, 2, 20)
    assert saturday.weekday() == 5
    assert is_working_day(saturday)
    assert sla_working_day(saturday)
    assert not is_working_day(date(2027, 2, 21))  # Sunday
    assert not is_working_day(date(2027, 2, 22))  # the day off moved from that Saturday
    assert is_working_day(date(2027, 2, 24))
    # Friday 19 February 18:00 with two working days: Saturday 20, then Wednesday 24 (22 is the
    # moved day off, 23 the holiday).
    friday = datetime(2027, 2, 19, 18, 0, tzinfo=MSK)
    assert add_working_days(friday, 1, MSK) == datetime(2027, 2, 20, 18, 0, tzinfo=MSK)
    assert add_working_days(friday, 2, MSK) == datetime(2027, 2, 24, 18, 0, tzinfo=MSK)


def test_the_centres_own_days_are_applied_on_top() -> None:
    local = parse_local_days(
        "# comment\n\n2027-12-30  выходной  # the centre's day off\n"
        "2027-12-26 рабочий\n2027-11-05 work\n2027-06-07 OFF\n"
    )
    assert local == {
        date(2027, 12, 30): True,
        date(2027, 12, 26): False,
        date(2027, 11, 5): False,
        date(2027, 6, 7): True,
    }
    year = build_year(2027, local)
    assert year.days_off[date(2027, 12, 30)] == LOCAL_DAY_OFF
    assert date(2027, 11, 5) not in year.days_off  # the centre works on a moved day off
    assert date(2027, 12, 26) in year.working_weekends  # and on that Sunday
    assert date(2027, 2, 20) in year.working_weekends  # the government's one stays
    assert date(2027, 6, 7) in year.days_off
    # Another year's lines change nothing in this one.
    assert build_year(2026, local).days_off == build_year(2026, {}).days_off
    for bad in ("2027-12-30", "30.12.2027 выходной", "2027-12-30 праздник"):
        with pytest.raises(ValueError, match="not understood"):
            parse_local_days(bad)


def test_the_shipped_local_file_is_valid() -> None:
    from importlib import resources

    text = resources.files("catalog.data").joinpath("holidays_local.txt").read_text("utf-8")
    parse_local_days(text)


def test_ics_is_a_valid_calendar_with_every_robust_choice() -> None:
    start = datetime(2027, 2, 24, 8, 38, tzinfo=MSK)
    stamp = datetime(2027, 2, 20, 12, 0, tzinfo=MSK)
    summary = "ВКС 8.38: «Кадры»; отпуска, больничные\\выписки — " + "очень длинная тема " * 8
    body = render_ics(
        uid="vks-20270224@mct-vologda",
        start=start,
        minutes=90,
        summary=summary,
        description="Иванова И. И., методист\nhttps://vks.example.ru/room?id=1&x=2",
        url="https://vks.example.ru/room?id=1&x=2",
        stamp=stamp,
    )
    text = body.decode()
    assert text.endswith("\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "METHOD:PUBLISH" in text.split("\r\n")
    parsed = Calendar.from_ical(body)
    event = parsed.walk("VEVENT")[0]
    assert str(event["UID"]) == "vks-20270224@mct-vologda"
    assert event.decoded("DTSTART") == datetime(2027, 2, 24, 5, 38, tzinfo=UTC)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=90)
    assert event.decoded("DTSTAMP") == datetime(2027, 2, 20, 9, 0, tzinfo=UTC)
    assert str(event["SUMMARY"]) == summary  # escaped and folded, and read back whole
    assert str(event["URL"]) == str(event["LOCATION"]) == "https://vks.example.ru/room?id=1&x=2"
    assert "DTSTART:20270224T053800Z" in text.split("\r\n")
    assert "TZID" not in text
    assert "VTIMEZONE" not in text
    alarm = event.walk("VALARM")[0]
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == timedelta(minutes=-15)
    # Without a link: no URL and no LOCATION.
    bare = render_ics(uid="u@x", start=start, minutes=60, summary="Тема", stamp=stamp).decode()
    assert "URL" not in bare
    assert "LOCATION" not in bare
    assert "DESCRIPTION:Тема" in bare
