"""The search feature's button data. Prefixes and fields are those the buttons already sent to
people carry (``s``, ``m``, ``b``), so a result list or a card from before an upgrade still
works. Ids only, never titles: callback data is 64 bytes and Cyrillic takes two a letter."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class SearchAction(StrEnum):
    PAGE = "p"
    WISH = "w"


class SearchCallback(CallbackData, prefix="s"):
    action: SearchAction
    qid: int
    page: int = 0
    # Whose search this is: a keyed hash of the query id and the person (service.query_sig).
    sig: str = ""


class MaterialAction(StrEnum):
    OPEN = "o"
    GET = "g"


class Source(StrEnum):
    """Where a card was opened from: where its Back leads and how a delivery is counted."""

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
