"""The directory of the region's medical organisations (МО), for admins: /mo finds one and
edits its fields, replaces the whole directory from a CSV or XLSX file, or downloads it. The
directory itself serves the training requests' МО step."""

from handlers.mo.dialogs import create_dialogs
from handlers.mo.router import create_router

__all__ = ["create_dialogs", "create_router"]
