"""Small helpers the feature routers share."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InaccessibleMessage, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot import texts
from storage.db import Database


def message_of(callback: CallbackQuery) -> Message | None:
    """The message a button is under, unless Telegram no longer lets us touch it."""
    if callback.message is None or isinstance(callback.message, InaccessibleMessage):
        return None
    return callback.message


def alert(answer: CallbackAnswer, text: str) -> None:
    """Answer the button press with an alert the user must dismiss."""
    answer.text, answer.show_alert = texts.shorten(text, texts.ALERT_LIMIT), True


async def edit(
    callback: CallbackQuery,
    answer: CallbackAnswer,
    text: str,
    kb: InlineKeyboardMarkup | None = None,
) -> None:
    """Replace the text (and keyboard) of the message the button is under."""
    message = message_of(callback)
    if message is None:
        answer.text, answer.show_alert = texts.STALE_BUTTON, True
        return
    try:
        await message.edit_text(text, reply_markup=kb)
    except TelegramBadRequest as e:
        # «Message is not modified»: the user pressed what is already shown. Anything else is
        # a real error and goes to the errors handler.
        if "not modified" not in e.message:
            raise


def local_now(db: Database, tz: ZoneInfo) -> datetime:
    """Now in the bot's zone, from the bot's one clock (the database's)."""
    return db.now().astimezone(tz)


def local_time(stamp: str | None, tz: ZoneInfo) -> str | None:
    """A stored UTC ISO timestamp as ``dd.mm HH:MM`` in the configured zone."""
    if not stamp:
        return None
    return datetime.fromisoformat(stamp).astimezone(tz).strftime("%d.%m %H:%M")
