"""The custom period form of /stats."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class StatsPeriod(StatesGroup):
    waiting_for_start = State()
    waiting_for_end = State()
