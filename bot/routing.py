"""Routing that costs what it should: gates in front of routers, filters run inline.

aiogram offers every update to the routers in turn and, in each, to every handler in turn,
checking each handler's filters. A plain text in a private chat is a search, and the search
handler sits near the end (every form step and menu button must be offered first), so a search
used to be checked against some ninety handlers on its way there: most of its cost
(bench/updates.py).

``install_gates`` reads what each router's handlers require and puts a cheap gate in front of
the router: a message that no handler of the router (or of its sub-routers) could accept skips
the whole subtree at once. The gate is derived from the handlers themselves, never written by
hand, and only from filters whose meaning is certain; a handler with none of those leaves its
routers ungated. So a gate never turns away an update a handler would have taken, and the order
of routers keeps its meaning.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from inspect import isclass
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.event.handler import FilterObject, HandlerObject
from aiogram.filters import Command
from aiogram.filters.base import Filter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.filters.state import StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject


class Label(Filter):
    """The text of a reply-keyboard button: the message says exactly one of ``labels``."""

    __slots__ = ("labels",)

    def __init__(self, *labels: str) -> None:
        self.labels = frozenset(labels)

    async def __call__(self, message: Message) -> bool:
        return message.text in self.labels


class Carries(Filter):
    """The message carries one of these fields (a service message's, a photo...)."""

    __slots__ = ("fields",)

    def __init__(self, *fields: str) -> None:
        self.fields = tuple(fields)

    async def __call__(self, message: Message) -> bool:
        return any(getattr(message, name, None) for name in self.fields)


@dataclass
class _Needs:
    """What at least one handler of a subtree accepts; ``anything`` when it cannot be told."""

    anything: bool = False
    states: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    # Command names, casefolded; ``any_command`` when some Command takes a pattern.
    commands: set[str] = field(default_factory=set)
    any_command: bool = False
    labels: set[str] = field(default_factory=set)
    fields: set[str] = field(default_factory=set)
    callbacks: set[str] = field(default_factory=set)

    @property
    def empty(self) -> bool:
        """No handler at all: every handler adds at least one demand or ``anything``."""
        return not (
            self.anything
            or self.states
            or self.prefixes
            or self.labels
            or self.fields
            or self.callbacks
        )

    def add(self, other: _Needs) -> None:
        self.anything = self.anything or other.anything
        self.states |= other.states
        self.prefixes |= other.prefixes
        self.commands |= other.commands
        self.any_command = self.any_command or other.any_command
        self.labels |= other.labels
        self.fields |= other.fields
        self.callbacks |= other.callbacks


class MessageGate:
    """Lets through a message that some handler behind it may accept: one in a state it
    handles, a command (Command filters read the text or the caption), a button label, or a
    message carrying a field it looks for."""

    __slots__ = ("any_command", "commands", "fields", "labels", "prefixes", "states")

    def __init__(self, needs: _Needs) -> None:
        self.states = frozenset(needs.states)
        self.prefixes = "".join(needs.prefixes)
        self.commands = frozenset(needs.commands)
        self.any_command = needs.any_command
        self.labels = frozenset(needs.labels)
        self.fields = tuple(needs.fields)

    def admits(self, message: Message, raw_state: str | None = None) -> bool:
        if raw_state is not None and raw_state in self.states:
            return True
        if self.fields and any(getattr(message, name, None) for name in self.fields):
            return True
        text = message.text or message.caption
        if not text:
            return False
        if text in self.labels:
            return True
        # As aiogram's Command reads it: "  /name@mention args" -> "/" and "name".
        head = text.lstrip()[:80]
        if not head or head[0] not in self.prefixes:
            return False
        if self.any_command:
            return True
        name = head.split(maxsplit=1)[0][1:].partition("@")[0]
        return name.casefold() in self.commands


class CallbackGate:
    """Lets through a button press whose data some CallbackData filter behind it may unpack."""

    __slots__ = ("heads",)

    def __init__(self, heads: Iterable[str]):
        self.heads = tuple(heads)

    def admits(self, query: CallbackQuery, raw_state: str | None = None) -> bool:
        return bool(query.data) and query.data.startswith(self.heads)  # type: ignore[union-attr]


class Closed:
    """In front of a subtree with no handler for the event: nothing there could take it."""

    __slots__ = ()

    def admits(self, event: TelegramObject, raw_state: str | None = None) -> bool:
        return False


Gate = MessageGate | CallbackGate | Closed


def _states(value: Any) -> set[str] | None:
    """The state names a state filter argument stands for; None for "any" or "none"."""
    if isinstance(value, State):
        return None if value.state in (None, "*") else {value.state}
    if isinstance(value, str):
        return None if value == "*" else {value}
    if isinstance(value, StatesGroup):
        return set(type(value).__all_states_names__)
    if isclass(value) and issubclass(value, StatesGroup):
        return set(value.__all_states_names__)
    return None


def _message_needs(f: FilterObject) -> _Needs | None:
    """What one filter demands of a message, if that is certain; else None."""
    cb = f.callback
    if isinstance(cb, StateFilter):
        names: set[str] = set()
        for value in cb.states:
            found = _states(value)
            if found is None:
                return None
            names |= found
        return _Needs(states=names)
    if isinstance(cb, State | StatesGroup):
        found = _states(cb)
        return None if found is None else _Needs(states=found)
    if isinstance(cb, Command):
        names = {c.casefold() for c in cb.commands if isinstance(c, str)}
        patterns = len(names) < len(cb.commands)
        return _Needs(prefixes=set(cb.prefix), commands=names, any_command=patterns)
    if isinstance(cb, Label):
        return _Needs(labels=set(cb.labels))
    if isinstance(cb, Carries):
        return _Needs(fields=set(cb.fields))
    return None


def _callback_needs(f: FilterObject) -> _Needs | None:
    cb = f.callback
    if isinstance(cb, CallbackQueryFilter):
        data = cb.callback_data
        # Data with no fields packs to the bare prefix.
        head = data.__prefix__ + (data.__separator__ if data.model_fields else "")
        return _Needs(callbacks={head})
    return None


_READERS: dict[str, Callable[[FilterObject], _Needs | None]] = {
    "message": _message_needs,
    "callback_query": _callback_needs,
}


def _handler_needs(handler: HandlerObject, read: Callable[[FilterObject], _Needs | None]) -> _Needs:
    # The filters are ANDed: any one whose demand is certain bounds the whole handler.
    for f in handler.filters or ():
        needs = read(f)
        if needs is not None:
            return needs
    return _Needs(anything=True)


def _gate_subtree(router: Router, event: str, gates: dict[Router, dict[str, Gate]]) -> _Needs:
    read = _READERS[event]
    needs = _Needs()
    for handler in router.observers[event].handlers:
        needs.add(_handler_needs(handler, read))
    for sub in router.sub_routers:
        needs.add(_gate_subtree(sub, event, gates))
    if needs.anything:
        # Ungated: what something behind it takes cannot be told.
        return needs
    gate: Gate
    if needs.empty:
        gate = Closed()
    elif event == "message":
        gate = MessageGate(needs)
    else:
        gate = CallbackGate(needs.callbacks)
    gates.setdefault(router, {})[event] = gate
    return needs


def install_gates(root: Router) -> dict[Router, dict[str, Gate]]:
    """Gate every router below ``root`` whose message and button handlers can all be told;
    returns the gates by router and event (for the tests). Call it once the routers' own outer
    middlewares are in place: a router that has any keeps no gate."""
    gates: dict[Router, dict[str, Gate]] = {}
    for sub in root.sub_routers:
        for event in _READERS:
            _gate_subtree(sub, event, gates)
    for router, by_event in gates.items():
        _guard(router, by_event)
    return gates


class _Entry:
    """A router's ``propagate_event`` with its gates checked first.

    A gate could be the router's first root filter, but aiogram reaches root filters only after
    wrapping the router's middlewares and copying the handler data several times over: for a
    search passing the feature routers, that cost more than the gate saved.
    """

    __slots__ = ("enter", "gates")

    def __init__(self, enter: Callable[..., Awaitable[Any]], gates: dict[str, Gate]) -> None:
        self.enter = enter
        self.gates = gates

    async def __call__(self, update_type: str, event: TelegramObject, **kwargs: Any) -> Any:
        gate = self.gates.get(update_type)
        if gate is not None and not gate.admits(event, kwargs.get("raw_state")):  # type: ignore[arg-type]
            return UNHANDLED
        return await self.enter(update_type=update_type, event=event, **kwargs)


def _guard(router: Router, gates: dict[str, Gate]) -> None:
    # A router's own outer middlewares must see every update offered to it: no gate there.
    for event in list(gates):
        if router.observers[event].outer_middleware:
            del gates[event]
    if gates:
        # aiogram looks the method up on the router each time it offers it an update.
        router.propagate_event = _Entry(router.propagate_event, gates)  # type: ignore[method-assign]


def gates_of(router: Router) -> dict[str, Gate]:
    """The gates in front of ``router``, by event; empty when it has none."""
    entry = vars(router).get("propagate_event")
    return entry.gates if isinstance(entry, _Entry) else {}


def inline_sync_filters(root: Router) -> int:
    """Run plain-function filters inline instead of in a worker thread; returns how many.

    aiogram calls a filter that is not a coroutine function (every magic filter such as
    ``F.text == ...`` or ``F.chat.type == "private"``) through ``asyncio.to_thread``. Ours are
    attribute comparisons of a microsecond, and a text message passes dozens of them on its way
    to the search handler: a thread hop each costs more than the search itself
    (bench/updates.py). Running them inline is what they were written for.
    """
    changed = 0
    for router in root.chain_tail:
        for observer in router.observers.values():
            for handler in [observer._handler, *observer.handlers]:
                for event_filter in handler.filters or ():
                    if not event_filter.awaitable:
                        event_filter.callback = _awaitable(event_filter.callback)
                        event_filter.awaitable = True
                        changed += 1
    return changed


def _awaitable(sync: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    async def call(*args: Any, **kwargs: Any) -> Any:
        return sync(*args, **kwargs)

    return call
