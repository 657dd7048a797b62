"""A Bot session that records every request and answers with valid default results.

Modelled on aiogram's tests/mocked_bot.py, but with no queue of canned answers to keep in step:
each method gets the result a real Telegram would give in the ordinary case.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncGenerator
from typing import Any, get_args

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import GetMe, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, InlineKeyboardMarkup, Message, TelegramObject, User

BOT_USER = User(id=42, is_bot=True, first_name="МЦТ бот", username="mct_test_bot")
TOKEN = "42:TEST-token-for-tests-only-0000000000"


def chat_for(chat_id: int | str) -> Chat:
    if isinstance(chat_id, str):
        return Chat(id=-1001, type="channel", username=chat_id.lstrip("@"))
    if chat_id > 0:
        return Chat(id=chat_id, type="private")
    return Chat(id=chat_id, type="supergroup" if str(chat_id).startswith("-100") else "group")


class RecordingSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self._ids = itertools.count(1)

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        self.requests.append(method)
        result = self._result(method)
        if isinstance(result, TelegramObject):
            # As a real session's answer is: bound to the bot, so ``sent.edit_text`` works.
            result = result.as_(bot)
        return result  # type: ignore[no-any-return]

    def _result(self, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, GetMe):
            return BOT_USER
        returning = method.__returning__
        options = get_args(returning) or (returning,)
        if Message in options:
            chat_id = getattr(method, "chat_id", None)
            if chat_id is None:
                return True  # an inline message edit answers True
            markup = getattr(method, "reply_markup", None)
            return Message(
                message_id=getattr(method, "message_id", None) or next(self._ids),
                date=int(time.time()),
                chat=chat_for(chat_id),
                from_user=BOT_USER,
                text=getattr(method, "text", None),
                caption=getattr(method, "caption", None),
                # Only inline keyboards stay on a message; a reply keyboard is the chat's.
                reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
            )
        if bool in options:
            return True
        raise NotImplementedError(f"RecordingSession has no default for {type(method).__name__}")

    def sent(self, method_type: type[TelegramMethod[Any]]) -> list[Any]:
        return [r for r in self.requests if isinstance(r, method_type)]

    async def close(self) -> None:
        return None

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield b""
