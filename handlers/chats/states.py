"""The chat registry's form, its state named for what it waits for."""

from aiogram.fsm.state import State, StatesGroup


class ChatWelcome(StatesGroup):
    waiting_for_welcome = State()
