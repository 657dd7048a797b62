"""Feature routers, in the order the dispatcher must try them."""

from __future__ import annotations

from aiogram import Router

from bot import jobs, reports
from bot.delivery import Delivery, Renderer
from bot.scheduler import Planner
from bot.settings import Settings
from handlers import (
    announcements,
    catalog,
    chats,
    fallback,
    inline,
    materials_admin,
    mo,
    requests,
    roles,
    start,
    stats,
    topics_admin,
    vks,
)
from storage.announcements import Render
from storage.db import Database


def get_routers() -> list[Router]:
    """A fresh set of routers for one dispatcher, in the order aiogram must offer updates to
    them: it stops at the first handler whose filters match.

    ``catalog`` comes first because most updates are searches: its text filter refuses any
    update in a form state, any command and any menu label, so nothing a later router wants
    is taken. ``inline`` handles nothing but inline queries. ``start`` precedes the features
    so /start and /cancel get a user out of any form; the features' routers exclude one
    another by their filters; ``fallback`` catches everything and therefore comes last.
    """
    return [
        catalog.create_router(),
        inline.create_router(),
        start.create_router(),
        roles.create_router(),
        topics_admin.create_router(),
        chats.create_router(),
        vks.create_router(),
        announcements.create_router(),
        materials_admin.create_router(),
        requests.create_router(),
        mo.create_router(),
        stats.create_router(),
        *requests.create_dialogs(),
        *mo.create_dialogs(),
        fallback.create_router(),
    ]


def renderers(db: Database) -> dict[Render, Renderer]:
    """How each feature's kind of outbox content becomes a message (bot.delivery)."""
    return {
        **requests.renderers(db),
        **vks.renderers(db),
        Render.MATERIAL_LINK: catalog.render_material_link,
        Render.PD_HOLD: materials_admin.render_hold,
        Render.DIGEST: reports.digest_renderer(db),
        Render.DELIVERY_REPORT: announcements.report_renderer(db),
    }


def planners(settings: Settings, delivery: Delivery) -> list[Planner]:
    """Each feature's scheduled work (bot.scheduler)."""
    tz = settings.tz
    return [
        jobs.VksPlanner(delivery, tz),
        jobs.BroadcastPlanner(delivery, tz),
        requests.planner(settings, delivery),
        jobs.DigestPlanner(delivery, tz, settings.weekly_digest),
    ]
