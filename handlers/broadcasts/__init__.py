"""Broadcasts and subscriptions. Methodologists compose an announcement in a form (its
content, the chats, directions or subscribers it goes to, an exact preview, now or at a time),
list what was sent, cancel, recall, and resend what failed from the delivery report. Everyone
subscribes to directions to get their announcements in private."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.delivery import Delivery, Renderer
from handlers.broadcasts.dialogs import create_dialogs
from handlers.broadcasts.planner import BroadcastPlanner
from handlers.broadcasts.router import create_router, report_renderer
from storage.announcements import Render
from storage.db import Database

__all__ = ["create_dialogs", "create_router", "planner", "renderers"]


def renderers(db: Database) -> dict[Render, Renderer]:
    return {Render.DELIVERY_REPORT: report_renderer(db)}


def planner(delivery: Delivery, tz: ZoneInfo) -> BroadcastPlanner:
    return BroadcastPlanner(delivery, tz)
