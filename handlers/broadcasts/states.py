"""The broadcast form's steps, each named for what the form waits for."""

from aiogram.fsm.state import State, StatesGroup


class Broadcast(StatesGroup):
    waiting_for_content = State()
    choosing_targets = State()
    choosing_topics = State()
    choosing_chats = State()
    confirming = State()
    waiting_for_time = State()
