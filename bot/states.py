"""Every StatesGroup, each state named for what the bot waits for."""

from aiogram.fsm.state import State, StatesGroup


class GrantStates(StatesGroup):
    waiting_for_person = State()


class MaterialStates(StatesGroup):
    """Adding a material, or editing one field of it; the draft lives in FSM data."""

    waiting_for_source = State()
    waiting_for_title = State()
    waiting_for_description = State()
    waiting_for_topics = State()
    waiting_for_kind = State()
    waiting_for_audience = State()
    waiting_for_tags = State()
    waiting_for_url = State()
    waiting_for_new_file = State()
    confirming = State()


class ImportStates(StatesGroup):
    waiting_for_file = State()


class ChatStates(StatesGroup):
    waiting_for_welcome = State()


class VksStates(StatesGroup):
    waiting_for_value = State()
    waiting_for_recording = State()


class BroadcastStates(StatesGroup):
    waiting_for_content = State()
    choosing_targets = State()
    confirming = State()
    waiting_for_time = State()
