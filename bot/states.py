"""Every StatesGroup, each state named for what the bot waits for."""

from aiogram.fsm.state import State, StatesGroup


class GrantStates(StatesGroup):
    waiting_for_person = State()
