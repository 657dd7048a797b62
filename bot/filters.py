"""Class filters for the handlers' hot paths.

aiogram runs a filter that is a plain function (every magic filter: ``F.text == …``,
``F.chat.type == "private"``) in a worker thread; these are coroutines and run inline. Most
updates are searches that pass several routers' filters on their way, so the difference shows
(bench/updates.py).
"""

from __future__ import annotations

from typing import Any

from aiogram.filters.base import Filter
from aiogram.types import CallbackQuery, Message
from aiogram_dialog.api.internal import CONTEXT_KEY


class Label(Filter):
    """The text of a reply-keyboard button: the message says exactly one of ``labels``."""

    __slots__ = ("labels",)

    def __init__(self, *labels: str) -> None:
        self.labels = frozenset(labels)

    async def __call__(self, message: Message) -> bool:
        return message.text in self.labels


class Carries(Filter):
    """The message carries one of these fields (a service message's, a photo...)."""

    __slots__ = ("fields",)

    def __init__(self, *fields: str) -> None:
        self.fields = tuple(fields)

    async def __call__(self, message: Message) -> bool:
        return any(getattr(message, name, None) for name in self.fields)


class ChatType(Filter):
    """The message, or the message under the pressed button, is in a chat of these types."""

    __slots__ = ("types",)

    def __init__(self, *types: str) -> None:
        self.types = frozenset(types)

    async def __call__(self, event: Message | CallbackQuery) -> bool:
        if isinstance(event, CallbackQuery):
            return event.message is not None and event.message.chat.type in self.types
        return event.chat.type in self.types


class NoForm(Filter):
    """Outside any form: no aiogram_dialog dialog is open for this person in this chat (its
    intent middleware puts the open one into the data before routing)."""

    async def __call__(self, event: Message | CallbackQuery, **data: Any) -> bool:
        return data.get(CONTEXT_KEY) is None


PRIVATE = ChatType("private")
GROUPS = ChatType("group", "supergroup")
