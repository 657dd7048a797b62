"""The states of the МО directory's forms."""

from aiogram.fsm.state import State, StatesGroup


class OrgEditForm(StatesGroup):
    """One field of one МО, typed by an admin."""

    waiting_for_value = State()


class OrgImportForm(StatesGroup):
    """A whole new directory, as a CSV or XLSX file."""

    waiting_for_file = State()
