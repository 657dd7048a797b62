"""The buttons under a VKS post in the chats. The prefix and fields are those of the posts
already sent, so their «Буду участвовать» keeps working after the move."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class VksAction(StrEnum):
    ATTEND = "a"


class VksCallback(CallbackData, prefix="v"):
    action: VksAction
    day: str = ""  # YYYYMMDD
