"""/stats: downloads, failed searches, materials nobody took, training accounting, weekly
trend charts and exports. Methodologists read; exports and the digest switch are the admins'.

Every button carries its period as dates and is checked here before use: callback data can be
forged, and a forged period must not turn into a three-decade query.
"""

from __future__ import annotations

import logging
from datetime import date

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot import reports, texts
from bot.callbacks import StatsAction, StatsCallback
from bot.filters import PRIVATE, Label
from bot.keyboards import chart_methods_kb, stats_charts_kb, stats_kb
from bot.middlewares import THROTTLE_FLAG, RequireRole
from bot.settings import Settings
from bot.states import StatsStates
from catalog.stats import MAX_PERIOD_DAYS, Method, Period, PeriodKind, parse_period, period_of
from handlers.common import alert, edit, local_now, message_of
from storage.catalog import CatalogRepo
from storage.db import Database
from storage.users import Role, UserRecord, UserRepo

log = logging.getLogger(__name__)

SECTIONS = frozenset(texts.BTN_STATS_SECTIONS)
# Exports and charts are the expensive actions: the throttle is strict with them.
HEAVY = {THROTTLE_FLAG: "heavy"}
# Charts and exports take a worker thread for a second or more: one at a time per person.
_busy: set[int] = set()


def _today(db: Database, settings: Settings) -> date:
    return local_now(db, settings.tz).date()


def _day(value: int) -> date | None:
    try:
        return date(value // 10000, value // 100 % 100, value % 100)
    except ValueError:
        return None


def period_from(data: StatsCallback, today: date) -> Period | None:
    """The period a button stands for; s=e=0 means the current one of its kind."""
    try:
        kind = PeriodKind(data.k)
    except ValueError:
        return None
    if data.s == 0 and data.e == 0:
        if kind is PeriodKind.CUSTOM:
            return None
        return period_of(kind, today)
    start, end = _day(data.s), _day(data.e)
    if start is None or end is None or end < start or (end - start).days >= MAX_PERIOD_DAYS:
        return None
    if start.year < 2000 or end.year > 2100:
        return None
    return Period(kind, start, end)


async def _keyboard(
    db: Database, user: UserRecord, period: Period, section: str, today: date
) -> InlineKeyboardMarkup:
    admin = user.role.at_least(Role.ADMIN)
    digest_on = admin and await UserRepo(db).digest_enabled(user.id)
    return stats_kb(
        period,
        section,
        can_go_later=period.shifted(1).start <= today,
        admin=admin,
        digest_on=digest_on,
    )


async def _show(
    db: Database, settings: Settings, user: UserRecord, period: Period, section: str
) -> tuple[str, InlineKeyboardMarkup]:
    text = await reports.view(db, settings.tz, period, section)
    return text, await _keyboard(db, user, period, section, _today(db, settings))


async def cmd_stats(
    message: Message, db: Database, settings: Settings, user: UserRecord, state: FSMContext
) -> None:
    await state.clear()
    period = period_of(PeriodKind.MONTH, _today(db, settings))
    text, kb = await _show(db, settings, user, period, "d")
    await message.answer(text, reply_markup=kb)


async def on_view(
    callback: CallbackQuery,
    callback_data: StatsCallback,
    db: Database,
    settings: Settings,
    user: UserRecord,
    callback_answer: CallbackAnswer,
) -> None:
    period = period_from(callback_data, _today(db, settings))
    if period is None or callback_data.v not in SECTIONS:
        alert(callback_answer, texts.STATS_BAD_BUTTON)
        return
    text, kb = await _show(db, settings, user, period, callback_data.v)
    await edit(callback, callback_answer, text, kb)


async def on_custom(
    callback: CallbackQuery, callback_data: StatsCallback, state: FSMContext
) -> None:
    section = callback_data.v if callback_data.v in SECTIONS else "d"
    await state.set_state(StatsStates.waiting_for_period)
    await state.set_data({"stats_section": section})
    message = message_of(callback)
    if message is not None:
        await message.answer(texts.STATS_ASK_PERIOD)


async def on_period_text(
    message: Message, db: Database, settings: Settings, user: UserRecord, state: FSMContext
) -> None:
    period = parse_period(message.text or "", _today(db, settings))
    if period is None:
        await message.answer(texts.STATS_BAD_PERIOD)
        return
    section = (await state.get_data()).get("stats_section", "d")
    await state.clear()
    text, kb = await _show(db, settings, user, period, section if section in SECTIONS else "d")
    await message.answer(text, reply_markup=kb)


async def on_period_not_text(message: Message) -> None:
    await message.answer(texts.STATS_NOT_TEXT)


async def on_charts(
    callback: CallbackQuery,
    callback_data: StatsCallback,
    db: Database,
    settings: Settings,
    materials: CatalogRepo,
    callback_answer: CallbackAnswer,
) -> None:
    period = period_from(callback_data, _today(db, settings))
    if period is None:
        alert(callback_answer, texts.STATS_BAD_BUTTON)
        return
    topics = [(t.code, t.title) for t in await materials.topics()]
    section = callback_data.v if callback_data.v in SECTIONS else "d"
    kb = stats_charts_kb(period, section, topics)
    await edit(callback, callback_answer, texts.STATS_CHART_PICK, kb)


async def on_chart(
    callback: CallbackQuery,
    callback_data: StatsCallback,
    bot: Bot,
    db: Database,
    settings: Settings,
    user: UserRecord,
    callback_answer: CallbackAnswer,
) -> None:
    period = period_from(callback_data, _today(db, settings))
    try:
        method = Method(callback_data.m)
    except ValueError:
        method = None
    if period is None or method is None:
        alert(callback_answer, texts.STATS_BAD_BUTTON)
        return
    if user.id in _busy:
        alert(callback_answer, texts.STATS_CHART_BUSY)
        return
    _busy.add(user.id)
    try:
        if await reports.scope_title(db, settings.tz, callback_data.t) is None:
            alert(callback_answer, texts.STATS_BAD_BUTTON)
            return
        found = await reports.chart(db, settings.tz, period, callback_data.t, method)
        if found is None:
            alert(callback_answer, texts.STATS_CHART_EMPTY)
            return
        # Into the private chat even when the button was under a card in a group: the
        # numbers are the centre's internal figures.
        await bot.send_photo(
            user.id,
            BufferedInputFile(found.chart.png, f"chart-{period.slug}.png"),
            caption=found.caption,
            reply_markup=chart_methods_kb(period, callback_data.t, method.value),
        )
    finally:
        _busy.discard(user.id)


async def on_export(
    callback: CallbackQuery,
    callback_data: StatsCallback,
    db: Database,
    settings: Settings,
    user: UserRecord,
    callback_answer: CallbackAnswer,
) -> None:
    period = period_from(callback_data, _today(db, settings))
    message = message_of(callback)
    if period is None or message is None:
        alert(callback_answer, texts.STATS_BAD_BUTTON)
        return
    if user.id in _busy:
        alert(callback_answer, texts.STATS_EXPORT_BUSY)
        return
    _busy.add(user.id)
    try:
        # Answered now, not after the workbook: a big period takes seconds, and Telegram
        # forgets a button press left unanswered for long.
        await callback.answer(texts.STATS_EXPORT_WORKING)
        callback_answer.disable()
        made = await reports.export(db, settings.tz, period)
        if made is None:
            await message.answer(texts.STATS_EXPORT_EMPTY)
            return
        name = f"stats-{period.slug}"
        caption = texts.export_caption(period.label, made.downloads, made.truncated, made.sessions)
        await message.answer_document(BufferedInputFile(made.xlsx, f"{name}.xlsx"), caption=caption)
        await message.answer_document(BufferedInputFile(made.summary_csv, f"{name}-summary.csv"))
        await message.answer_document(
            BufferedInputFile(made.downloads_csv, f"{name}-downloads.csv")
        )
        log.info("user %s exported statistics for %s", user.id, period.slug)
    finally:
        _busy.discard(user.id)


async def on_digest(
    callback: CallbackQuery,
    callback_data: StatsCallback,
    db: Database,
    settings: Settings,
    user: UserRecord,
    callback_answer: CallbackAnswer,
) -> None:
    if callback_data.v not in ("on", "off"):
        alert(callback_answer, texts.STATS_BAD_BUTTON)
        return
    enabled = callback_data.v == "on"
    await UserRepo(db).set_digest(user.id, enabled)
    callback_answer.text = texts.DIGEST_TURNED_ON if enabled else texts.DIGEST_TURNED_OFF
    message = message_of(callback)
    if message is None:
        return
    period = period_from(callback_data, _today(db, settings))
    if message.text is not None and period is not None:
        # Under /stats: the view comes back with the switch flipped.
        text, kb = await _show(db, settings, user, period, "d")
        await edit(callback, callback_answer, text, kb)
    else:
        # Under a digest: the button has done its job.
        callback_answer.show_alert = True
        await message.edit_reply_markup(reply_markup=None)


def create_router() -> Router:
    router = Router(name=__name__)
    private = PRIVATE

    # Exports and the digest switch: admins only, checked before the read-only handlers.
    admins = Router(name=f"{__name__}.admins")
    admin_gate = RequireRole(Role.ADMIN)
    admins.callback_query.middleware(admin_gate)
    admins.callback_query.register(
        on_export, StatsCallback.filter(F.a == StatsAction.EXPORT), flags=HEAVY
    )
    admins.callback_query.register(on_digest, StatsCallback.filter(F.a == StatsAction.DIGEST))

    staff = Router(name=f"{__name__}.staff")
    gate = RequireRole(Role.METHODOLOGIST)
    staff.message.middleware(gate)
    staff.callback_query.middleware(gate)
    staff.message.register(cmd_stats, Command("stats"), private)
    staff.message.register(cmd_stats, Label(texts.BTN_STATS), private)
    staff.message.register(
        on_period_text,
        StateFilter(StatsStates.waiting_for_period),
        private,
        F.text & ~F.text.startswith("/") & ~F.text.in_(texts.MENU_BUTTONS),
    )
    staff.message.register(
        on_period_not_text, StateFilter(StatsStates.waiting_for_period), private, ~F.text
    )
    staff.callback_query.register(on_view, StatsCallback.filter(F.a == StatsAction.VIEW))
    staff.callback_query.register(on_custom, StatsCallback.filter(F.a == StatsAction.CUSTOM))
    staff.callback_query.register(on_charts, StatsCallback.filter(F.a == StatsAction.CHARTS))
    staff.callback_query.register(
        on_chart, StatsCallback.filter(F.a == StatsAction.CHART), flags=HEAVY
    )

    router.include_routers(admins, staff)
    return router
