"""Ad-hoc broadcasts: compose, pick targets, see an exact preview, send now or at a time;
list, cancel and recall them, read delivery reports. Also private subscriptions to
announcements by direction, for everyone."""

from __future__ import annotations

import logging
from datetime import UTC, timedelta
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot import texts
from bot.callbacks import BroadcastAction, BroadcastCallback, SubscribeCallback
from bot.delivery import Delivery, RenderContext, Rendered, Renderer, send_rendered
from bot.filters import PRIVATE, Label
from bot.keyboards import (
    broadcast_confirm_kb,
    broadcast_manage_kb,
    broadcast_pick_kb,
    broadcast_targets_kb,
    broadcasts_kb,
    delivery_report_kb,
    recall_confirm_kb,
    subscribe_kb,
)
from bot.middlewares import RequireRole
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.states import BroadcastStates
from catalog.schedule import parse_when
from handlers.common import edit, local_now, local_time, message_of
from storage.announcements import Announcement, AnnouncementRepo, Content, Kind, Status, Targets
from storage.catalog import CatalogRepo
from storage.chats import ChatRepo
from storage.db import Database
from storage.users import Role, UserRecord

log = logging.getLogger(__name__)

RECENT = 10
MAX_AHEAD = timedelta(days=366)


# -- composing --------------------------------------------------------------------------------


async def cmd_broadcast(message: Message, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(BroadcastStates.waiting_for_content)
    await message.answer(texts.BROADCAST_ASK_CONTENT)


def _content_of(message: Message) -> Content | None:
    # html_text keeps the author's bold, italics and links as HTML, for a caption too.
    text = message.html_text if (message.text or message.caption) else ""
    if message.photo:
        return Content(text=text, photo=message.photo[-1].file_id)
    if message.document:
        return Content(text=text, document=message.document.file_id)
    if message.text:
        return Content(text=text)
    return None


def _draft_targets(data: dict[str, Any]) -> Targets:
    mode = data.get("mode", "")
    return Targets(
        all_chats=mode == "all",
        topics=tuple(data.get("topics", [])) if mode == "topics" else (),
        chats=tuple(int(c) for c in data.get("chats", [])) if mode == "chats" else (),
        subscribers=bool(data.get("subscribers")),
    )


async def _targets_text(data: dict[str, Any], materials: CatalogRepo) -> str:
    titles = await materials.topic_titles()
    mode = data.get("mode", "")
    topics = data.get("topics", []) if mode == "topics" else []
    chats = data.get("chats", []) if mode == "chats" else []
    return texts.BROADCAST_TARGETS.format(
        all=texts.YES if mode == "all" else texts.NO,
        topics=", ".join(texts.escape(titles.get(c, c)) for c in topics) or "—",
        chats=len(chats) or "—",
        subs=texts.YES if data.get("subscribers") else texts.NO,
    )


async def content_received(message: Message, state: FSMContext, materials: CatalogRepo) -> None:
    content = _content_of(message)
    if content is None:
        await message.answer(texts.BROADCAST_CONTENT_INVALID)
        return
    if content.is_media and len(message.caption or "") > 1024:
        await message.answer(texts.BROADCAST_CAPTION_TOO_LONG)
        return
    await state.update_data(
        content={"text": content.text, "photo": content.photo, "document": content.document},
        mode="",
        topics=[],
        chats=[],
        subscribers=False,
        pin=False,
    )
    await state.set_state(BroadcastStates.choosing_targets)
    data = await state.get_data()
    await message.answer(
        await _targets_text(data, materials), reply_markup=broadcast_targets_kb(False)
    )


async def content_invalid(message: Message) -> None:
    await message.answer(texts.BROADCAST_CONTENT_INVALID)


async def buttons_expected(message: Message) -> None:
    await message.answer(texts.BUTTONS_EXPECTED)


def _content(data: dict[str, Any]) -> Content:
    raw = data["content"]
    return Content(text=raw.get("text") or "", photo=raw.get("photo"), document=raw.get("document"))


async def on_draft(
    callback: CallbackQuery,
    callback_data: BroadcastCallback,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    bot: Bot,
    db: Database,
    materials: CatalogRepo,
    delivery: Delivery,
    settings: Settings,
    user: UserRecord,
) -> None:
    data = await state.get_data()
    if "content" not in data:
        # A button of a draft that was sent, discarded or lost: nothing to act on.
        callback_answer.text, callback_answer.show_alert = texts.STALE_BUTTON, True
        return
    action = callback_data.action
    value = callback_data.value
    if action is BroadcastAction.ALL:
        await state.update_data(mode="all")
        action = BroadcastAction.TARGETS
    elif action is BroadcastAction.SUBSCRIBERS:
        await state.update_data(subscribers=not data.get("subscribers"))
        action = BroadcastAction.TARGETS
    elif action in (BroadcastAction.BY_TOPICS, BroadcastAction.TOGGLE_TOPIC):
        topics = list(data.get("topics", [])) if data.get("mode") == "topics" else []
        titles = await materials.topic_titles()
        if action is BroadcastAction.TOGGLE_TOPIC:
            if value not in titles:
                callback_answer.text, callback_answer.show_alert = texts.STALE_BUTTON, True
                return
            topics = [t for t in topics if t != value] if value in topics else [*topics, value]
        await state.update_data(mode="topics", topics=topics)
        await edit(
            callback,
            callback_answer,
            texts.BROADCAST_PICK_TOPICS,
            broadcast_pick_kb(list(titles.items()), topics, BroadcastAction.TOGGLE_TOPIC),
        )
        return
    elif action in (BroadcastAction.BY_CHATS, BroadcastAction.TOGGLE_CHAT):
        chosen = [str(c) for c in data.get("chats", [])] if data.get("mode") == "chats" else []
        active = [c for c in await ChatRepo(db).list() if c.active]
        options = [(str(c.id), c.title or str(c.id)) for c in active]
        if action is BroadcastAction.TOGGLE_CHAT:
            if value not in {o[0] for o in options}:
                callback_answer.text, callback_answer.show_alert = texts.STALE_BUTTON, True
                return
            chosen = [c for c in chosen if c != value] if value in chosen else [*chosen, value]
        await state.update_data(mode="chats", chats=[int(c) for c in chosen])
        await edit(
            callback,
            callback_answer,
            texts.BROADCAST_PICK_CHATS,
            broadcast_pick_kb(options, chosen, BroadcastAction.TOGGLE_CHAT),
        )
        return

    if action is BroadcastAction.TARGETS:
        await state.set_state(BroadcastStates.choosing_targets)
        data = await state.get_data()
        await edit(
            callback,
            callback_answer,
            await _targets_text(data, materials),
            broadcast_targets_kb(bool(data.get("subscribers"))),
        )
    elif action is BroadcastAction.NEXT:
        await _preview(callback, callback_answer, state, bot, db)
    elif action is BroadcastAction.PIN:
        pin = not data.get("pin")
        await state.update_data(pin=pin)
        count = await AnnouncementRepo(db).count_targets(_draft_targets(data))
        await edit(
            callback,
            callback_answer,
            texts.BROADCAST_PREVIEW.format(count=count, pin=texts.YES if pin else texts.NO),
            broadcast_confirm_kb(pin),
        )
    elif action is BroadcastAction.SEND_NOW:
        created = await AnnouncementRepo(db).create(
            Kind.BROADCAST,
            _content(data),
            _draft_targets(data),
            created_by=user.id,
            pin=bool(data.get("pin")),
        )
        assert created is not None
        delivery.kick()
        await state.clear()
        log.info("broadcast %s queued by %s for %d target(s)", created[0], user.id, created[1])
        await edit(
            callback,
            callback_answer,
            texts.BROADCAST_QUEUED.format(id=created[0], count=created[1]),
        )
    elif action is BroadcastAction.SCHEDULE:
        await state.set_state(BroadcastStates.waiting_for_time)
        if (message := message_of(callback)) is not None:
            await message.answer(texts.BROADCAST_ASK_TIME.format(tz=settings.timezone))
    elif action is BroadcastAction.DISCARD:
        await state.clear()
        await edit(callback, callback_answer, texts.BROADCAST_DISCARDED)


async def _preview(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    bot: Bot,
    db: Database,
) -> None:
    data = await state.get_data()
    count = await AnnouncementRepo(db).count_targets(_draft_targets(data))
    if count == 0:
        callback_answer.text, callback_answer.show_alert = texts.BROADCAST_NO_TARGETS, True
        return
    await state.set_state(BroadcastStates.confirming)
    # The preview is sent by the same code the engine sends with, so it is exactly what
    # the chats will get.
    content = _content(data)
    preview = Rendered(content.text, photo=content.photo, document=content.document)
    await send_rendered(bot, callback.from_user.id, preview)
    pin = bool(data.get("pin"))
    await bot.send_message(
        callback.from_user.id,
        texts.BROADCAST_PREVIEW.format(count=count, pin=texts.YES if pin else texts.NO),
        reply_markup=broadcast_confirm_kb(pin),
    )


async def time_entered(
    message: Message,
    state: FSMContext,
    db: Database,
    settings: Settings,
    scheduler: Scheduler,
    user: UserRecord,
) -> None:
    now = local_now(db, settings.tz)
    when = parse_when(message.text or "", now)
    if when is None:
        await message.answer(texts.BROADCAST_TIME_INVALID)
        return
    if when <= now or when > now + MAX_AHEAD:
        await message.answer(texts.BROADCAST_TIME_PAST)
        return
    data = await state.get_data()
    if "content" not in data:
        await state.clear()
        await message.answer(texts.STALE_BUTTON)
        return
    created = await AnnouncementRepo(db).create(
        Kind.BROADCAST,
        _content(data),
        _draft_targets(data),
        created_by=user.id,
        pin=bool(data.get("pin")),
        scheduled_at=when.astimezone(UTC).isoformat(timespec="seconds"),
    )
    assert created is not None
    await state.clear()
    await scheduler.rebuild()
    log.info("broadcast %s scheduled by %s for %s", created[0], user.id, when.isoformat())
    await message.answer(
        texts.BROADCAST_SCHEDULED.format(id=created[0], when=when.strftime("%d.%m.%Y %H:%M"))
    )


async def time_invalid(message: Message) -> None:
    await message.answer(texts.BROADCAST_TIME_INVALID)


# -- the list, reports, cancel and recall ---------------------------------------------------


async def cmd_broadcasts(message: Message, db: Database, settings: Settings) -> None:
    items = await AnnouncementRepo(db).recent(RECENT)
    if not items:
        await message.answer(texts.BROADCASTS_EMPTY)
        return
    lines = [texts.BROADCASTS_HEADER.format(count=len(items))]
    for a in items:
        when = local_time(a.scheduled_at or a.created_at, settings.tz) or ""
        preview = texts.escape(texts.shorten(texts.html_to_plain(a.content.text), 60)) or "📎"
        lines.append(texts.broadcast_line(a.id, a.status, when, preview, a.counts))
    await message.answer(texts.fit(lines), reply_markup=broadcasts_kb([a.id for a in items]))


async def on_manage(
    callback: CallbackQuery,
    callback_data: BroadcastCallback,
    callback_answer: CallbackAnswer,
    db: Database,
    delivery: Delivery,
    scheduler: Scheduler,
    user: UserRecord,
) -> None:
    repo = AnnouncementRepo(db)
    announcement = await repo.get(callback_data.id)
    if announcement is None or announcement.kind is Kind.NOTICE:
        callback_answer.text, callback_answer.show_alert = texts.BROADCAST_GONE, True
        return
    action = callback_data.action
    if action is BroadcastAction.CANCEL:
        if not await repo.cancel(announcement.id):
            callback_answer.text, callback_answer.show_alert = texts.BROADCAST_CANNOT_CANCEL, True
            return
        await scheduler.rebuild()
        log.info("broadcast %s cancelled by %s", announcement.id, user.id)
        callback_answer.text = texts.BROADCAST_CANCELLED.format(id=announcement.id)
    elif action is BroadcastAction.RECALL:
        sent = announcement.counts.get("sent", 0)
        if sent == 0:
            callback_answer.text, callback_answer.show_alert = texts.BROADCAST_CANNOT_RECALL, True
            return
        await edit(
            callback,
            callback_answer,
            texts.BROADCAST_RECALL_ASK.format(id=announcement.id, count=sent),
            recall_confirm_kb(announcement.id),
        )
        return
    elif action is BroadcastAction.RETRY_FAILED:
        retried = await repo.retry_failed(announcement.id)
        if not retried:
            callback_answer.text = texts.BROADCAST_NOTHING_TO_RETRY
            callback_answer.show_alert = True
            return
        delivery.kick()
        log.info("broadcast %s: %d row(s) sent again by %s", announcement.id, retried, user.id)
        callback_answer.text = texts.BROADCAST_RETRYING.format(id=announcement.id, count=retried)
    elif action is BroadcastAction.RECALL_CONFIRM:
        count = await repo.recall(announcement.id)
        if count is None:
            callback_answer.text, callback_answer.show_alert = texts.BROADCAST_CANNOT_RECALL, True
            return
        delivery.kick()
        log.info("broadcast %s recalled by %s: %d message(s)", announcement.id, user.id, count)
        callback_answer.text = texts.BROADCAST_RECALLING.format(id=announcement.id, count=count)
    announcement = await repo.get(announcement.id)
    assert announcement is not None
    can_cancel = announcement.status in (Status.SCHEDULED, Status.QUEUED) and bool(
        announcement.status is Status.SCHEDULED or announcement.counts.get("pending")
    )
    can_recall = announcement.status in (Status.QUEUED, Status.DONE) and bool(
        announcement.counts.get("sent")
    )
    lines = await repo.report(announcement.id)
    failed = sum(1 for line in lines if line.status == "failed")
    if announcement.status not in (Status.QUEUED, Status.DONE):
        failed = 0
    await edit(
        callback,
        callback_answer,
        texts.delivery_report(announcement, lines),
        broadcast_manage_kb(announcement.id, can_cancel, can_recall, failed),
    )


# -- subscriptions ----------------------------------------------------------------------------


async def cmd_subscribe(message: Message, db: Database, materials: CatalogRepo) -> None:
    chosen = await ChatRepo(db).subscriptions(message.chat.id)
    options = [(t.code, t.title) for t in await materials.topics()]
    await message.answer(texts.SUBSCRIBE_PICK, reply_markup=subscribe_kb(options, chosen))


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
            callback_answer.text, callback_answer.show_alert = texts.STALE_BUTTON, True
            return
        await chats.toggle_subscription(user_id, callback_data.topic)
        chosen = await chats.subscriptions(user_id)
        await edit(
            callback,
            callback_answer,
            texts.SUBSCRIBE_PICK,
            subscribe_kb(list(titles.items()), chosen),
        )
        return
    chosen = await chats.subscriptions(user_id)
    names = ", ".join(texts.escape(titles.get(c, c)) for c in sorted(chosen))
    await edit(
        callback, callback_answer, texts.SUBSCRIBE_DONE.format(topics=names or texts.SUBSCRIBE_NONE)
    )


def report_renderer(db: Database) -> Renderer:
    async def render(announcement: Announcement, ctx: RenderContext) -> Rendered:
        """A broadcast's delivery report, as it stands when sent, with «Повторить
        недоставленные» while some rows failed."""
        repo = AnnouncementRepo(db)
        reported = await repo.get(int(announcement.content.ref or 0))
        if reported is None:
            return Rendered(texts.BROADCAST_GONE)
        lines = await repo.report(reported.id)
        failed = sum(1 for line in lines if line.status == "failed")
        markup = delivery_report_kb(reported.id, failed) if failed else None
        return Rendered(texts.delivery_report(reported, lines), markup)

    return render


def create_router() -> Router:
    router = Router(name=__name__)
    private = PRIVATE
    router.message.register(cmd_subscribe, Command("subscribe"), private)
    router.message.register(cmd_subscribe, Label(texts.BTN_SUBSCRIPTIONS), private)
    router.callback_query.register(on_subscribe, SubscribeCallback.filter())

    gated = Router(name=f"{__name__}.methodologists")
    gate = RequireRole(Role.METHODOLOGIST)
    gated.message.middleware(gate)
    gated.callback_query.middleware(gate)
    gated.message.filter(private)
    s = BroadcastStates
    gated.message.register(cmd_broadcast, Command("broadcast"))
    gated.message.register(cmd_broadcasts, Command("broadcasts"))
    gated.message.register(
        content_received, StateFilter(s.waiting_for_content), F.text | F.photo | F.document
    )
    gated.message.register(content_invalid, StateFilter(s.waiting_for_content))
    gated.message.register(time_entered, StateFilter(s.waiting_for_time), F.text)
    gated.message.register(time_invalid, StateFilter(s.waiting_for_time))
    gated.message.register(buttons_expected, StateFilter(s.choosing_targets, s.confirming))
    manage = {
        BroadcastAction.SHOW,
        BroadcastAction.CANCEL,
        BroadcastAction.RECALL,
        BroadcastAction.RECALL_CONFIRM,
        BroadcastAction.RETRY_FAILED,
    }
    gated.callback_query.register(on_manage, BroadcastCallback.filter(F.action.in_(manage)))
    gated.callback_query.register(on_draft, BroadcastCallback.filter())
    router.include_router(gated)
    return router
