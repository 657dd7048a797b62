"""The materials feature's forms, each state named for what the form waits for."""

from aiogram.fsm.state import State, StatesGroup


class AddMaterial(StatesGroup):
    """A new material: from /add (its file or link first) or from a file sent to the bot."""

    waiting_for_source = State()
    waiting_for_title = State()
    waiting_for_description = State()
    choosing_directions = State()
    choosing_kind = State()
    choosing_audience = State()
    waiting_for_tags = State()
    confirming = State()
    deciding_on_personal_data = State()


class EditMaterial(StatesGroup):
    """Changing fields of a material, or giving it a new version of its file."""

    choosing_field = State()
    waiting_for_title = State()
    waiting_for_description = State()
    choosing_directions = State()
    choosing_kind = State()
    choosing_audience = State()
    waiting_for_tags = State()
    waiting_for_url = State()
    waiting_for_file = State()
    confirming = State()
    deciding_on_personal_data = State()


class ImportCatalog(StatesGroup):
    waiting_for_file = State()
