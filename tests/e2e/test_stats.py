"""/stats end to end: the real bot polls the fake Bot API; admins and methodologists read
reports, pick a custom period in a form (calendar or text), charts arrive as pictures, exports
as documents, and the Monday digest goes out on a driven clock."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from bot import ui
from bot.middlewares import Limit, Throttle
from bot.scheduler import Scheduler
from catalog.model import Kind, MaterialInput
from catalog.stats import PeriodKind, period_of, previous_span
from handlers.stats import texts
from handlers.stats.callbacks import StatsAction, StatsCallback
from storage.catalog import CatalogRepo
from storage.db import Database
from storage.users import Role, UserRepo
from storage.vks import VksRepo
from tests.fakes.people import ADMIN, DOCTOR, NURSE, Person, group_chat, message, sticker
from tests.fakes.telegram_server import Call, FakeTelegram, Json
from tests.harness import RunningBot, button_data, button_texts, make_settings
from tests.unit.test_stats import png_size

MSK = ZoneInfo("Europe/Moscow")
METHODIST = DOCTOR
# The button of a material's card (the search feature's), which opens its chart here.
BTN_MATERIAL_CHART = "📈 График скачиваний"
MONTHS = (
    "Январь", "Февраль", "Март", "Апрель", "Май", "Июнь",
    "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь",
)  # fmt: skip


def _db(running: RunningBot) -> Database:
    assert running.db is not None
    return running.db


def scheduler_of(running: RunningBot) -> Scheduler:
    assert running.dp is not None
    scheduler = running.dp.workflow_data["scheduler"]
    assert isinstance(scheduler, Scheduler)
    return scheduler


async def wait_until(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def today() -> date:
    return datetime.now(MSK).date()


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


async def download_at(running: RunningBot, material: int, moment: datetime) -> None:
    await _db(running).execute(
        "INSERT INTO downloads (material_id, user_id, channel, at) VALUES (?, ?, ?, ?)",
        (material, NURSE.id, "private", moment.astimezone(UTC).isoformat(timespec="seconds")),
    )


async def make_methodist(running: RunningBot) -> None:
    await running.say(METHODIST, "/start")
    await UserRepo(_db(running)).set_role(METHODIST.id, Role.METHODOLOGIST, changed_by=None)


def newest_with(running: RunningBot, chat_id: int, caption: str) -> Json:
    for shown in reversed(running.server.chat_messages(chat_id)):
        if caption in button_texts(shown.get("reply_markup")):
            return shown
    raise AssertionError(f"no message with {caption!r}")


async def click(running: RunningBot, person: Person, caption: str) -> Call:
    return await running.click(person, caption)


async def click_and_see(running: RunningBot, person: Person, caption: str) -> Json:
    """Press a button of a form or a view and return the message as it looks then."""
    answer = await running.click(person, caption)
    assert not answer.params.get("show_alert"), answer.params
    await running.quiet()
    return running.shown(person)


async def type_in(
    running: RunningBot, person: Person, text: str | None = None, **extra: Any
) -> Json:
    """Send a message into an open form; returns the form's message once it is edited."""
    seen = len(running.server.calls)
    payload = sticker(person) if text is None else message(person, text, **extra)
    await running.server.push_update("message", payload)
    await running.server.wait_for(
        "editMessageText", lambda c: c.params.get("chat_id") == person.id, after=seen
    )
    await running.quiet()
    return running.shown(person)


def throttle_of(running: RunningBot) -> Throttle:
    assert running.dp is not None
    throttle = running.dp["throttle"]
    assert isinstance(throttle, Throttle)
    return throttle


async def test_staff_are_refused_and_methodologists_read_without_exporting(
    running: RunningBot,
) -> None:
    await seed(running)
    refused = await running.say(NURSE, "/stats")
    assert refused.params["text"] == ui.REFUSED.format(role="методист")

    await make_methodist(running)
    shown = await running.say(METHODIST, "/stats")
    assert "📥 Скачиваний: <b>3</b>" in shown.params["text"]
    buttons = button_texts(shown.params["reply_markup"])
    assert texts.BTN_CHART in buttons
    assert texts.BTN_EXPORT not in buttons
    assert not any(b.startswith("🔔") or b.startswith("🔕") for b in buttons)

    # A forged export button: refused, nothing is sent.
    seen = len(running.server.calls)
    forged = StatsCallback(a=StatsAction.EXPORT, k="m").pack()
    answer = await running.press(METHODIST, forged, running.server.chat_messages(METHODIST.id)[-1])
    assert answer.params["text"] == ui.REFUSED.format(role="администратор")
    forged_digest = StatsCallback(a=StatsAction.DIGEST, v="off").pack()
    await running.press(METHODIST, forged_digest)
    await running.quiet()
    assert not [c for c in running.server.calls[seen:] if c.method == "sendDocument"]
    assert await UserRepo(_db(running)).digest_enabled(METHODIST.id)


async def test_admin_reads_every_section_and_switches_periods(running: RunningBot) -> None:
    await seed(running)
    shown = await running.say(ADMIN, "/stats")
    text = shown.params["text"]
    assert text.startswith("📊 <b>Статистика: ")
    assert "📥 Скачиваний: <b>3</b>" in text
    assert "👤 Скачивали: <b>2</b> чел." in text
    # The title came from a methodologist: it is escaped, never markup.
    assert "1. Памятка по ЭЛН &lt;новая&gt; — 3" in text
    assert "• в личном чате — 1" in text
    assert "• в группах — 1" in text
    assert "• инлайн — 1" in text
    assert "Ни разу не скачали: 1" in text
    assert texts.BTN_EXPORT in button_texts(shown.params["reply_markup"])
    assert texts.BTN_LATER not in button_texts(shown.params["reply_markup"])

    seen = len(running.server.calls)
    await click(running, ADMIN, texts.BTN_SECTIONS["s"])
    edited = await running.server.wait_for("editMessageText", after=seen)
    assert "1. «флюорография» — 1 раз, 1 чел." in edited.params["text"]
    assert "Искали и не нашли</b>: 1 запрос\n" in edited.params["text"]

    seen = len(running.server.calls)
    await click(running, ADMIN, texts.BTN_SECTIONS["n"])
    edited = await running.server.wait_for("editMessageText", after=seen)
    assert "• Инструкция по кадрам" in edited.params["text"]

    seen = len(running.server.calls)
    await click(running, ADMIN, texts.BTN_SECTIONS["t"])
    edited = await running.server.wait_for("editMessageText", after=seen)
    assert texts.NO_TRAINING in edited.params["text"]

    # Two periods back nothing happened: a polite "no data", and «Позже» comes back.
    seen = len(running.server.calls)
    await click(running, ADMIN, texts.BTN_SECTIONS["d"])
    await running.server.wait_for("editMessageText", after=seen)
    for _ in range(2):
        seen = len(running.server.calls)
        await click(running, ADMIN, texts.BTN_EARLIER)
        await running.server.wait_for("editMessageText", after=seen)
    earlier = running.server.chat_messages(ADMIN.id)[-1]
    assert texts.NO_DATA in earlier["text"]
    assert texts.BTN_LATER in button_texts(earlier["reply_markup"])
    assert str(today().year) in earlier["text"] or str(today().year - 1) in earlier["text"]
    # A period that is over says nothing about running.
    assert "период ещё идёт" not in earlier["text"]

    seen = len(running.server.calls)
    await click(running, ADMIN, "Квартал")
    edited = await running.server.wait_for("editMessageText", after=seen)
    assert "квартал" in edited.params["text"]
    assert "📥 Скачиваний: <b>3</b>" in edited.params["text"]
    assert f"• {texts.PERIOD_TITLES['q']}" in button_texts(edited.params["reply_markup"])


async def test_a_running_month_is_compared_with_the_same_days_of_the_last_one(
    running: RunningBot,
) -> None:
    eln, _ = await seed(running)
    now = today()
    month = period_of(PeriodKind.MONTH, now)
    before = previous_span(month, now)
    assert before.start == month.shifted(-1).start
    assert (before.end - before.start).days == min((now - month.start).days, before.days - 1)
    # Two downloads in the same days of last month count; one after them does not.
    await download_at(running, eln, datetime.combine(before.start, time(9), tzinfo=MSK))
    await download_at(running, eln, datetime.combine(before.end, time(18), tzinfo=MSK))
    after = before.end + timedelta(days=1)
    if after < month.start:
        await download_at(running, eln, datetime.combine(after, time(12), tzinfo=MSK))

    shown = await running.say(ADMIN, "/stats")
    text = shown.params["text"]
    span = (
        f"{before.start:%d.%m}"
        if before.start == before.end
        else (f"{before.start:%d.%m}–{before.end:%d.%m}")
    )
    assert f"📥 Скачиваний: <b>3</b> (за {span} было 2, +50 %)" in text
    if now < month.end:
        assert f"период ещё идёт, данные по {now:%d.%m.%Y}" in text


async def test_custom_period_takes_text_and_refuses_nonsense(running: RunningBot) -> None:
    await seed(running)
    await running.say(ADMIN, "/stats")
    stats_message = running.shown(ADMIN)["message_id"]
    seen = len(running.server.calls)
    await click(running, ADMIN, texts.BTN_CUSTOM)
    asked = await running.server.wait_for("editMessageText", after=seen)
    # The form takes the place of the view: one message, edited.
    assert asked.params["message_id"] == stats_message
    ask = texts.ASK_PERIOD.format(**texts.examples(today()))
    assert ask in asked.params["text"]
    # The examples are computed from today: none lies in the future.
    assert texts.examples(date(2026, 12, 1)) == {
        "example_range": "01.09.2026-30.11.2026",
        "example_month": "ноябрь 2026",
        "example_year": "2025",
    }

    wrong = await type_in(running, ADMIN)
    assert texts.NOT_TEXT in wrong["text"]
    bad = texts.BAD_PERIOD.format(**texts.examples(today()))
    for nonsense in ("<b>когда-нибудь</b>", "31.02.2026-01.03.2026", "я" * 10_000):
        answer = await type_in(running, ADMIN, nonsense)
        assert bad in answer["text"]
        assert answer["message_id"] == stats_message

    old = await type_in(running, ADMIN, "01.01.2020-31.01.2020")
    assert "01.01.2020" in old["text"]
    assert texts.NO_DATA in old["text"]
    assert old["message_id"] == stats_message
    assert texts.BTN_CUSTOM in button_texts(old["reply_markup"])
    # The form is over: plain text is a search again.
    search = await running.say(ADMIN, "ЭЛН")
    assert "Памятка по ЭЛН" in search.params["text"]


async def test_custom_period_from_the_calendar_and_cancel_gives_the_view_back(
    running: RunningBot,
) -> None:
    await seed(running)
    await running.say(ADMIN, "/stats")
    view = dict(running.shown(ADMIN))
    now = today()

    form = await click_and_see(running, ADMIN, texts.BTN_CUSTOM)
    captions = button_texts(form["reply_markup"])
    assert f"🗓 {MONTHS[now.month - 1]} {now.year}" in captions
    assert captions[1:8] == ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"]
    assert f"[{now.day}]" in captions  # today, by the bot's clock
    assert ui.BTN_CANCEL in captions
    assert ui.BTN_BACK not in captions  # the first step

    # Cancel: the same message is the view it was opened from again.
    cancelled = await click_and_see(running, ADMIN, ui.BTN_CANCEL)
    assert cancelled["message_id"] == view["message_id"]
    assert cancelled["text"] == view["text"]
    assert button_texts(cancelled["reply_markup"]) == button_texts(view["reply_markup"])

    # The first of this month, then today: the month so far.
    await click_and_see(running, ADMIN, texts.BTN_CUSTOM)
    first = "[1]" if now.day == 1 else "1"
    step2 = await click_and_see(running, ADMIN, first)
    assert f"Начало: <b>{now.replace(day=1):%d.%m.%Y}</b>" in step2["text"]
    assert ui.BTN_BACK in button_texts(step2["reply_markup"])
    assert texts.BTN_ONE_DAY in button_texts(step2["reply_markup"])
    # Back to the first day's step, and forward again.
    back = await click_and_see(running, ADMIN, ui.BTN_BACK)
    assert texts.ASK_PERIOD.format(**texts.examples(now)) in back["text"]
    # The day chosen before is marked (today's brackets win on the first of the month).
    chosen = "[1]" if now.day == 1 else "▶1"
    assert chosen in button_texts(back["reply_markup"])
    await click_and_see(running, ADMIN, chosen)
    done = await click_and_see(running, ADMIN, texts.BTN_TILL_TODAY)
    assert done["message_id"] == view["message_id"]
    assert f"{now.replace(day=1):%d.%m.%Y} – {now:%d.%m.%Y}" in done["text"]
    assert "📥 Скачиваний: <b>3</b>" in done["text"]
    # The old form's buttons are gone: the message carries the view's.
    assert texts.BTN_CUSTOM in button_texts(done["reply_markup"])
    assert ui.BTN_CANCEL not in button_texts(done["reply_markup"])


async def test_a_menu_button_or_a_command_mid_period_is_never_taken_as_the_period(
    running: RunningBot,
) -> None:
    eln, _ = await seed(running)
    await running.say(ADMIN, "/stats")
    await click_and_see(running, ADMIN, texts.BTN_CUSTOM)
    now = today()
    await click_and_see(running, ADMIN, "[1]" if now.day == 1 else "1")

    # «🔎 Поиск» is the search's: its prompt comes, the form closes and keeps its draft.
    hint = await running.say(ADMIN, ui.BTN_SEARCH_HINT)
    assert "Не понял период" not in hint.params["text"]
    assert texts.BTN_CUSTOM not in button_texts(hint.params.get("reply_markup"))
    deep = await running.say(ADMIN, f"/start m_{eln}")
    assert "Памятка по ЭЛН" in deep.params["text"]

    # The custom period opened again goes on where it was left: the first day is kept.
    await running.say(ADMIN, "/stats")
    resumed = await click_and_see(running, ADMIN, texts.BTN_CUSTOM)
    assert f"Начало: <b>{now.replace(day=1):%d.%m.%Y}</b>" in resumed["text"]
    done = await click_and_see(running, ADMIN, texts.BTN_ONE_DAY)
    assert f"{now.replace(day=1):%d.%m.%Y}" in done["text"]


async def test_custom_period_survives_a_restart(server: FakeTelegram, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, telegram_api_url=server.url)
    running = await RunningBot(server, settings).start()
    try:
        await seed(running)
        await running.say(ADMIN, "/stats")
        await click_and_see(running, ADMIN, texts.BTN_CUSTOM)
        now = today()
        await click_and_see(running, ADMIN, "[1]" if now.day == 1 else "1")
    finally:
        await running.stop()
    running = await RunningBot(server, settings).start()
    try:
        # The button on the screen, from before the restart, goes on.
        done = await click_and_see(running, ADMIN, texts.BTN_TILL_TODAY)
        assert f"{today().replace(day=1):%d.%m.%Y} – {today():%d.%m.%Y}" in done["text"]
    finally:
        await running.stop()


async def test_stats_asked_in_a_group_is_answered_with_where_to_ask(
    running: RunningBot,
) -> None:
    await seed(running)
    group = group_chat(-1001777, "Методисты")
    answer = await running.push_and_wait("message", message(ADMIN, "/stats", chat=group), -1001777)
    assert answer.params["text"] == texts.IN_GROUP
    # No figures in the group.
    assert not any(
        "Скачиваний" in m.get("text", "") for m in running.server.chat_messages(-1001777)
    )


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
        assert answer.params["text"] == texts.BAD_BUTTON, forged
    truncated = await running.press(ADMIN, "st:v:m:2026", shown)
    assert truncated.params.get("text") in (ui.STALE_BUTTON, None)
    assert running.server.chat_messages(ADMIN.id)[-1]["text"] == shown["text"]


async def test_chart_and_export_arrive_as_files(running: RunningBot) -> None:
    eln, quiet = await seed(running)
    await running.say(ADMIN, "/stats")

    seen = len(running.server.calls)
    await click(running, ADMIN, texts.BTN_CHART)
    picker = await running.server.wait_for("editMessageText", after=seen)
    assert picker.params["text"] == texts.CHART_PICK
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
    # This month is running: the chart ends today and says its last week is not over.
    assert f"– {today():%d.%m.%Y}: 3 скачивания." in photo.params["caption"]
    assert "Последняя неделя ещё идёт" in photo.params["caption"]

    # A direction nobody downloaded from: no empty chart, a polite word instead.
    shown = newest_with(running, ADMIN.id, texts.BTN_CHART_ALL)
    empty = StatsCallback(a=StatsAction.CHART, t="hr").pack()
    seen = len(running.server.calls)
    answer = await running.press(ADMIN, empty, shown)
    assert answer.params["text"] == texts.CHART_EMPTY
    assert not running.server.calls_of("sendPhoto")[1:]

    seen = len(running.server.calls)
    await click(running, ADMIN, ui.BTN_BACK)
    await click(running, ADMIN, texts.BTN_EXPORT)
    await wait_until(lambda: len(running.server.calls_of("sendDocument")) == 3)
    documents = running.server.calls_of("sendDocument")
    month = today().replace(day=1).isoformat()
    names = [n for n, _ in running.server.uploads[-3:]]
    assert names[0].startswith(f"stats-{month}_")
    assert names[0].endswith(".xlsx")
    assert names[1].endswith("-summary.csv")
    assert names[2].endswith("-downloads.csv")
    assert "Скачиваний: 3, занятий: 0." in documents[0].params["caption"]
    book = load_workbook(io.BytesIO(running.server.uploads[-3][1]))
    raw = book[texts.SHEET_DOWNLOADS]
    assert raw.max_row == 4
    assert {row[1] for row in raw.iter_rows(min_row=2, values_only=True)} == {eln}
    never = [
        r[1]
        for r in book[texts.SHEET_SUMMARY].iter_rows(values_only=True)
        if r[0] == "Ни разу не скачали"
    ]
    assert never == ["Инструкция по кадрам"]
    assert quiet != eln


async def test_a_person_redraws_charts_and_exports_within_their_budget(
    running: RunningBot,
) -> None:
    """Six charts (three methods of two scopes) and two exports in a row are all served: the
    charts' budget is not the exports' one."""
    await seed(running)
    await running.say(ADMIN, "/stats")
    for scope in (texts.BTN_CHART_ALL, "ЭЛН"):
        await click(running, ADMIN, texts.BTN_CHART)
        await running.quiet()
        before = len(running.server.calls_of("sendPhoto"))
        answer = await click(running, ADMIN, scope)
        assert not answer.params.get("show_alert"), answer.params
        await wait_until(lambda n=before: len(running.server.calls_of("sendPhoto")) == n + 1)
        for method in ("По 5 точкам", "Взвешенная по 5"):
            before = len(running.server.calls_of("sendPhoto"))
            shown = newest_with(running, ADMIN.id, method)
            answer = await running.press(ADMIN, button_data(shown["reply_markup"], method), shown)
            assert not answer.params.get("show_alert"), answer.params
            await wait_until(lambda n=before: len(running.server.calls_of("sendPhoto")) == n + 1)
        await click(running, ADMIN, ui.BTN_BACK)
        await running.quiet()
    assert len(running.server.calls_of("sendPhoto")) == 6
    for exports in (1, 2):
        answer = await click(running, ADMIN, texts.BTN_EXPORT)
        assert answer.params.get("text") == texts.EXPORT_WORKING
        await wait_until(lambda n=exports: len(running.server.calls_of("sendDocument")) == 3 * n)


async def test_exports_keep_the_strict_budget_and_charts_do_not_spend_it(
    running: RunningBot,
) -> None:
    """The export shares the strict budget of every export; a refused one says how long to
    wait, and charts are still drawn meanwhile."""
    await seed(running)
    throttle_of(running).limits = {**throttle_of(running).limits, "heavy": Limit(2, 60.0)}
    await running.say(ADMIN, "/stats")
    for exports in (1, 2):
        answer = await click(running, ADMIN, texts.BTN_EXPORT)
        assert answer.params.get("text") == texts.EXPORT_WORKING
        await wait_until(lambda n=exports: len(running.server.calls_of("sendDocument")) == 3 * n)
    refused = await click(running, ADMIN, texts.BTN_EXPORT)
    assert refused.params["text"].startswith("Слишком много запросов подряд")
    assert refused.params["show_alert"] is True
    await running.quiet()
    assert len(running.server.calls_of("sendDocument")) == 6

    await click(running, ADMIN, texts.BTN_CHART)
    await running.quiet()
    answer = await click(running, ADMIN, texts.BTN_CHART_ALL)
    assert not answer.params.get("show_alert"), answer.params
    await wait_until(lambda: len(running.server.calls_of("sendPhoto")) == 1)


async def test_a_refused_chart_is_always_answered_visibly(running: RunningBot) -> None:
    """Over the budget, busy, or undeliverable: the person always reads why."""
    await seed(running)
    await running.say(ADMIN, "/stats")
    shown = running.shown(ADMIN)
    chart = StatsCallback(a=StatsAction.CHART).pack()
    # The person never opened a private chat (or blocked the bot): the chart cannot reach them.
    running.server.fail(
        "sendPhoto",
        403,
        "Forbidden: bot can't initiate conversation with a user",
        when=lambda p: int(p["chat_id"]) == ADMIN.id,
    )
    answer = await running.press(ADMIN, chart, shown)
    assert answer.params["text"] == texts.CHART_PRIVATE
    assert answer.params["show_alert"] is True
    # Over the budget: the first refusal says how long to wait.
    throttle_of(running).limits = {**throttle_of(running).limits, "chart": Limit(1, 60.0)}
    refused = await running.press(ADMIN, chart, shown)
    assert refused.params["text"].startswith("Слишком много запросов подряд")
    assert refused.params["show_alert"] is True
    # Another kind of action is untouched by the charts' budget.
    view = await running.press(ADMIN, StatsCallback(a=StatsAction.VIEW, v="s").pack(), shown)
    assert not view.params.get("show_alert")


async def test_material_card_shows_counts_and_a_chart_for_staff(running: RunningBot) -> None:
    eln, _ = await seed(running)
    staff_card = await running.say(NURSE, f"/start m_{eln}")
    assert "📥 Скачиваний: 3" in staff_card.params["text"]
    assert "за 30 дней" not in staff_card.params["text"]
    assert BTN_MATERIAL_CHART not in button_texts(staff_card.params["reply_markup"])

    admin_card = await running.say(ADMIN, f"/start m_{eln}")
    assert "📥 Скачиваний: 3 (за 30 дней: 3)" in admin_card.params["text"]
    seen = len(running.server.calls)
    await click(running, ADMIN, BTN_MATERIAL_CHART)
    photo = await running.server.wait_for("sendPhoto", after=seen)
    assert "Памятка по ЭЛН &lt;новая&gt;" in photo.params["caption"]

    # A staff member replaying the card's chart button is refused.
    forged = StatsCallback(a=StatsAction.CHART, t=f"#{eln}").pack()
    answer = await running.press(NURSE, forged, running.server.chat_messages(NURSE.id)[-1])
    assert answer.params["text"] == ui.REFUSED.format(role="методист")


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
        monday = today() + timedelta(days=7 - today().weekday())
        db = _db(running)
        eln = await CatalogRepo(db).create(
            MaterialInput("Памятка по ЭЛН", Kind.MEMO, ["eln"], url="https://x.example/1")
        )
        # Three downloads in the digest's week (the week before ``monday``), one before it.
        week_day = datetime.combine(monday - timedelta(days=5), time(12), tzinfo=MSK)
        for moment in (week_day, week_day, week_day, week_day - timedelta(days=7)):
            await download_at(running, eln, moment)
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
        await running.quiet()
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
        await running.quiet()
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
        monday = today() + timedelta(days=7 - today().weekday())
        await seed(running)
        # The bot "comes back" on Tuesday morning.
        await scheduler_of(running).run_due(datetime.combine(monday, time(23), tzinfo=MSK))
        await running.quiet()
        assert not server.calls_of("sendPhoto")
        assert await VksRepo(_db(running)).outcomes(monday) == {"digest": "missed"}
    finally:
        await running.stop()
