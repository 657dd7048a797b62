"""Training requests without Telegram: parsing what people type, working days, the МО
directory and its import, and the request store's transitions on a real SQLite file."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from catalog.importer import to_csv, to_xlsx
from catalog.requests import (
    Action,
    Audience,
    DateRange,
    Format,
    Status,
    add_working_days,
    day_before,
    format_phone,
    mask_phone,
    normalise_phone,
    parse_contact,
    parse_dates,
    parse_hours,
    parse_participants,
    parse_results,
    parse_session_day,
    phone_code,
    split_contact,
)
from storage.db import Database
from storage.organisations import OrgRepo
from storage.requests import RequestInput, RequestRepo, SessionInput, SessionRepo
from storage.users import SeenUser, UserRepo

MSK = ZoneInfo("Europe/Moscow")
MONDAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("8 921 123-45-67", "+79211234567"),
        ("+7 (921) 123-45-67", "+79211234567"),
        ("9211234567", "+79211234567"),
        ("8 8172 12-34-56", "+78172123456"),
        ("12345", None),
        ("+1 202 555 0100", None),
        ("+7 121 123 45 67", None),
    ],
)
def test_phone_is_normalised_or_refused(typed: str, expected: str | None) -> None:
    assert normalise_phone(typed) == expected


def test_contact_needs_a_name_and_a_phone_and_is_masked_for_logs() -> None:
    assert split_contact("Иванова Мария, +7 921 123-45-67") == ("Иванова Мария", "+79211234567")
    assert split_contact("+79211234567") is None
    assert split_contact("Иванова Мария, 12-34") is None
    assert mask_phone("+79211234567") == "+7********67"


@pytest.mark.parametrize(
    ("typed", "start", "end"),
    [
        ("с 1 по 5 декабря", date(2026, 12, 1), date(2026, 12, 5)),
        ("1-5 декабря", date(2026, 12, 1), date(2026, 12, 5)),
        ("01.12–05.12", date(2026, 12, 1), date(2026, 12, 5)),
        ("с 28 декабря по 5 января", date(2026, 12, 28), date(2027, 1, 5)),
        ("на следующей неделе", date(2026, 11, 30), date(2026, 12, 4)),
        ("в январе", date(2027, 1, 1), date(2027, 1, 31)),
        ("в следующем месяце", date(2026, 12, 1), date(2026, 12, 31)),
        ("завтра", date(2026, 11, 24), date(2026, 11, 24)),
        ("15.12", date(2026, 12, 15), date(2026, 12, 15)),
        ("в пятницу", date(2026, 11, 27), date(2026, 11, 27)),
        ("пятница", date(2026, 11, 27), date(2026, 11, 27)),
        ("в следующий вторник", date(2026, 12, 1), date(2026, 12, 1)),
        ("через неделю", date(2026, 11, 30), date(2026, 11, 30)),
        ("с завтрашнего дня", date(2026, 11, 24), date(2026, 12, 7)),
        ("с завтра по пятницу", date(2026, 11, 24), date(2026, 11, 27)),
        ("с завтрашнего дня по 2.12", date(2026, 11, 24), date(2026, 12, 2)),
        ("15–19 декабря", date(2026, 12, 15), date(2026, 12, 19)),
    ],
)
def test_dates_in_words(typed: str, start: date, end: date) -> None:
    assert parse_dates(typed, MONDAY) == DateRange(start, end)


@pytest.mark.parametrize(
    "typed",
    ["вчера", "с 5 по 1 декабря", "1 января - 30 мая", "SELECT * FROM requests", "x" * 10_000],
)
def test_dates_not_understood(typed: str) -> None:
    assert parse_dates(typed, MONDAY) is None


@pytest.mark.parametrize(
    ("typed", "day", "note"),
    [
        ("в пятницу утром", date(2026, 11, 27), "утром"),
        ("Завтра утром", date(2026, 11, 24), "утром"),
        ("в понедельник вечером", date(2026, 11, 30), "вечером"),
        ("послезавтра днём", date(2026, 11, 25), "днём"),
    ],
)
def test_a_part_of_the_day_is_kept_as_a_note(typed: str, day: date, note: str) -> None:
    assert parse_dates(typed, MONDAY) == DateRange(day, day, note)


@pytest.mark.parametrize("typed", ["сегодня", "23.11", "с сегодняшнего дня", "с 23 по 25 ноября"])
def test_dates_start_tomorrow_when_typed_too(typed: str) -> None:
    assert parse_dates(typed, MONDAY) is None


@pytest.mark.parametrize(
    ("typed", "name", "shown"),
    [
        ("Петров Иван, (8172) 72-00-11", "Петров Иван", "(8172) 72-00-11"),
        ("Иванова Мария, 8 921 123-45-67", "Иванова Мария", "+7 921 123-45-67"),
        ("Петрова Анна +7 8172 12-34-56", "Петрова Анна", "(8172) 12-34-56"),
    ],
)
def test_a_contact_is_kept_whole_and_its_phone_shown_formatted(
    typed: str, name: str, shown: str
) -> None:
    contact = parse_contact(typed)
    assert contact is not None
    assert contact.name == name
    assert format_phone(contact.phone.number, contact.phone.code) == shown


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+78172123456", "(8172) 12-34-56"),
        ("+79211234567", "+7 921 123-45-67"),
        ("+74951234567", "(495) 123-45-67"),
    ],
)
def test_a_phone_filed_before_its_code_was_kept_is_shown_formatted(stored: str, shown: str) -> None:
    assert format_phone(stored, phone_code(stored)) == shown


def test_participants_hours_and_results() -> None:
    assert parse_participants("25 человек") == 25
    assert parse_participants("около 30") == 30
    assert parse_participants("10-20") is None
    assert parse_hours("2,5") == 2.5
    assert parse_hours("0") is None
    assert parse_results("25 чел., 2,5 ч") == (25, 2.5)
    assert parse_results("0 2") is None
    assert parse_session_day("10.12", MONDAY) == date(2026, 12, 10)
    assert parse_session_day("31.02", MONDAY) is None


def test_working_days_skip_weekends_and_holidays() -> None:
    friday_evening = datetime(2026, 11, 27, 18, 0, tzinfo=MSK)
    assert add_working_days(friday_evening, 2, MSK) == datetime(2026, 12, 1, 18, 0, tzinfo=MSK)
    # The New Year holidays are not working days.
    before_new_year = datetime(2026, 12, 30, 10, 0, tzinfo=MSK)
    assert add_working_days(before_new_year, 2, MSK) == datetime(2027, 1, 12, 10, 0, tzinfo=MSK)
    assert day_before(date(2026, 12, 10), time(15, 0), MSK) == datetime(
        2026, 12, 9, 15, 0, tzinfo=MSK
    )


async def test_shipped_directory_has_86_organisations_and_finds_by_part(db: Database) -> None:
    orgs = OrgRepo(db)
    await orgs.ensure_seeded()
    everything = await orgs.all()
    assert len(everything) == 86
    assert {o.type.value for o in everything} >= {
        "crb", "smp", "polyclinic", "dental", "hospital", "maternity", "blood", "centre", "mse",
    }  # fmt: skip
    assert any("Сокольская" in o.name for o in await orgs.find("сокольская"))
    # The wrong keyboard layout still finds it: «cjrjkmcrfz» is «сокольская».
    assert any("Сокольская" in o.name for o in await orgs.find("cjrjkmcrfz"))
    assert await orgs.find("несуществующая больница") == []


async def test_directory_import_replaces_and_refuses_a_bad_file(db: Database) -> None:
    orgs = OrgRepo(db)
    await orgs.ensure_seeded()
    bad = to_csv([["name", "short_name", "district", "type", "staff"], ["X", "", "", "zzz", "-5"]])
    report = await orgs.import_table(bad, "mo.csv")
    assert report.plan.problems
    assert report.created == 0
    assert len(await orgs.all()) == 86

    table = [
        ["name", "short_name", "district", "type", "staff"],
        ["БУЗ ВО «Сокольская ЦРБ»", "Сокольская ЦРБ", "Сокольский", "crb", "812"],
        ["БУЗ ВО «Новая больница»", "Новая больница", "Вологда", "hospital", ""],
    ]
    report = await orgs.import_table(to_xlsx(table), "mo.xlsx")
    assert (report.created, report.updated, report.deactivated) == (1, 1, 85)
    active = await orgs.all()
    assert sorted(o.short_name for o in active) == ["Новая больница", "Сокольская ЦРБ"]
    assert next(o for o in active if o.short_name == "Сокольская ЦРБ").staff == 812


async def test_transitions_are_checked_and_audited(db: Database) -> None:
    users = UserRepo(db)
    for uid in (10, 20):
        await users.touch(SeenUser(id=uid, first_name=f"U{uid}"))
    orgs = OrgRepo(db)
    await orgs.ensure_seeded()
    await db.execute("INSERT INTO topics (code, title) VALUES ('eln', 'ЭЛН')")
    org = (await orgs.all())[0]
    data = RequestInput(
        organisation_id=org.id,
        topic_code="eln",
        format=Format.WEBINAR,
        audience=(Audience.DOCTORS,),
        participants=25,
        date_from=date(2026, 12, 1),
        date_to=date(2026, 12, 5),
        dates_text="",
        contact_name="Мария",
        contact_phone="+79211234567",
    )
    repo = RequestRepo(db)
    request = await repo.create(10, data)
    assert request.status is Status.NEW
    assert (await repo.take(request.id, 20)) is not None
    # Asking for changes twice: the second finds the status moved and changes nothing.
    assert (await repo.ask_changes(request.id, 20, "уточните даты")) is not None
    assert (await repo.ask_changes(request.id, 20, "ещё раз")) is None
    # Only the owner resubmits.
    assert (await repo.resubmit(request.id, 20, data)) is None
    back = await repo.resubmit(request.id, 10, data)
    assert back is not None
    assert back.status is Status.TAKEN
    assert back.assignee_id == 20
    moment = datetime(2026, 12, 2, 9, 0, tzinfo=MSK)
    session = SessionInput("eln", Format.WEBINAR, moment, "https://vks.example", 2, org.id)
    approved = await repo.approve(request.id, 20, session, "")
    assert approved is not None
    assert approved.session_id is not None
    assert (await repo.approve(request.id, 20, session, "")) is None
    stored = await SessionRepo(db).get(approved.session_id)
    assert stored is not None
    assert stored.starts_at == moment
    actions = [e.action for e in await repo.events(request.id)]
    assert actions == [
        Action.CREATED, Action.TAKEN, Action.CHANGES, Action.RESUBMITTED, Action.APPROVED,
    ]  # fmt: skip
