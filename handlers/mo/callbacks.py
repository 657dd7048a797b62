"""Button payloads of the МО directory's messages: ids and field names, never titles."""

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class OrgAction(StrEnum):
    OPEN = "o"
    FIELD = "f"
    IMPORT = "i"
    EXPORT = "x"


class OrgCallback(CallbackData, prefix="org"):
    action: OrgAction
    id: int = 0
    field: str = ""
