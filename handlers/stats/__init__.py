"""/stats for methodologists and admins: downloads, failed searches, materials nobody took and
training accounting for a week, month, quarter, year or a custom period (a form), weekly trend
charts, exports (admins) and the admins' Monday digest with its chart."""

from handlers.stats.dialogs import create_dialogs
from handlers.stats.planner import planner
from handlers.stats.renderers import renderers
from handlers.stats.router import create_router

__all__ = ["create_dialogs", "create_router", "planner", "renderers"]
