"""Callback data of the chat registry's messages (ids, never titles). The prefix and action
values are the ones these buttons always had, so lists and cards already on screen work."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class ChatAction(StrEnum):
    LIST = "l"
    OPEN = "o"
    BIND = "b"
    TOGGLE = "tg"
    BIND_DONE = "bd"
    WELCOME = "w"
    WELCOME_OFF = "wo"
    REFRESH = "r"


class ChatCallback(CallbackData, prefix="c"):
    action: ChatAction
    chat_id: int = 0
    thread: int = 0
    topic: str = ""
    page: int = 0
