"""Every CallbackData factory. Prefixes are short and payloads carry ids, never titles:
callback_data is limited to 64 bytes and Cyrillic takes two bytes a letter."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

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


class BroadcastCallback(CallbackData, prefix="bc"):
    action: BroadcastAction
    id: int = 0
    value: str = ""


class SubscribeCallback(CallbackData, prefix="sb"):
    topic: str = ""
