"""Deep-link payloads for ``t.me/<bot>?start=<payload>``: the route table and its filter.

A payload is ``<prefix>_<argument>``. Telegram allows 64 characters of A-Z, a-z, 0-9, _ and -.
Features claim a prefix in ``Route`` and handle it with ``DeepLink(Route.X)`` on
``CommandStart(deep_link=True)``; whatever no feature claims falls to the start router.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from aiogram.filters import BaseFilter, CommandObject
from aiogram.types import Message

_PAYLOAD = re.compile(r"^([a-z]{1,8})_([A-Za-z0-9_-]{1,55})$")


class Route(StrEnum):
    MATERIAL = "m"  # m_<material id>: open a material's card
    HELP = "help"  # help_<topic>: open help on a topic
    ICS = "ics"  # ics_<YYYYMMDD>: the .ics invitation to that VKS
    SEARCH = "q"  # q_<query as base64url>: run that search (an inline query that found nothing)


def encode(route: Route, argument: str | int) -> str:
    payload = f"{route.value}_{argument}"
    if not _PAYLOAD.match(payload):
        raise ValueError(f"not a valid deep-link payload: {payload!r}")
    return payload


def link(bot_username: str, route: Route, argument: str | int) -> str:
    return f"https://t.me/{bot_username}?start={encode(route, argument)}"


def decode(payload: str | None) -> tuple[Route, str] | None:
    """``(route, argument)`` for a well-formed payload with a known prefix, else None."""
    if not payload:
        return None
    match = _PAYLOAD.match(payload)
    if not match:
        return None
    try:
        return Route(match.group(1)), match.group(2)
    except ValueError:
        return None


class DeepLink(BaseFilter):
    """Matches ``/start <payload>`` of one route and hands the handler ``deeplink_arg``."""

    def __init__(self, route: Route) -> None:
        self.route = route

    async def __call__(self, message: Message, command: CommandObject) -> bool | dict[str, Any]:
        decoded = decode(command.args)
        if decoded is None or decoded[0] is not self.route:
            return False
        return {"deeplink_arg": decoded[1]}
