"""/stats end to end: the real bot polls the fake Bot API; admins and methodologists read
reports, charts arrive as pictures, exports as documents, and the Monday digest goes out on a
driven clock."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from bot import texts
from bot.callbacks import StatsAction, StatsCallback
from catalog.model import Kind, MaterialInput
from storage.catalog import CatalogRepo
from storage.db import Database
from storage.users import Role, UserRepo
from storage.vks import VksRepo
from tests.conftest import RunningBot, button_data, button_texts, make_settings
from tests.e2e.test_announcements import scheduler_of, wait_until
from tests.fakes.people import ADMIN, DOCTOR, NURSE, Person, sticker
from tests.fakes.telegram_server import Call, FakeTelegram, Json
from tests.unit.test_stats import png_size

MSK = ZoneInfo("Europe/Moscow")
METHODIST = DOCTOR


def _db(running: RunningBot) -> Database:
    assert running.db is not None
    return running.db


async def seed(running: RunningBot) -> tuple[int, int]:
    """Two materials; the first downloaded three times by two people, just now."""
    repo = CatalogRepo(_db(running))
    eln = await repo.create(
        MaterialInput("Памятка по ЭЛН <новая>", Kind.MEMO, ["eln"], url="https://x.example/1")
    )
    quiet = await repo.create(
        MaterialInput("Инструкция по кадрам", Kind.INSTRUCTION, ["hr"], url="https://x.example/2")
    )
    await repo.record_download(eln, NURSE.id, NURSE.id, "private")
    await repo.record_download(eln, NURSE.id, -100500, "group")
    await repo.record_download(eln, METHODIST.id, None, "inline")
    await repo.save_search("флюорография", NURSE.id, "private", "флюорография", 0)
    return eln, quiet


async def make_methodist(running: RunningBot) -> None:
    await running.say(METHODIST, "/start")
    await UserRepo(_db(running)).set_role(METHODIST.id, Role.METHODOLOGIST, changed_by=None)


def newest_with(running: RunningBot, chat_id: int, caption: str) -> Json:
    for shown in reversed(running.server.chat_messages(chat_id)):
        if caption in button_texts(shown.get("reply_markup")):
            return shown
    raise AssertionError(f"no message with {caption!r}")


async def click(running: RunningBot, person: Person, caption: str) -> Call:
    shown = newest_with(running, person.id, caption)
    return await running.press(person, button_data(shown["reply_markup"], caption), shown)


async def test_staff_are_refused_and_methodologists_read_without_exporting(
    running: RunningBot,
) -> None:
    await seed(running)
    refused = await running.say(NURSE, "/stats")
    assert refused.params["text"] == texts.REFUSED.format(role="методист")

    await make_methodist(running)
    shown = await running.say(METHODIST, "/stats")
    assert "📥 Скачиваний: <b>3</b>" in shown.params["text"]
    buttons = button_texts(shown.params["reply_markup"])
    assert texts.BTN_STATS_CHART in buttons
    assert texts.BTN_STATS_EXPORT not in buttons
    assert not any(b.startswith("🔔") or b.startswith("🔕") for b in buttons)

    # A forged export button: refused, nothing is sent.
    seen = len(running.server.calls)
    forged = StatsCallback(a=StatsAction.EXPORT, k="m").pack()
    answer = await running.press(METHODIST, forged, running.server.chat_messages(METHODIST.id)[-1])
    assert answer.params["text"] == texts.REFUSED.format(role="администратор")
    forged_digest = StatsCallback(a=StatsAction.DIGEST, v="off").pack()
    await running.press(METHODIST, forged_digest)
    await asyncio.sleep(0.2)
    assert not [c for c in running.server.calls[seen:] if c.method == "sendDocument"]
    assert await UserRepo(_db(running)).digest_enabled(METHODIST.id)


async def test_admin_reads_every_section_and_switches_periods(running: RunningBot) -> None:
    await seed(running)
    shown = await running.say(ADMIN, "/stats")
    text = shown.params["text"]
    today = datetime.now(MSK).date()
    assert text.startswith("📊 <b>Статистика: ")
    assert "📥 Скачиваний: <b>3</b>" in text
    assert "👤 Скачивали: <b>2</b> чел." in text
    # The title came from a methodologist: it is escaped, never markup.
    assert "1. Памятка по ЭЛН &lt;новая&gt; — 3" in text
    assert "• в личном чате — 1" in text
    assert "• в группах — 1" in text
    assert "• инлайн — 1" in text
    assert "Ни разу не скачали: 1" in text
    assert texts.BTN_STATS_EXPORT in button_texts(shown.params["reply_markup"])
    assert texts.BTN_STATS_LATER not in button_texts(shown.params["reply_markup"])

    seen = len(running.server.calls)
    await click(running, ADMIN, texts.BTN_STATS_SECTIONS["s"])
    edited = await running.server.wait_for("editMessageText", after=seen)
    assert "1. «флюорография» — 1 раз, 1 чел." in edited.params["text"]
    assert "Искали и не нашли</b>: 1 запрос\n" in edited.params["text"]

    seen = len(running.server.calls)
    await click(running, ADMIN, texts.BTN_STATS_SECTIONS["n"])
    edited = await running.server.wait_for("editMessageText", after=seen)
    assert "• Инструкция по кадрам" in edited.params["text"]

    seen = len(running.server.calls)
    await click(running, ADMIN, texts.BTN_STATS_SECTIONS["t"])
    edited = await running.server.wait_for("editMessageText", after=seen)
    assert texts.STATS_NO_TRAINING in edited.params["text"]

    # Two periods back nothing happened: a polite "no data", and «Позже» comes back.
    seen = len(running.server.calls)
    await click(running, ADMIN, texts.BTN_STATS_SECTIONS["d"])
    await running.server.wait_for("editMessageText", after=seen)
    for _ in range(2):
        seen = len(running.server.calls)
        await click(running, ADMIN, texts.BTN_STATS_EARLIER)
        await running.server.wait_for("editMessageText", after=seen)
    earlier = running.server.chat_messages(ADMIN.id)[-1]
    assert texts.STATS_NO_DATA in earlier["text"]
    assert texts.BTN_STATS_LATER in button_texts(earlier["reply_markup"])
    assert str(today.year) in earlier["text"] or str(today.year - 1) in earlier["text"]

    seen = len(running.server.calls)
    await click(running, ADMIN, "Квартал")
    edited = await running.server.wait_for("editMessageText", after=seen)
    assert "квартал" in edited.params["text"]
    assert "📥 Скачиваний: <b>3</b>" in edited.params["text"]
    assert f"• {texts.STATS_PERIOD_TITLES['q']}" in button_texts(edited.params["reply_markup"])


async def test_custom_period_takes_text_and_refuses_nonsense(running: RunningBot) -> None:
    await seed(running)
    await running.say(ADMIN, "/stats")
    seen = len(running.server.calls)
    await click(running, ADMIN, texts.BTN_STATS_CUSTOM)
    asked = await running.server.wait_for("sendMessage", after=seen)
    assert asked.params["text"] == texts.STATS_ASK_PERIOD

    wrong = await running.push_and_wait("message", sticker(ADMIN), ADMIN.id)
    assert wrong.params["text"] == texts.STATS_NOT_TEXT
    for nonsense in ("<b>когда-нибудь</b>", "31.02.2026-01.03.2026", "я" * 10_000):
        answer = await running.say(ADMIN, nonsense)
        assert answer.params["text"] == texts.STATS_BAD_PERIOD

    old = await running.say(ADMIN, "01.01.2020-31.01.2020")
    assert "01.01.2020" in old.params["text"]
    assert texts.STATS_NO_DATA in old.params["text"]
    # The state is over: plain text is a search again.
    search = await running.say(ADMIN, "ЭЛН")
    assert "Памятка по ЭЛН" in search.params["text"]


async def test_forged_period_buttons_are_refused(running: RunningBot) -> None:
    await running.say(ADMIN, "/stats")
    shown = running.server.chat_messages(ADMIN.id)[-1]
    for forged in (
        StatsCallback(a=StatsAction.VIEW, k="m", s=20261399, e=20261231).pack(),
        StatsCallback(a=StatsAction.VIEW, k="m", s=19000101, e=20261231).pack(),
        StatsCallback(a=StatsAction.VIEW, k="zz").pack(),
        StatsCallback(a=StatsAction.VIEW, k="m", v="?").pack(),
        StatsCallback(a=StatsAction.CHART, t="#abc").pack(),
        StatsCallback(a=StatsAction.CHART, m="7").pack(),
        StatsCallback(a=StatsAction.DIGEST, v="maybe").pack(),
    ):
        answer = await running.press(ADMIN, forged, shown)
        assert answer.params["text"] == texts.STATS_BAD_BUTTON, forged
    truncated = await running.press(ADMIN, "st:v:m:2026", shown)
    assert truncated.params.get("text") in (texts.STALE_BUTTON, None)
    assert running.server.chat_messages(ADMIN.id)[-1]["text"] == shown["text"]


async def test_chart_and_export_arrive_as_files(running: RunningBot) -> None:
    eln, quiet = await seed(running)
    await running.say(ADMIN, "/stats")

    seen = len(running.server.calls)
    await click(running, ADMIN, texts.BTN_STATS_CHART)
    picker = await running.server.wait_for("editMessageText", after=seen)
    assert picker.params["text"] == texts.STATS_CHART_PICK
    assert "ЭЛН" in button_texts(picker.params["reply_markup"])

    seen = len(running.server.calls)
    await click(running, ADMIN, "ЭЛН")
    photo = await running.server.wait_for("sendPhoto", after=seen)
    assert "📈 <b>ЭЛН</b>" in photo.params["caption"]
    assert ": 3 скачивания." in photo.params["caption"]
    name, png = running.server.uploads[-1]
    assert name.endswith(".png")
    assert png_size(png) == (1200, 675)
    assert button_texts(photo.params["reply_markup"]) == ["По 5 точкам", "Взвешенная по 5"]

    # A direction nobody downloaded from: no empty chart, a polite word instead.
    shown = newest_with(running, ADMIN.id, texts.BTN_CHART_ALL)
    empty = StatsCallback(a=StatsAction.CHART, t="hr").pack()
    seen = len(running.server.calls)
    answer = await running.press(ADMIN, empty, shown)
    assert answer.params["text"] == texts.STATS_CHART_EMPTY
    assert not running.server.calls_of("sendPhoto")[1:]

    seen = len(running.server.calls)
    await click(running, ADMIN, texts.BTN_BACK)
    await click(running, ADMIN, texts.BTN_STATS_EXPORT)
    await wait_until(lambda: len(running.server.calls_of("sendDocument")) == 3)
    documents = running.server.calls_of("sendDocument")
    month = datetime.now(MSK).date().replace(day=1).isoformat()
    names = [n for n, _ in running.server.uploads[-3:]]
    assert names[0].startswith(f"stats-{month}_")
    assert names[0].endswith(".xlsx")
    assert names[1].endswith("-summary.csv")
    assert names[2].endswith("-downloads.csv")
    assert "Скачиваний: 3, занятий: 0." in documents[0].params["caption"]
    book = load_workbook(io.BytesIO(running.server.uploads[-3][1]))
    raw = book[texts.REPORT_SHEET_DOWNLOADS]
    assert raw.max_row == 4
    assert {row[1] for row in raw.iter_rows(min_row=2, values_only=True)} == {eln}
    never = [
        r[1]
        for r in book[texts.REPORT_SHEET_SUMMARY].iter_rows(values_only=True)
        if r[0] == "Ни разу не скачали"
    ]
    assert never == ["Инструкция по кадрам"]
    assert quiet != eln


async def test_material_card_shows_counts_and_a_chart_for_staff(running: RunningBot) -> None:
    eln, _ = await seed(running)
    staff_card = await running.say(NURSE, f"/start m_{eln}")
    assert "📥 Скачиваний: 3" in staff_card.params["text"]
    assert "за 30 дней" not in staff_card.params["text"]
    assert texts.BTN_MATERIAL_CHART not in button_texts(staff_card.params["reply_markup"])

    admin_card = await running.say(ADMIN, f"/start m_{eln}")
    assert "📥 Скачиваний: 3 (за 30 дней: 3)" in admin_card.params["text"]
    seen = len(running.server.calls)
    await click(running, ADMIN, texts.BTN_MATERIAL_CHART)
    photo = await running.server.wait_for("sendPhoto", after=seen)
    assert "Памятка по ЭЛН &lt;новая&gt;" in photo.params["caption"]

    # A staff member replaying the card's chart button is refused.
    forged = StatsCallback(a=StatsAction.CHART, t=f"#{eln}").pack()
    answer = await running.press(NURSE, forged, running.server.chat_messages(NURSE.id)[-1])
    assert answer.params["text"] == texts.REFUSED.format(role="методист")


# -- the Monday digest ------------------------------------------------------------------------


async def test_monday_digest_goes_to_admins_once_and_can_be_switched_off(
    server: FakeTelegram, tmp_path: Path
) -> None:
    second = Person(5005, "Пётр", "petr_admin")
    settings = make_settings(
        tmp_path,
        telegram_api_url=server.url,
        weekly_digest=True,
        admin_ids=frozenset({ADMIN.id, second.id}),
    )
    running = await RunningBot(server, settings).start()
    try:
        today = datetime.now(MSK).date()
        monday = today + timedelta(days=7 - today.weekday())
        db = _db(running)
        eln = await CatalogRepo(db).create(
            MaterialInput("Памятка по ЭЛН", Kind.MEMO, ["eln"], url="https://x.example/1")
        )
        # Three downloads in the digest's week (the week before ``monday``), one before it.
        week_day = datetime.combine(monday - timedelta(days=5), time(12), tzinfo=MSK)
        for moment in (week_day, week_day, week_day, week_day - timedelta(days=7)):
            await db.execute(
                "INSERT INTO downloads (material_id, user_id, channel, at) VALUES (?, ?, ?, ?)",
                (eln, NURSE.id, "private", moment.astimezone(UTC).isoformat(timespec="seconds")),
            )
        nine = datetime.combine(monday, time(9), tzinfo=MSK)
        scheduler = scheduler_of(running)
        await scheduler.run_due(nine - timedelta(minutes=1))
        assert not server.calls_of("sendPhoto")
        await scheduler.run_due(nine)
        await wait_until(lambda: len(server.calls_of("sendPhoto")) == 2)
        photos = server.calls_of("sendPhoto")
        assert {c.params["chat_id"] for c in photos} == {ADMIN.id, second.id}
        caption = photos[0].params["caption"]
        week = f"{(monday - timedelta(days=7)):%d.%m}"
        assert "🗓 <b>Итоги недели:" in caption
        assert week in caption
        assert "📥 Скачиваний: <b>3</b> (было 1, +200 %)" in caption
        assert len(caption) <= 1024
        # Drawn and uploaded once; the second admin got the same picture by file_id.
        assert [n for n, _ in server.uploads if n.startswith("digest-")] == [
            f"digest-{(monday - timedelta(days=7)).isoformat()}.png"
        ]
        assert photos[0].params["photo"].startswith("attach://")
        assert photos[1].params["photo"] == "uploaded-1"

        # Run again (a restart at 09:30): nothing new.
        await scheduler.run_due(nine + timedelta(minutes=30))
        await asyncio.sleep(0.3)
        assert len(server.calls_of("sendPhoto")) == 2

        # The first admin switches it off from the digest itself.
        on_digest = next(
            m for m in server.chat_messages(ADMIN.id) if m.get("photo") and m.get("reply_markup")
        )
        answer = await running.press(
            ADMIN, button_data(on_digest["reply_markup"], texts.BTN_DIGEST_STOP), on_digest
        )
        assert answer.params["text"] == texts.DIGEST_TURNED_OFF
        assert not await UserRepo(db).digest_enabled(ADMIN.id)
        shown = await running.say(ADMIN, "/stats")
        assert texts.BTN_DIGEST_OFF in button_texts(shown.params["reply_markup"])

        await scheduler.run_due(nine + timedelta(weeks=1))
        await wait_until(lambda: len(server.calls_of("sendPhoto")) == 3)
        await asyncio.sleep(0.3)
        assert [c.params["chat_id"] for c in server.calls_of("sendPhoto")[2:]] == [second.id]

        # Switched back on from /stats.
        seen = len(server.calls)
        await click(running, ADMIN, texts.BTN_DIGEST_OFF)
        edited = await server.wait_for("editMessageText", after=seen)
        assert texts.BTN_DIGEST_ON in button_texts(edited.params["reply_markup"])
        assert await UserRepo(db).digest_enabled(ADMIN.id)
    finally:
        await running.stop()


async def test_a_digest_missed_by_more_than_half_a_day_is_dropped(
    server: FakeTelegram, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, telegram_api_url=server.url, weekly_digest=True)
    running = await RunningBot(server, settings).start()
    try:
        today = datetime.now(MSK).date()
        monday = today + timedelta(days=7 - today.weekday())
        await seed(running)
        # The bot "comes back" on Tuesday morning.
        await scheduler_of(running).run_due(datetime.combine(monday, time(23), tzinfo=MSK))
        await asyncio.sleep(0.3)
        assert not server.calls_of("sendPhoto")
        assert await VksRepo(_db(running)).outcomes(monday) == {"digest": "missed"}
    finally:
        await running.stop()
