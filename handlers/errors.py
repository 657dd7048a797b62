"""The errors handler: log with the update id, apologise to the user, keep polling alive."""

from __future__ import annotations

import logging
from contextlib import suppress

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent

from bot import texts

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


async def on_error(event: ErrorEvent, bot: Bot) -> bool:
    log.error(
        "update %s failed: %s: %s",
        event.update.update_id,
        type(event.exception).__name__,
        event.exception,
        exc_info=event.exception,
    )
    where = _where(event)
    if where is not None:
        chat_id, thread_id = where
        # The apology is best effort: the error may be Telegram refusing to talk to this chat.
        with suppress(TelegramAPIError):
            await bot.send_message(chat_id, texts.APOLOGY, message_thread_id=thread_id)
    return True
