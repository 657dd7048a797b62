"""Feature routers, in the order the dispatcher must try them."""

from __future__ import annotations

from aiogram import Router

from bot import jobs, reports, request_cards
from bot.delivery import Delivery, Renderer
from bot.scheduler import Planner
from bot.settings import Settings
from handlers import (
    broadcasts,
    catalog,
    chats,
    fallback,
    inline,
    materials,
    requests,
    review,
    roles,
    start,
    stats,
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
        chats.create_router(),
        vks.create_router(),
        broadcasts.create_router(),
        materials.create_router(),
        requests.create_router(),
        review.create_router(),
        stats.create_router(),
        *materials.create_dialogs(),
        *broadcasts.create_dialogs(),
        *chats.create_dialogs(),
        fallback.create_router(),
    ]


def renderers(db: Database) -> dict[Render, Renderer]:
    """How each feature's kind of outbox content becomes a message (bot.delivery)."""
    return {
        **request_cards.renderers(db),
        **vks.renderers(db),
        Render.MATERIAL_LINK: catalog.render_material_link,
        **materials.renderers(db),
        Render.DIGEST: reports.digest_renderer(db),
        **broadcasts.renderers(db),
    }


def planners(settings: Settings, delivery: Delivery) -> list[Planner]:
    """Each feature's scheduled work (bot.scheduler)."""
    tz = settings.tz
    return [
        jobs.VksPlanner(delivery, tz),
        jobs.BroadcastPlanner(delivery, tz),
        jobs.RequestPlanner(delivery, tz, settings.request_sla_days, settings.staff_chat_id),
        jobs.DigestPlanner(delivery, tz, settings.weekly_digest),
    ]
