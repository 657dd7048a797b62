"""The keyboard under a VKS post: «Буду участвовать (N)» and «В календарь» (a deep link that
sends the .ics)."""

from __future__ import annotations

from datetime import date

from aiogram.types import InlineKeyboardMarkup

from bot.deeplinks import Route
from bot.deeplinks import link as deeplink
from bot.ui import Buttons
from handlers.vks import texts
from handlers.vks.callbacks import VksAction, VksCallback


def post_kb(day: date, attending: int, bot_username: str) -> InlineKeyboardMarkup:
    kb = Buttons()
    kb.button(
        text=texts.BTN_ATTEND.format(count=attending),
        callback_data=VksCallback(action=VksAction.ATTEND, day=f"{day:%Y%m%d}"),
    )
    if bot_username:
        kb.button(text=texts.BTN_CALENDAR, url=deeplink(bot_username, Route.ICS, f"{day:%Y%m%d}"))
    kb.adjust(1)
    return kb.as_markup()
