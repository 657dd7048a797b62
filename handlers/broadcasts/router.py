"""The broadcasts' ordinary handlers: /broadcast opens the form, /broadcasts lists the recent
ones with their reports, cancel, recall (asked first) and resending what failed; the delivery
report's renderer; and everyone's subscriptions (/subscribe, «🔔 Подписки»)."""

from __future__ import annotations

import logging
from datetime import datetime

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InaccessibleMessage, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_dialog import DialogManager

from bot import forms, ui
from bot.delivery import Delivery, RenderContext, Rendered, Renderer
from bot.filters import PRIVATE, Label
from bot.middlewares import RequireRole
from bot.scheduler import Scheduler
from bot.settings import Settings
from handlers.broadcasts import keyboards, service, texts
from handlers.broadcasts.callbacks import BroadcastAction, BroadcastCallback, SubscribeCallback
from handlers.broadcasts.states import Broadcast
from storage.announcements import Announcement, AnnouncementRepo
from storage.catalog import CatalogRepo
from storage.chats import ChatRepo
from storage.db import Database
from storage.users import Role, UserRecord

log = logging.getLogger(__name__)

RECENT = 10


async def _edit(
    callback: CallbackQuery,
    answer: CallbackAnswer,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Replace the message under the button."""
    message = callback.message
    if message is None or isinstance(message, InaccessibleMessage):
        ui.alert(answer, ui.STALE_BUTTON)
        return
    try:
        await message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as e:
        # The person pressed what is already shown; anything else is a real error.
        if "not modified" not in e.message:
            raise


def _local(stamp: str | None, settings: Settings) -> str:
    if not stamp:
        return ""
    return datetime.fromisoformat(stamp).astimezone(settings.tz).strftime("%d.%m %H:%M")


# -- composing -------------------------------------------------------------------------------------


async def cmd_broadcast(message: Message, dialog_manager: DialogManager, state: FSMContext) -> None:
    await forms.open_form(dialog_manager, state, Broadcast.waiting_for_content)


# -- the list, reports, cancel and recall ----------------------------------------------------------


async def cmd_broadcasts(message: Message, db: Database, settings: Settings) -> None:
    items = await AnnouncementRepo(db).recent(RECENT)
    if not items:
        await message.answer(texts.EMPTY)
        return
    lines = [texts.HEADER]
    for a in items:
        when = _local(a.scheduled_at or a.created_at, settings)
        preview = ui.escape(ui.shorten(ui.html_to_plain(a.content.text), 60)) or "📎"
        lines.append(texts.line(a.id, a.status, when, preview, a.counts))
    await message.answer(ui.fit(lines), reply_markup=keyboards.list_kb([a.id for a in items]))


async def on_manage(
    callback: CallbackQuery,
    callback_data: BroadcastCallback,
    callback_answer: CallbackAnswer,
    db: Database,
    delivery: Delivery,
    scheduler: Scheduler,
    user: UserRecord,
) -> None:
    announcement = await service.get(db, callback_data.id)
    if announcement is None:
        ui.alert(callback_answer, texts.GONE)
        return
    number = announcement.id
    action = callback_data.action
    if action is BroadcastAction.CANCEL:
        if not await service.cancel(db, scheduler, number, user.id):
            ui.alert(callback_answer, texts.CANNOT_CANCEL)
            return
        callback_answer.text = texts.CANCELLED.format(id=number)
    elif action is BroadcastAction.RECALL:
        sent = announcement.counts.get("sent", 0)
        if sent == 0:
            ui.alert(callback_answer, texts.CANNOT_RECALL)
            return
        await _edit(
            callback, callback_answer, texts.recall_ask(number, sent), keyboards.recall_kb(number)
        )
        return
    elif action is BroadcastAction.RETRY_FAILED:
        retried = await service.retry_failed(db, delivery, number, user.id)
        if not retried:
            ui.alert(callback_answer, texts.NOTHING_TO_RETRY)
            return
        callback_answer.text = texts.retrying(number, retried)
    elif action is BroadcastAction.RECALL_CONFIRM:
        count = await service.recall(db, delivery, number, user.id)
        if count is None:
            ui.alert(callback_answer, texts.CANNOT_RECALL)
            return
        callback_answer.text = texts.recalling(number, count)
    repo = AnnouncementRepo(db)
    announcement = await repo.get(number)
    assert announcement is not None
    lines = await repo.report(number)
    offers = service.offers(announcement, sum(1 for line in lines if line.status == "failed"))
    await _edit(
        callback,
        callback_answer,
        texts.delivery_report(announcement, lines),
        keyboards.manage_kb(number, offers.can_cancel, offers.can_recall, offers.failed),
    )


def report_renderer(db: Database) -> Renderer:
    async def render(announcement: Announcement, ctx: RenderContext) -> Rendered:
        """A broadcast's delivery report, as it stands when sent, with «Повторить
        недоставленные» while some rows failed."""
        repo = AnnouncementRepo(db)
        reported = await repo.get(int(announcement.content.ref or 0))
        if reported is None:
            return Rendered(texts.GONE)
        lines = await repo.report(reported.id)
        failed = sum(1 for line in lines if line.status == "failed")
        markup = keyboards.report_kb(reported.id, failed) if failed else None
        return Rendered(texts.delivery_report(reported, lines), markup)

    return render


# -- subscriptions ---------------------------------------------------------------------------------


async def cmd_subscribe(message: Message, db: Database, materials: CatalogRepo) -> None:
    chosen = await ChatRepo(db).subscriptions(message.chat.id)
    options = [(t.code, t.title) for t in await materials.topics()]
    await message.answer(texts.SUBSCRIBE_PICK, reply_markup=keyboards.subscribe_kb(options, chosen))


async def on_subscribe(
    callback: CallbackQuery,
    callback_data: SubscribeCallback,
    callback_answer: CallbackAnswer,
    db: Database,
    materials: CatalogRepo,
) -> None:
    chats = ChatRepo(db)
    titles = await materials.topic_titles()
    user_id = callback.from_user.id
    if callback_data.topic:
        if callback_data.topic not in titles:
            ui.alert(callback_answer, ui.STALE_BUTTON)
            return
        await chats.toggle_subscription(user_id, callback_data.topic)
        chosen = await chats.subscriptions(user_id)
        await _edit(
            callback,
            callback_answer,
            texts.SUBSCRIBE_PICK,
            keyboards.subscribe_kb(list(titles.items()), chosen),
        )
        return
    chosen = await chats.subscriptions(user_id)
    names = [titles.get(c, c) for c in sorted(chosen)]
    await _edit(callback, callback_answer, texts.subscribed(names))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_subscribe, Command("subscribe"), PRIVATE)
    router.message.register(cmd_subscribe, Label(ui.BTN_SUBSCRIPTIONS), PRIVATE)
    router.callback_query.register(on_subscribe, SubscribeCallback.filter())

    gated = Router(name=f"{__name__}.methodologists")
    gate = RequireRole(Role.METHODOLOGIST)
    gated.message.middleware(gate)
    gated.callback_query.middleware(gate)
    gated.message.filter(PRIVATE)
    gated.message.register(cmd_broadcast, Command("broadcast"))
    gated.message.register(cmd_broadcasts, Command("broadcasts"))
    gated.callback_query.register(on_manage, BroadcastCallback.filter())
    router.include_router(gated)
    return router
