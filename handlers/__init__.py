"""Feature routers, in the order the dispatcher must try them."""

from __future__ import annotations

from aiogram import Router

from bot.delivery import Delivery, Renderer
from bot.forms import FormEvent
from bot.scheduler import Planner
from bot.settings import Settings
from handlers import (
    broadcasts,
    chats,
    fallback,
    materials,
    mo,
    requests,
    roles,
    search,
    start,
    stats,
    vks,
)
from storage.announcements import Render
from storage.db import Database


def get_routers() -> list[Router]:
    """A fresh set of routers for one dispatcher, in the order aiogram must offer updates to
    them: it stops at the first handler whose filters match.

    ``search`` comes first because most updates are searches: its text filters refuse any
    update in an FSM state or with a form open, any command and any menu label, so nothing a
    later router wants is taken; its inline router handles nothing but inline queries.
    ``start`` precedes the features so /start and /cancel get a user out of any form; the
    features' routers exclude one another by their filters. The forms come after them, so that
    a command or a menu label reaches its handler even mid-form (bot.forms closes the form,
    keeping its draft); before the ``fallback``, which takes whatever is left.
    """
    return [
        search.create_router(),
        search.create_inline_router(),
        _features(
            start.create_router(),
            roles.create_router(),
            chats.create_router(),
            vks.create_router(),
            broadcasts.create_router(),
            materials.create_router(),
            requests.create_router(),
            mo.create_router(),
            stats.create_router(),
        ),
        *roles.create_dialogs(),
        *vks.create_dialogs(),
        *stats.create_dialogs(),
        *materials.create_dialogs(),
        *broadcasts.create_dialogs(),
        *chats.create_dialogs(),
        *requests.create_dialogs(),
        *mo.create_dialogs(),
        fallback.create_router(),
    ]


def _features(*routers: Router) -> Router:
    """The features' routers under one that turns away, with one check, what belongs to an open
    form (its buttons, what is typed into it): no feature handles those, and a form's button
    press or answer need not be refused by each of their filters on its way (bench/updates.py)."""
    features = Router(name="features")
    not_for_forms = ~FormEvent()
    features.message.filter(not_for_forms)
    features.callback_query.filter(not_for_forms)
    features.include_routers(*routers)
    return features


def renderers(db: Database) -> dict[Render, Renderer]:
    """How each feature's kind of outbox content becomes a message (bot.delivery)."""
    return {
        **requests.renderers(db),
        **vks.renderers(db),
        **search.renderers(db),
        **materials.renderers(db),
        **stats.renderers(db),
        **broadcasts.renderers(db),
    }


def planners(settings: Settings, delivery: Delivery) -> list[Planner]:
    """Each feature's scheduled work (bot.scheduler)."""
    tz = settings.tz
    return [
        vks.planner(delivery, tz),
        broadcasts.planner(delivery, tz),
        requests.planner(settings, delivery),
        stats.planner(delivery, tz, settings.weekly_digest),
    ]
