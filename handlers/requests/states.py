"""The states of the request feature's dialogs, each named for what the bot waits for.

Renaming one breaks the forms people have open (aiogram_dialog stores the state's name):
``bot.forms`` answers their buttons with a short alert instead of an error.
"""

from aiogram.fsm.state import State, StatesGroup


class RequestForm(StatesGroup):
    """A tutor's training request, one step per question, then the summary."""

    waiting_for_organisation = State()
    waiting_for_topic = State()
    waiting_for_format = State()
    waiting_for_audience = State()
    waiting_for_participants = State()
    waiting_for_dates = State()
    waiting_for_contact = State()
    waiting_for_comment = State()
    confirming = State()


class ApproveForm(StatesGroup):
    """A methodologist approving a request: the session's slot, then the check."""

    waiting_for_date = State()
    waiting_for_time = State()
    waiting_for_format = State()
    waiting_for_place = State()
    waiting_for_hours = State()
    waiting_for_comment = State()
    confirming = State()


class SessionForm(StatesGroup):
    """A methodologist recording a session that came from no request."""

    waiting_for_topic = State()
    waiting_for_organisation = State()
    waiting_for_date = State()
    waiting_for_time = State()
    waiting_for_format = State()
    waiting_for_place = State()
    waiting_for_hours = State()
    confirming = State()


class ReasonForm(StatesGroup):
    """What the tutor is told: the changes asked for, or why the request is refused."""

    waiting_for_reason = State()


class ResultsForm(StatesGroup):
    """A held session's results: people trained and academic hours."""

    waiting_for_results = State()
