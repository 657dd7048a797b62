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


class RequestStates(StatesGroup):
    """A tutor's training request, one state per step; the draft lives in FSM data, which the
    SQLite storage keeps across restarts."""

    waiting_for_organisation = State()
    waiting_for_topic = State()
    waiting_for_format = State()
    waiting_for_audience = State()
    waiting_for_participants = State()
    waiting_for_dates = State()
    waiting_for_contact = State()
    waiting_for_comment = State()
    confirming = State()


class ReviewStates(StatesGroup):
    """A methodologist scheduling a session (for a request, or on its own), or writing the
    comment that goes to the tutor."""

    waiting_for_topic = State()
    waiting_for_organisation = State()
    waiting_for_date = State()
    waiting_for_time = State()
    waiting_for_format = State()
    waiting_for_place = State()
    waiting_for_hours = State()
    waiting_for_comment = State()
    confirming = State()
    waiting_for_reason = State()
    waiting_for_results = State()


class OrgStates(StatesGroup):
    waiting_for_file = State()
    waiting_for_value = State()


class StatsStates(StatesGroup):
    waiting_for_period = State()
