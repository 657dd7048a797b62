"""The VKS card form: pick a date, then set what that date needs."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class VksCard(StatesGroup):
    choosing_date = State()
    choosing_other_date = State()
    viewing_card = State()
    waiting_for_topic = State()
    waiting_for_link = State()
    waiting_for_speaker = State()
    choosing_directions = State()
    confirming_cancel = State()
    viewing_preview = State()
    waiting_for_recording = State()
