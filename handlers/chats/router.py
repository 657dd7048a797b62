"""The chat registry's ordinary handlers: the bot added to or removed from groups, groups
upgraded to supergroups, /bind in a group, /chats and a chat's card in private (the welcome
itself is written in the form in ``dialogs``), and the welcome for new members. Private
``my_chat_member`` updates (a person blocking the bot) land here too."""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from math import ceil

from aiogram import Bot, Router
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command
from aiogram.types import (
    CallbackQuery,
    Chat,
    ChatMemberUpdated,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_dialog import DialogManager, ShowMode, StartMode

from bot import ui
from bot.delivery import Delivery
from bot.filters import GROUPS, PRIVATE, Carries
from bot.middlewares import RequireRole
from bot.settings import Settings
from handlers.chats import texts
from handlers.chats.callbacks import ChatAction, ChatCallback
from handlers.chats.keyboards import bind_kb, card_kb, list_kb
from handlers.chats.states import ChatWelcome
from storage.catalog import CatalogRepo
from storage.chats import ChatInfo, ChatRecord, ChatRepo
from storage.db import Database
from storage.users import Role

log = logging.getLogger(__name__)

PAGE = 8
_IN = {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.CREATOR}


async def edit(
    callback: CallbackQuery,
    answer: CallbackAnswer,
    text: str,
    kb: InlineKeyboardMarkup | None = None,
) -> None:
    """Replace the text (and keyboard) of the message the button is under."""
    message = ui.message_of(callback)
    if message is None:
        ui.alert(answer, ui.STALE_BUTTON)
        return
    try:
        await message.edit_text(text, reply_markup=kb)
    except TelegramBadRequest as e:
        # The person pressed what is already shown; anything else is a real error.
        if "not modified" not in e.message:
            raise


def local_time(stamp: str | None, settings: Settings) -> str | None:
    if not stamp:
        return None
    return datetime.fromisoformat(stamp).astimezone(settings.tz).strftime("%d.%m %H:%M")


# -- the bot's own membership -----------------------------------------------------------------


async def _member_count(bot: Bot, chat_id: int) -> int | None:
    try:
        return await bot.get_chat_member_count(chat_id)
    except TelegramAPIError as e:
        log.info("getChatMemberCount failed for %s: %s", chat_id, e)
        return None


async def on_bot_membership(
    event: ChatMemberUpdated, bot: Bot, db: Database, delivery: Delivery
) -> None:
    chats = ChatRepo(db)
    member = event.new_chat_member
    status = member.status
    if event.chat.type == "private":
        # In private, "kicked" means the person blocked the bot.
        await chats.set_user_blocked(event.chat.id, status == ChatMemberStatus.KICKED)
        return
    present = status in _IN or (
        status == ChatMemberStatus.RESTRICTED and bool(getattr(member, "is_member", False))
    )
    if not present:
        if await chats.get(event.chat.id) is None:
            await chats.upsert(_info(event.chat, active=False))
        if await chats.deactivate(event.chat.id, texts.CHAT_REMOVED_REASON):
            log.info("bot removed from chat %s", event.chat.id)
            await delivery.notify(
                Role.ADMIN,
                texts.CHAT_LOST.format(
                    title=ui.escape(ui.shorten(event.chat.title or str(event.chat.id), 100)),
                    reason=texts.CHAT_REMOVED_REASON,
                ),
                about=f"chat-lost:{event.chat.id}",
            )
        return
    if status == ChatMemberStatus.ADMINISTRATOR:
        can_post = bool(getattr(member, "can_post_messages", None) is not False)
        can_pin = bool(getattr(member, "can_pin_messages", False))
    elif status == ChatMemberStatus.RESTRICTED:
        can_post = bool(getattr(member, "can_send_messages", False))
        can_pin = bool(getattr(member, "can_pin_messages", False))
    else:
        can_post, can_pin = True, status == ChatMemberStatus.CREATOR
    info = _info(
        event.chat,
        active=True,
        can_post=can_post,
        can_pin=can_pin,
        member_count=await _member_count(bot, event.chat.id),
    )
    if await chats.upsert(info):
        log.info("bot added to chat %s", event.chat.id)
        if can_post:
            with contextlib.suppress(TelegramAPIError):
                await bot.send_message(event.chat.id, texts.CHAT_ADDED)


def _info(chat: Chat, **values: bool | int | None) -> ChatInfo:
    return ChatInfo(
        id=chat.id,
        title=chat.title or "",
        type=chat.type,
        is_forum=bool(chat.is_forum),
        **values,  # type: ignore[arg-type]
    )


async def on_migrate(message: Message, db: Database) -> None:
    """The service message of a group upgraded to a supergroup, seen from either side."""
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    if await ChatRepo(db).migrate(old, new):
        log.info("chat %s migrated to %s; settings kept", old, new)


async def on_new_members(message: Message, bot: Bot, db: Database) -> None:
    people = [u for u in message.new_chat_members or [] if not u.is_bot]
    if not people:
        return
    chats = ChatRepo(db)
    chat = await chats.get(message.chat.id)
    if chat is None or not chat.welcome_text or not chat.active:
        return
    names = ", ".join(ui.escape(ui.shorten(u.first_name, 40)) for u in people[:5])
    me = await bot.me()
    text = texts.WELCOME_HELLO.format(names=names) + chat.welcome_text
    if me.username:
        text += texts.WELCOME_TAIL.format(link=f"https://t.me/{me.username}")
    # Bounded by construction: five names and a welcome of at most MAX_WELCOME characters.
    sent = await message.answer(text)
    previous = await chats.swap_welcome_message(chat.id, sent.message_id)
    if previous:
        # One welcome at a time: the chat should not fill up with them.
        with contextlib.suppress(TelegramAPIError):
            await bot.delete_message(chat.id, previous)


# -- binding to directions --------------------------------------------------------------------


async def _topic_options(materials: CatalogRepo) -> list[tuple[str, str]]:
    return [(t.code, t.title) for t in await materials.topics()]


async def cmd_bind_in_group(message: Message, db: Database, materials: CatalogRepo) -> None:
    chats = ChatRepo(db)
    chat = await chats.get(message.chat.id)
    if chat is None:
        # The bot was added before the registry existed, or the update was lost.
        await chats.upsert(_info(message.chat, active=True))
        chat = await chats.get(message.chat.id)
    assert chat is not None
    thread = message.message_thread_id if message.is_topic_message else 0
    thread = thread or 0
    await message.answer(
        texts.bind_pick(_place(chat, thread)),
        reply_markup=bind_kb(
            await _topic_options(materials), chat.bindings.get(thread, []), chat.id, thread
        ),
    )


async def cmd_bind_in_private(message: Message) -> None:
    await message.answer(texts.BIND_GROUP_ONLY)


def _place(chat: ChatRecord, thread: int) -> str:
    return texts.place(chat.title, chat.id, thread)


async def _topic_titles(materials: CatalogRepo, codes: list[str]) -> str:
    titles = await materials.topic_titles()
    return ", ".join(ui.escape(titles.get(c, c)) for c in codes)


# -- /chats -----------------------------------------------------------------------------------


async def _chat_text(chat: ChatRecord, materials: CatalogRepo, settings: Settings) -> str:
    bound = []
    for thread, codes in sorted(chat.bindings.items()):
        names = await _topic_titles(materials, codes)
        bound.append(f"тема {thread}: {names}" if thread else names)
    return texts.chat_line(
        chat.title,
        active=chat.active,
        is_forum=chat.is_forum,
        can_post=chat.can_post,
        can_pin=chat.can_pin,
        member_count=chat.member_count,
        last_post=local_time(chat.last_post_at, settings),
        topics="; ".join(bound),
        error=chat.last_error,
        chat_id=chat.id,
    )


async def _list_view(
    db: Database, materials: CatalogRepo, settings: Settings, page: int
) -> tuple[str, list[tuple[int, str]], int, int] | None:
    everything = await ChatRepo(db).list()
    if not everything:
        return None
    pages = max(1, ceil(len(everything) / PAGE))
    page = min(max(page, 0), pages - 1)
    shown = everything[page * PAGE : (page + 1) * PAGE]
    active = sum(1 for c in everything if c.active)
    lines = [texts.chats_header(active, len(everything), page + 1, pages)]
    for chat in shown:
        lines.append(await _chat_text(chat, materials, settings))
    buttons = [(c.id, c.title or str(c.id)) for c in shown]
    return ui.fit(lines, sep="\n\n"), buttons, page, pages


async def cmd_chats(
    message: Message, db: Database, materials: CatalogRepo, settings: Settings
) -> None:
    view = await _list_view(db, materials, settings, 0)
    if view is None:
        await message.answer(texts.CHATS_EMPTY)
        return
    text, buttons, page, pages = view
    await message.answer(text, reply_markup=list_kb(buttons, page, pages))


async def _card(chat: ChatRecord, materials: CatalogRepo, settings: Settings) -> str:
    text = await _chat_text(chat, materials, settings)
    if chat.welcome_text:
        return ui.fit([text, f"👋 Приветствие:\n{chat.welcome_text}"], sep="\n\n")
    return text


async def on_chat(
    callback: CallbackQuery,
    callback_data: ChatCallback,
    callback_answer: CallbackAnswer,
    bot: Bot,
    db: Database,
    materials: CatalogRepo,
    settings: Settings,
    # aiogram_dialog gives a manager only to presses that carry their message.
    dialog_manager: DialogManager | None = None,
) -> None:
    action = callback_data.action
    if action is ChatAction.LIST:
        view = await _list_view(db, materials, settings, callback_data.page)
        if view is None:
            await edit(callback, callback_answer, texts.CHATS_EMPTY)
            return
        text, buttons, page, pages = view
        await edit(callback, callback_answer, text, list_kb(buttons, page, pages))
        return
    chats = ChatRepo(db)
    chat = await chats.get(callback_data.chat_id)
    if chat is None:
        ui.alert(callback_answer, texts.CHAT_GONE)
        return
    thread = max(callback_data.thread, 0)
    if action is ChatAction.TOGGLE:
        if callback_data.topic not in await materials.topic_titles():
            ui.alert(callback_answer, ui.STALE_BUTTON)
            return
        await chats.toggle_binding(chat.id, thread, callback_data.topic)
        chat = await chats.get(chat.id)
        assert chat is not None
        action = ChatAction.BIND
    if action is ChatAction.BIND:
        await edit(
            callback,
            callback_answer,
            texts.bind_pick(_place(chat, thread)),
            bind_kb(
                await _topic_options(materials), chat.bindings.get(thread, []), chat.id, thread
            ),
        )
        return
    if action is ChatAction.BIND_DONE:
        codes = chat.bindings.get(thread, [])
        topics = await _topic_titles(materials, codes) if codes else ""
        done = texts.bind_done(_place(chat, thread), topics)
        message = ui.message_of(callback)
        if message is not None and message.chat.type == "private":
            await edit(
                callback,
                callback_answer,
                await _card(chat, materials, settings),
                card_kb(chat.id, bool(chat.welcome_text)),
            )
            callback_answer.text = ui.shorten(ui.html_to_plain(done), ui.ALERT_LIMIT)
        else:
            await edit(callback, callback_answer, done)
        return
    if action is ChatAction.WELCOME:
        message = ui.message_of(callback)
        if dialog_manager is None or message is None or message.chat.type != "private":
            ui.alert(callback_answer, ui.STALE_BUTTON)
            return
        # The form comes below the card, which stays as it is.
        await dialog_manager.start(
            ChatWelcome.waiting_for_welcome,
            data={"chat_id": chat.id},
            mode=StartMode.RESET_STACK,
            show_mode=ShowMode.SEND,
        )
        return
    if action is ChatAction.WELCOME_OFF:
        await chats.set_welcome(chat.id, None)
        callback_answer.text = texts.WELCOME_OFF
    elif action is ChatAction.REFRESH:
        await _refresh(bot, chats, chat)
    chat = await chats.get(chat.id)
    assert chat is not None
    await edit(
        callback,
        callback_answer,
        await _card(chat, materials, settings),
        card_kb(chat.id, bool(chat.welcome_text)),
    )


async def _refresh(bot: Bot, chats: ChatRepo, chat: ChatRecord) -> None:
    try:
        count = await bot.get_chat_member_count(chat.id)
    except TelegramForbiddenError as e:
        await chats.deactivate(chat.id, e.message)
        return
    except TelegramAPIError as e:
        log.info("refresh of chat %s failed: %s", chat.id, e)
        return
    await chats.set_member_count(chat.id, count)


def create_router() -> Router:
    router = Router(name=__name__)
    groups = GROUPS
    # Membership and service messages: no role needed, they come from Telegram itself.
    router.my_chat_member.register(on_bot_membership)
    router.message.register(on_migrate, Carries("migrate_to_chat_id", "migrate_from_chat_id"))
    router.message.register(on_new_members, Carries("new_chat_members"), groups)

    gated = Router(name=f"{__name__}.methodologists")
    gate = RequireRole(Role.METHODOLOGIST)
    gated.message.middleware(gate)
    gated.callback_query.middleware(gate)
    gated.message.register(cmd_bind_in_group, Command("bind"), groups)
    gated.message.register(cmd_bind_in_private, Command("bind"), PRIVATE)
    gated.message.register(cmd_chats, Command("chats"), PRIVATE)
    gated.callback_query.register(on_chat, ChatCallback.filter())
    router.include_router(gated)
    return router
