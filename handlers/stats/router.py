"""/stats and the buttons of its views: periods, sections, charts, exports and the digest
switch. Methodologists read; exports and the digest switch are the admins'.

Every refused press gets a visible answer (an alert): a button that does nothing reads as a
broken bot.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_dialog import DialogManager

from bot import ui
from bot.filters import GROUPS, PRIVATE, Label
from bot.forms import open_form
from bot.middlewares import THROTTLE_FLAG, RequireRole
from bot.settings import Settings
from catalog.stats import Method, PeriodKind, period_of
from handlers.stats import service, texts
from handlers.stats.callbacks import StatsAction, StatsCallback
from handlers.stats.keyboards import chart_methods_kb, charts_kb, here
from handlers.stats.states import StatsPeriod
from handlers.stats.views import period_from, stats_view, today
from storage.catalog import CatalogRepo
from storage.db import Database
from storage.users import Role, UserRecord, UserRepo

log = logging.getLogger(__name__)

# An export keeps the strict budget of every export ("heavy"); charts have a kind of their
# own, so redrawing a few charts (a third of a second each, one at a time per person: Desk)
# never uses up the export.
CHART = {THROTTLE_FLAG: "chart"}
EXPORT = {THROTTLE_FLAG: "heavy"}


async def edit(
    callback: CallbackQuery, answer: CallbackAnswer, text: str, kb: InlineKeyboardMarkup
) -> None:
    """Replace the text and keyboard of the message the button is under."""
    message = ui.message_of(callback)
    if message is None:
        ui.alert(answer, ui.STALE_BUTTON)
        return
    try:
        await message.edit_text(text, reply_markup=kb)
    except TelegramBadRequest as e:
        # «Message is not modified»: the person pressed what is already shown.
        if "not modified" not in e.message:
            raise


async def cmd_stats(
    message: Message, db: Database, settings: Settings, user: UserRecord, state: FSMContext
) -> None:
    # An old-style step of another feature must not take the next message; kept form drafts
    # (in the state's data) stay.
    await state.set_state(None)
    period = period_of(PeriodKind.MONTH, today(db, settings))
    text, kb = await stats_view(db, settings, user, period, "d")
    await message.answer(text, reply_markup=kb)


async def cmd_stats_in_group(message: Message) -> None:
    """The figures are the centre's internal ones: never in a group, but never silence."""
    await message.reply(texts.IN_GROUP)


async def on_view(
    callback: CallbackQuery,
    callback_data: StatsCallback,
    db: Database,
    settings: Settings,
    user: UserRecord,
    callback_answer: CallbackAnswer,
) -> None:
    period = period_from(callback_data, today(db, settings))
    if period is None or callback_data.v not in service.SECTIONS:
        ui.alert(callback_answer, texts.BAD_BUTTON)
        return
    text, kb = await stats_view(db, settings, user, period, callback_data.v)
    await edit(callback, callback_answer, text, kb)


async def on_custom(
    callback: CallbackQuery,
    callback_data: StatsCallback,
    callback_answer: CallbackAnswer,
    db: Database,
    settings: Settings,
    state: FSMContext,
    dialog_manager: DialogManager,
) -> None:
    """«Свой период»: the form takes the place of the view it was opened from, and gives it
    back on Cancel."""
    if ui.message_of(callback) is None or callback.message is None:
        ui.alert(callback_answer, ui.STALE_BUTTON)
        return
    if callback.message.chat.type != "private":
        ui.alert(callback_answer, texts.PRIVATE_ONLY)
        return
    now = today(db, settings)
    origin = period_from(callback_data, now) or period_of(PeriodKind.MONTH, now)
    section = callback_data.v if callback_data.v in service.SECTIONS else "d"
    await open_form(
        dialog_manager, state, StatsPeriod.waiting_for_start, {"v": section, **here(origin)}
    )


async def on_charts(
    callback: CallbackQuery,
    callback_data: StatsCallback,
    db: Database,
    settings: Settings,
    materials: CatalogRepo,
    callback_answer: CallbackAnswer,
) -> None:
    period = period_from(callback_data, today(db, settings))
    if period is None:
        ui.alert(callback_answer, texts.BAD_BUTTON)
        return
    topics = [(t.code, t.title) for t in await materials.topics()]
    section = callback_data.v if callback_data.v in service.SECTIONS else "d"
    await edit(callback, callback_answer, texts.CHART_PICK, charts_kb(period, section, topics))


class Desk:
    """Charts and exports take a worker thread for a second or more: one at a time per person
    (per dispatcher, so tests that build many never share it)."""

    def __init__(self) -> None:
        self.busy: set[int] = set()

    async def on_chart(
        self,
        callback: CallbackQuery,
        callback_data: StatsCallback,
        bot: Bot,
        db: Database,
        settings: Settings,
        user: UserRecord,
        callback_answer: CallbackAnswer,
    ) -> None:
        now = today(db, settings)
        period = period_from(callback_data, now)
        try:
            method = Method(callback_data.m)
        except ValueError:
            method = None
        if period is None or method is None:
            ui.alert(callback_answer, texts.BAD_BUTTON)
            return
        if user.id in self.busy:
            ui.alert(callback_answer, texts.CHART_BUSY)
            return
        self.busy.add(user.id)
        try:
            if await service.scope_title(db, settings.tz, callback_data.t) is None:
                ui.alert(callback_answer, texts.BAD_BUTTON)
                return
            found = await service.chart(db, settings.tz, period, callback_data.t, method, now)
            if found is None:
                ui.alert(callback_answer, texts.CHART_EMPTY)
                return
            try:
                # Into the private chat even when the button was under a card in a group: the
                # numbers are the centre's internal figures.
                await bot.send_photo(
                    user.id,
                    BufferedInputFile(found.chart.png, f"chart-{period.slug}.png"),
                    caption=found.caption,
                    reply_markup=chart_methods_kb(period, callback_data.t, method.value),
                )
            except (TelegramForbiddenError, TelegramBadRequest) as e:
                # Never started the bot in private, or blocked it: say where the chart goes.
                log.info("chart for user %s not delivered: %s", user.id, e)
                ui.alert(callback_answer, texts.CHART_PRIVATE)
        finally:
            self.busy.discard(user.id)

    async def on_export(
        self,
        callback: CallbackQuery,
        callback_data: StatsCallback,
        db: Database,
        settings: Settings,
        user: UserRecord,
        callback_answer: CallbackAnswer,
    ) -> None:
        period = period_from(callback_data, today(db, settings))
        message = ui.message_of(callback)
        if period is None or message is None:
            ui.alert(callback_answer, texts.BAD_BUTTON)
            return
        if user.id in self.busy:
            ui.alert(callback_answer, texts.EXPORT_BUSY)
            return
        self.busy.add(user.id)
        try:
            # Answered now, not after the workbook: a big period takes seconds, and Telegram
            # forgets a button press left unanswered for long.
            await callback.answer(texts.EXPORT_WORKING)
            callback_answer.disable()
            made = await service.export(db, settings.tz, period)
            if made is None:
                await message.answer(texts.EXPORT_EMPTY)
                return
            name = f"stats-{period.slug}"
            caption = texts.export_caption(
                period.label, made.downloads, made.truncated, made.sessions
            )
            await message.answer_document(
                BufferedInputFile(made.xlsx, f"{name}.xlsx"), caption=caption
            )
            await message.answer_document(
                BufferedInputFile(made.summary_csv, f"{name}-summary.csv")
            )
            await message.answer_document(
                BufferedInputFile(made.downloads_csv, f"{name}-downloads.csv")
            )
            log.info("user %s exported statistics for %s", user.id, period.slug)
        finally:
            self.busy.discard(user.id)


async def on_digest(
    callback: CallbackQuery,
    callback_data: StatsCallback,
    db: Database,
    settings: Settings,
    user: UserRecord,
    callback_answer: CallbackAnswer,
) -> None:
    if callback_data.v not in ("on", "off"):
        ui.alert(callback_answer, texts.BAD_BUTTON)
        return
    enabled = callback_data.v == "on"
    await UserRepo(db).set_digest(user.id, enabled)
    callback_answer.text = texts.DIGEST_TURNED_ON if enabled else texts.DIGEST_TURNED_OFF
    message = ui.message_of(callback)
    if message is None:
        return
    period = period_from(callback_data, today(db, settings))
    if message.text is not None and period is not None:
        # Under /stats: the view comes back with the switch flipped.
        text, kb = await stats_view(db, settings, user, period, "d")
        await edit(callback, callback_answer, text, kb)
    else:
        # Under a digest: the button has done its job.
        callback_answer.show_alert = True
        await message.edit_reply_markup(reply_markup=None)


def create_router() -> Router:
    router = Router(name=__name__)
    desk = Desk()
    router.message.register(cmd_stats_in_group, Command("stats"), GROUPS)

    # Exports and the digest switch: admins only, checked before the read-only handlers.
    admins = Router(name=f"{__name__}.admins")
    admin_gate = RequireRole(Role.ADMIN)
    admins.callback_query.middleware(admin_gate)
    admins.callback_query.register(
        desk.on_export, StatsCallback.filter(F.a == StatsAction.EXPORT), flags=EXPORT
    )
    admins.callback_query.register(on_digest, StatsCallback.filter(F.a == StatsAction.DIGEST))

    staff = Router(name=f"{__name__}.staff")
    gate = RequireRole(Role.METHODOLOGIST)
    staff.message.middleware(gate)
    staff.callback_query.middleware(gate)
    staff.message.register(cmd_stats, Command("stats"), PRIVATE)
    staff.message.register(cmd_stats, Label(ui.BTN_STATS), PRIVATE)
    staff.callback_query.register(on_view, StatsCallback.filter(F.a == StatsAction.VIEW))
    staff.callback_query.register(on_custom, StatsCallback.filter(F.a == StatsAction.CUSTOM))
    staff.callback_query.register(on_charts, StatsCallback.filter(F.a == StatsAction.CHARTS))
    staff.callback_query.register(
        desk.on_chart, StatsCallback.filter(F.a == StatsAction.CHART), flags=CHART
    )

    router.include_routers(admins, staff)
    return router
