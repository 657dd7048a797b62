"""Button payloads of the request feature's own messages (cards, lists, notices). Forms have
aiogram_dialog's. Ids, never titles; every handler checks the id against the presser."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aiogram.filters.callback_data import CallbackData

from catalog.requests import Status


class MineAction(StrEnum):
    LIST = "l"
    OPEN = "o"
    WITHDRAW = "w"  # asks first
    WITHDRAW_YES = "wy"
    FIX = "fx"  # the form opens on the request whose changes were asked for
    CALENDAR = "ics"  # id: the session


class MineCallback(CallbackData, prefix="my"):
    """The tutor's «Мои заявки» and the notices about their requests."""

    action: MineAction
    id: int = 0


class CardAction(StrEnum):
    OPEN = "o"
    TAKE = "t"
    APPROVE = "a"
    CHANGES = "c"
    REJECT = "r"
    HISTORY = "h"


class CardCallback(CallbackData, prefix="rc"):
    """A request's card in the methodologists' queue."""

    action: CardAction
    id: int


class QueueAction(StrEnum):
    FILTER = "f"
    PAGE = "p"
    PICK_TOPIC = "t"


class QueueCallback(CallbackData, prefix="rqf"):
    """/requests: the filters travel packed in ``f`` (QueueFilter), so the list needs no
    state of its own."""

    action: QueueAction
    page: int = 0
    f: str = ""


class SessionAction(StrEnum):
    RESULTS = "r"
    NEW = "n"
    ANNOUNCE = "a"


class SessionCallback(CallbackData, prefix="ses"):
    action: SessionAction
    id: int = 0


class ForgetAction(StrEnum):
    YES = "y"
    NO = "n"


class ForgetCallback(CallbackData, prefix="fgt"):
    action: ForgetAction


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """The /requests filters, packed into one callback value: ``status.assignee.org.topic``.
    Unpacking is forgiving: anything unknown means "all"."""

    status: str = ""  # a Status value or ""
    assignee: str = ""  # "", "me" or "none"
    org: int = 0
    topic: str = ""  # a topic code, "" for all

    def pack(self) -> str:
        return f"{self.status}.{self.assignee}.{self.org}.{self.topic}"

    def replace(self, **changes: Any) -> QueueFilter:
        return dataclasses.replace(self, **changes)

    @classmethod
    def unpack(cls, raw: str) -> QueueFilter:
        parts = raw.split(".", 3)
        if len(parts) != 4:
            return cls()
        status, assignee, org, topic = parts
        return cls(
            status=status if status in Status._value2member_map_ else "",
            assignee=assignee if assignee in ("me", "none") else "",
            org=int(org) if org.isdigit() and len(org) < 10 else 0,
            topic=topic if re.fullmatch(r"[a-z0-9_-]{1,32}", topic) else "",
        )
