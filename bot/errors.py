"""The errors handler: log with the update id, apologise to the user, keep polling alive.

A chat that refused the bot's answer gets no apology: it would be refused too. A 403 there
means the bot was removed from the group (or blocked in private): the chat is marked so,
as the delivery engine would, and nothing more is said. A 429 that outlasted the replies'
own waiting (bot.flood) is logged only.
"""

from __future__ import annotations

import logging
from contextlib import suppress

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import ErrorEvent

from bot import ui
from storage.chats import ChatRepo
from storage.db import Database

log = logging.getLogger(__name__)


def _where(event: ErrorEvent) -> tuple[int, int | None] | None:
    """The chat (and forum thread) to apologise in, if the update has one."""
    update = event.update
    message = update.message or update.edited_message
    if message is not None:
        thread = message.message_thread_id if message.is_topic_message else None
        return message.chat.id, thread
    query = update.callback_query
    if query is not None:
        if query.message is not None:
            return query.message.chat.id, None
        return query.from_user.id, None
    return None


async def on_error(event: ErrorEvent, bot: Bot, db: Database) -> bool:
    error = event.exception
    where = _where(event)
    if isinstance(error, TelegramForbiddenError) and where is not None:
        chat_id = where[0]
        log.info(
            "update %s: chat %s refused the answer: %s", event.update.update_id, chat_id, error
        )
        chats = ChatRepo(db)
        if chat_id < 0:
            await chats.deactivate(chat_id, error.message)
        else:
            await chats.set_user_blocked(chat_id, True)
        return True
    if isinstance(error, TelegramRetryAfter):
        log.warning("update %s: answer dropped by flood control: %s", event.update.update_id, error)
        return True
    log.error(
        "update %s failed: %s: %s",
        event.update.update_id,
        type(error).__name__,
        error,
        exc_info=error,
    )
    if where is not None:
        chat_id, thread_id = where
        # The apology is best effort: the error may be Telegram refusing to talk to this chat.
        with suppress(TelegramAPIError):
            await bot.send_message(chat_id, ui.APOLOGY, message_thread_id=thread_id)
    return True
