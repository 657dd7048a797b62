"""Every CallbackData factory. Prefixes are short and payloads carry ids, never titles:
callback_data is limited to 64 bytes and Cyrillic takes two bytes a letter."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aiogram.filters.callback_data import CallbackData

from catalog.requests import Status
from storage.users import Role


class RoleAction(StrEnum):
    SET = "set"
    CANCEL = "cancel"


class RoleCallback(CallbackData, prefix="rl"):
    action: RoleAction
    user_id: int = 0
    role: Role = Role.STAFF


class SearchAction(StrEnum):
    PAGE = "p"
    WISH = "w"


class SearchCallback(CallbackData, prefix="s"):
    action: SearchAction
    qid: int
    page: int = 0
    # Whose search this is: a keyed hash of the query id and the person (handlers.catalog).
    sig: str = ""


class MaterialAction(StrEnum):
    OPEN = "o"
    GET = "g"


class Source(StrEnum):
    SEARCH = "s"
    BROWSE = "b"
    DEEPLINK = "d"


class MaterialCallback(CallbackData, prefix="m"):
    action: MaterialAction
    id: int
    src: Source = Source.SEARCH
    qid: int = 0
    page: int = 0
    topic: str = ""
    kind: str = ""
    sig: str = ""


class BrowseAction(StrEnum):
    TOPICS = "t"
    KINDS = "k"
    LIST = "l"


class BrowseCallback(CallbackData, prefix="b"):
    action: BrowseAction
    topic: str = ""
    kind: str = ""
    page: int = 0


class DraftAction(StrEnum):
    KEEP_TITLE = "kt"
    SKIP = "sk"
    TOPIC = "tp"
    TOPICS_DONE = "td"
    KIND = "kd"
    AUDIENCE = "au"
    AUDIENCE_DONE = "ad"
    SAVE = "sv"
    CANCEL = "cn"
    PD_FORCE = "pf"  # an admin publishes despite a personal-data warning
    PD_HOLD = "ph"  # a methodologist hands the material to the admins


class DraftCallback(CallbackData, prefix="d"):
    action: DraftAction
    value: str = ""


class EditAction(StrEnum):
    MENU = "mn"
    FIELD = "fd"
    ARCHIVE = "ar"
    RESTORE = "rs"
    NEW_FILE = "nf"


class EditCallback(CallbackData, prefix="e"):
    action: EditAction
    id: int
    field: str = ""


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


class VksAction(StrEnum):
    LIST = "l"
    OPEN = "o"
    FIELD = "f"
    DIRECTIONS = "d"
    TOGGLE_DIRECTION = "td"
    CANCEL = "c"
    RESTORE = "r"
    RECORDING = "rec"
    PREVIEW = "p"
    ATTEND = "a"


class VksCallback(CallbackData, prefix="v"):
    action: VksAction
    day: str = ""  # YYYYMMDD
    field: str = ""
    topic: str = ""


class BroadcastAction(StrEnum):
    ALL = "all"
    BY_TOPICS = "tp"
    BY_CHATS = "ch"
    TOGGLE_TOPIC = "tt"
    TOGGLE_CHAT = "tc"
    SUBSCRIBERS = "sub"
    TARGETS = "tg"
    NEXT = "nx"
    PIN = "pin"
    SEND_NOW = "now"
    SCHEDULE = "sch"
    DISCARD = "x"
    SHOW = "sh"
    CANCEL = "cn"
    RECALL = "rc"
    RECALL_CONFIRM = "rcy"
    RETRY_FAILED = "rf"


class BroadcastCallback(CallbackData, prefix="bc"):
    action: BroadcastAction
    id: int = 0
    value: str = ""


class SubscribeCallback(CallbackData, prefix="sb"):
    topic: str = ""


class RequestAction(StrEnum):
    """The tutor's form and list. The form's buttons carry no request id: the draft is the
    user's own FSM data, so a forged value can only pick among the step's own options."""

    KEEP_ORG = "ko"
    ORG = "o"
    TOPIC = "t"
    FORMAT = "f"
    AUDIENCE = "a"
    AUDIENCE_DONE = "ad"
    DAY = "d"  # value: YYYYMMDD
    MONTH = "m"  # value: YYYYMM, the calendar page
    RANGE_DONE = "rd"
    SKIP = "sk"
    BACK = "bk"
    EDIT = "e"  # value: the step to go back to from the summary
    SUBMIT = "ok"
    FIX = "fx"  # value: the request id whose changes were asked for


class RequestCallback(CallbackData, prefix="rq"):
    action: RequestAction
    value: str = ""


class ReviewAction(StrEnum):
    OPEN = "o"
    TAKE = "t"
    APPROVE = "a"
    CHANGES = "c"
    REJECT = "r"
    HISTORY = "h"
    ANNOUNCE = "an"
    FILTER = "f"  # value: "<kind>:<value>", see handlers.review
    PAGE = "p"
    # The scheduling dialog.
    DAY = "d"
    MONTH = "m"
    TIME = "tm"
    FORMAT = "fm"
    HOURS = "hr"
    TOPIC = "tp"
    ORG = "og"
    SKIP = "sk"
    SAVE = "sv"
    RESULTS = "rs"  # value: the session id


class ReviewCallback(CallbackData, prefix="rv"):
    action: ReviewAction
    id: int = 0
    value: str = ""


class OrgAction(StrEnum):
    OPEN = "o"
    FIELD = "f"
    IMPORT = "i"
    EXPORT = "x"


class OrgCallback(CallbackData, prefix="mo"):
    action: OrgAction
    id: int = 0
    field: str = ""


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """The /requests filters, packed into one callback value so the list needs no FSM:
    ``status.assignee.org.topic``. Unpacking is forgiving: anything unknown means "all"."""

    status: str = ""  # a Status value or ""
    assignee: str = ""  # "", "me" or "none"
    org: int = 0
    topic: str = ""  # a topic code, "" for all, "*" to pick one

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
            topic=topic if re.fullmatch(r"\*|[a-z0-9_-]{1,32}", topic) else "",
        )


class StatsAction(StrEnum):
    VIEW = "v"
    CUSTOM = "c"
    CHARTS = "g"  # pick what to chart
    CHART = "p"
    EXPORT = "x"
    DIGEST = "d"


class StatsCallback(CallbackData, prefix="st"):
    """A /stats view. The period travels as dates (YYYYMMDD), so a button pressed weeks later
    still shows the period it was made for; the handler checks them, never trusts them."""

    a: StatsAction
    k: str = "m"  # catalog.stats.PeriodKind
    s: int = 0
    e: int = 0
    v: str = "d"  # the section: d, s, n, t
    t: str = ""  # chart scope: "" the catalog, a topic code, or "#<material id>"
    m: str = "3"  # catalog.stats.Method


class HoldAction(StrEnum):
    PUBLISH = "p"
    KEEP = "k"


class HoldCallback(CallbackData, prefix="pd"):
    """An admin's decision on a material held for possible personal data."""

    action: HoldAction
    id: int
