"""Feature routers, in the order the dispatcher must try them."""

from __future__ import annotations

from aiogram import Router

from handlers import (
    announcements,
    catalog,
    chats,
    fallback,
    inline,
    materials_admin,
    requests,
    review,
    roles,
    start,
    stats,
    topics_admin,
    vks,
)


def get_routers() -> list[Router]:
    """A fresh set of routers for one dispatcher.

    Order matters: aiogram offers an update to routers in turn and stops at the first handler
    whose filters match. ``start`` comes first so /start and /cancel get a user out of any form;
    features follow, ``catalog`` after them because any plain text in a private chat is a
    search (so every form's text steps must be offered before it); ``fallback`` catches
    everything and therefore comes last.

    The features sit under one router so that one gate (bot/routing.py, derived from their
    filters) lets a search or a card button pass them all with a single check. ``inline``
    handles nothing else and goes first among them, where inline queries find it at once.
    """
    features = Router(name="features")
    features.include_routers(
        inline.create_router(),
        start.create_router(),
        roles.create_router(),
        topics_admin.create_router(),
        chats.create_router(),
        vks.create_router(),
        announcements.create_router(),
        materials_admin.create_router(),
        requests.create_router(),
        review.create_router(),
        stats.create_router(),
    )
    return [features, catalog.create_router(), fallback.create_router()]
