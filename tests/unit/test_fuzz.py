"""Hostile input, generated: arbitrary updates in every conversation state, fed through the real
dispatcher with a real SQLite file, for people of every role.

Whatever arrives (random Unicode with RTL and zero-width characters, huge texts, wrong content
types, forged and truncated callback data, unknown commands, edited messages, strangers' chats),
the bot must not raise, must leave the conversation state valid, and must never send what
Telegram would reject: text of 1-4096 characters, captions up to 1024, alerts up to 200, valid
HTML, callback data of 1-64 bytes.

``FUZZ_EXAMPLES`` sets how many sequences to try (CI keeps it small); ``bench/fuzz.py`` runs a
long session.
"""

from __future__ import annotations

import asyncio
import enum
import importlib
import itertools
import logging
import os
import pkgutil
import time
import typing
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import StatesGroup
from aiogram.fsm.storage.base import StorageKey
from aiogram.methods import (
    AnswerCallbackQuery,
    AnswerInlineQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    GetChatMemberCount,
    GetFile,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.types import File, InlineKeyboardMarkup, Update
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bot
import handlers
from bot import ui
from bot.factory import build_dispatcher
from bot.middlewares import Limit, Throttle
from handlers.search import texts as search_texts
from handlers.search.callbacks import MaterialAction, MaterialCallback
from storage.catalog import CatalogRepo
from storage.db import Database
from storage.imports import import_file
from storage.organisations import OrgRepo
from storage.users import Role, UserRepo
from tests.fakes.recording import TOKEN, RecordingSession
from tests.fakes.telegram_server import ApiError, _check_html
from tests.harness import make_settings

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))

# People of every role; ids are stable so their conversations build up across examples.
PEOPLE = {2002: Role.STAFF, 4004: Role.TUTOR, 3003: Role.METHODOLOGIST, 1001: Role.ADMIN}
STRANGE = "\u202e\u200b\u200d\u2066\ufeff\u0301\U0001f600<>&\"'/\\:;{}[]*_~`|"


def _our_classes(base: type) -> list[type]:
    """Every subclass of ``base`` defined in the bot's packages, wherever a feature keeps it."""
    found: dict[str, type] = {}
    for package in (bot, handlers):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            for value in vars(module).values():
                ours = isinstance(value, type) and value.__module__.startswith(("bot", "handlers"))
                if ours and issubclass(value, base) and value is not base:
                    found[f"{value.__module__}.{value.__qualname__}"] = value
    return list(found.values())


CALLBACK_CLASSES = _our_classes(CallbackData)
ALL_STATES = [
    state.state
    for group in _our_classes(StatesGroup)
    for state in group.__all_states__  # type: ignore[attr-defined]
]


class FuzzSession(RecordingSession):
    """Answers every method the handlers may call; downloads yield a few junk bytes."""

    def _result(self, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, GetFile):
            return File(file_id=method.file_id, file_unique_id="u", file_size=5, file_path="x")
        if isinstance(method, GetChatMemberCount):
            return 3
        return super()._result(method)

    async def stream_content(self, *args: Any, **kwargs: Any) -> Any:
        yield b"junk\x00"


# -- strategies -------------------------------------------------------------------------------

HTML_BITS = ["<b>", "</b>", "<script>alert(1)</script>", "<i>текст", "a < b & c", "<a href='x'>"]

texts_st = st.one_of(
    st.text(max_size=60),
    st.tuples(st.text(max_size=10), st.sampled_from(HTML_BITS), st.text(max_size=10)).map("".join),
    st.text(alphabet=st.sampled_from(STRANGE + "абвгдЭЛНЦАМИ0123456789 .-"), max_size=80),
    st.sampled_from(sorted(ui.MENU_BUTTONS)),
    st.sampled_from(
        [
            "/start",
            "/help",
            "/find",
            "/find ЭЛН",
            "/cancel",
            "/stats",
            "/request",
            "/myrequests",
            "/forget",
            "/add",
            "/import",
            "/export",
            "/vks",
            "/broadcast",
            "/broadcasts",
            "/chats",
            "/bind",
            "/requests",
            "/sessions",
            "/session",
            "/mo",
            "/mo ЦРБ",
            "/topics",
            "/topic x Y",
            "/roles",
            "/grant 1 admin",
            "/revoke 1",
            "/subscribe",
            "/catalog",
            "/nosuchcommand",
            "/start m_999999",
            "/start m_x",
            "эцп",
            "ЭЛН" * 3,
            "txg",
            '"NEAR" OR *',
            "25 2",
            "10.12",
            "12:00",
            "01.09.2026-30.11.2026",
            "+7 911 123-45-67 Иванова",
            "https://x.example/doc",
        ]
    ),
    st.integers(1000, 10_000).map(lambda n: ("Я" * n)[:n]),
)


@st.composite
def callback_data(draw: st.DrawFn) -> str:
    """Valid callbacks with random field values, truncated ones, and plain junk."""
    choice = draw(st.integers(0, 9))
    if choice >= 8:
        return draw(st.text(min_size=1, max_size=64).filter(lambda s: len(s.encode()) <= 64))
    cls = draw(st.sampled_from(CALLBACK_CLASSES))
    values: dict[str, Any] = {}
    for name, field in cls.model_fields.items():
        values[name] = draw(_value(field.annotation))
    try:
        packed = cls(**values).pack()
    except (ValueError, TypeError):
        packed = f"{cls.__prefix__}:{draw(st.text(max_size=20))}"
    if choice == 7:
        packed = packed[: draw(st.integers(1, max(1, len(packed) - 1)))]
    encoded = packed.encode()[:64]
    return encoded.decode(errors="ignore") or "x"


def _value(annotation: Any) -> st.SearchStrategy[Any]:
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return st.sampled_from(list(annotation))
    if annotation is int:
        return st.one_of(st.integers(-5, 5), st.integers(-(2**40), 2**62), st.just(20261123))
    if annotation is bool:
        return st.booleans()
    if annotation is str or typing.get_origin(annotation) is typing.Union:
        return st.text(alphabet="abcdefghijklmnop0123456789#._-", max_size=12)
    return st.just(0)


ids = itertools.count(1_000_000)


def _chat(draw: st.DrawFn, user_id: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(["private", "private", "group", "supergroup", "forum"]))
    if kind == "private":
        return {"id": user_id, "type": "private", "first_name": "X"}
    chat_id = draw(st.sampled_from([-100123, -4004, -1001999888777]))
    return {"id": chat_id, "type": "supergroup", "title": "Чат", "is_forum": kind == "forum"}


@st.composite
def updates(draw: st.DrawFn) -> tuple[int, str | None, dict[str, Any]]:
    user_id = draw(st.sampled_from([*PEOPLE, 777_000_111]))
    state = draw(st.one_of(st.none(), st.sampled_from(ALL_STATES)))
    sender = {"id": user_id, "is_bot": False, "first_name": draw(st.text(max_size=20)) or "Имя"}
    chat = _chat(draw, user_id)
    base: dict[str, Any] = {
        "message_id": next(ids),
        "date": int(time.time()),
        "chat": chat,
        "from": sender,
    }
    kind = draw(st.integers(0, 9))
    if kind <= 3:
        text = draw(texts_st)
        base["text"] = text
        if text.startswith("/"):
            base["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        update = {"message": base}
    elif kind == 4:
        content = draw(
            st.sampled_from(
                [
                    {"sticker": {"file_id": "s", "file_unique_id": "s", "type": "regular",
                                 "width": 1, "height": 1, "is_animated": False,
                                 "is_video": False}},
                    {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1,
                                "height": 1}]},
                    {"document": {"file_id": "d", "file_unique_id": "d",
                                  "file_name": draw(st.sampled_from(["a.csv", "b.xlsx", "c.pdf",
                                                                     "<x>.docx"]))}},
                    {"location": {"latitude": 59.2, "longitude": 39.9}},
                    {"contact": {"phone_number": "+79111234567", "first_name": "Ивана"}},
                ]
            )
        )  # fmt: skip
        update = {"message": {**base, **content}}
    elif kind == 5:
        base["text"] = draw(texts_st)
        base["edit_date"] = int(time.time())
        update = {"edited_message": base}
    elif kind == 6:
        update = {
            "inline_query": {
                "id": str(next(ids)),
                "from": sender,
                "query": draw(texts_st)[:256],
                "offset": draw(st.sampled_from(["", "5", "x", "-1", "99999"])),
            }
        }
    else:
        shown = {**base, "from": {"id": 42, "is_bot": True, "first_name": "bot"}, "text": "…"}
        update = {
            "callback_query": {
                "id": str(next(ids)),
                "from": sender,
                "chat_instance": "ci",
                "message": shown,
                "data": draw(callback_data()),
            }
        }
    return user_id, state, {"update_id": next(ids), **update}


# -- what Telegram would refuse ---------------------------------------------------------------


def check_outgoing(method: TelegramMethod[Any]) -> None:
    text = getattr(method, "text", None)
    if isinstance(method, SendMessage | EditMessageText):
        assert text is not None
        assert 1 <= len(text) <= 4096, (type(method).__name__, len(text))
        _html(text)
    caption = getattr(method, "caption", None)
    if isinstance(method, SendPhoto | SendDocument) and caption:
        assert len(caption) <= 1024
        _html(caption)
    if isinstance(method, AnswerCallbackQuery) and method.text:
        assert len(method.text) <= 200
    if isinstance(method, AnswerInlineQuery):
        assert len(method.results) <= 50
        for result in method.results:
            _markup(getattr(result, "reply_markup", None))
    _markup(getattr(method, "reply_markup", None))
    if isinstance(method, EditMessageReplyMarkup):
        _markup(method.reply_markup)


def _html(text: str) -> None:
    try:
        _check_html(text, {"parse_mode": "HTML"})
    except ApiError as e:
        raise AssertionError(f"{e.description}: {text[:300]!r}") from None


def _markup(markup: Any) -> None:
    if isinstance(markup, InlineKeyboardMarkup):
        for row in markup.inline_keyboard:
            for button in row:
                if button.callback_data is not None:
                    assert 1 <= len(button.callback_data.encode()) <= 64, button.callback_data


# -- the test ---------------------------------------------------------------------------------


class Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def _setup(path: Path) -> tuple[Database, Dispatcher, Bot]:
    db = Database(path / "bot.sqlite3")
    await db.connect()
    repo = CatalogRepo(db)
    await repo.ensure_topics()
    await OrgRepo(db).ensure_seeded()
    demo = Path(__file__).parents[2] / "catalog" / "data" / "demo_materials.csv"
    await import_file(repo, demo.read_bytes(), "demo_materials.csv")
    users = UserRepo(db)
    for user_id, role in PEOPLE.items():
        await db.execute(
            "INSERT INTO users (id, first_name, created_at, last_seen_at)"
            " VALUES (?, 'Тест', '', '')",
            (user_id,),
        )
        await users.set_role(user_id, role, changed_by=None)
    settings_ = make_settings(path, admin_ids=frozenset({1001}))
    dp = build_dispatcher(settings_, db)
    # The fuzzer sends thousands of updates a minute as four people: without this, almost all
    # of them would meet the throttle's notice instead of the handlers under test.
    throttle = dp["throttle"]
    assert isinstance(throttle, Throttle)
    throttle.limits = {kind: Limit(10**9, 60.0) for kind in throttle.limits}
    bot = Bot(TOKEN, session=FuzzSession())
    return db, dp, bot


def test_arbitrary_updates_never_break_the_bot(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    db, dp, bot = loop.run_until_complete(_setup(tmp_path))
    session = bot.session
    assert isinstance(session, FuzzSession)
    errors = Errors()
    logging.getLogger().addHandler(errors)
    valid_states = {None, *ALL_STATES}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        derandomize=os.environ.get("FUZZ_RANDOM") is None,
    )
    @given(st.lists(updates(), min_size=1, max_size=6))
    def run(sequence: list[tuple[int, str | None, dict[str, Any]]]) -> None:
        async def feed() -> None:
            for user_id, state, raw in sequence:
                chat_id = (
                    (raw.get("message") or raw.get("edited_message") or {})
                    .get("chat", {})
                    .get("id", user_id)
                )
                key = StorageKey(bot_id=bot.id, chat_id=chat_id, user_id=user_id)
                await dp.storage.set_state(key, state)
                seen = len(session.requests)
                await dp.feed_update(bot, Update.model_validate(raw, context={"bot": bot}))
                for method in session.requests[seen:]:
                    check_outgoing(method)
                after = await dp.storage.get_state(key)
                assert after in valid_states, after
                assert isinstance(await dp.storage.get_data(key), dict)
            assert not errors.records, [r.getMessage() for r in errors.records]

        loop.run_until_complete(feed())

    try:
        run()
    finally:
        logging.getLogger().removeHandler(errors)
        loop.run_until_complete(db.close())
        loop.run_until_complete(bot.session.close())
        loop.close()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("st:v:m:2026", ui.STALE_BUTTON),
        ("rq:zz", ui.STALE_BUTTON),
        ("m:o:99999999999999999999999", ui.STALE_BUTTON),
        (
            MaterialCallback(action=MaterialAction.OPEN, id=424242).pack(),
            search_texts.MATERIAL_GONE,
        ),
        ("\u202e", ui.STALE_BUTTON),
    ],
)
def test_known_hostile_callbacks_are_answered(tmp_path: Path, raw: str, expected: str) -> None:
    """A few hand-picked cases that once needed care, run every time."""
    loop = asyncio.new_event_loop()
    db, dp, bot = loop.run_until_complete(_setup(tmp_path))
    session = bot.session
    assert isinstance(session, FuzzSession)
    update = {
        "update_id": 1,
        "callback_query": {
            "id": "1",
            "from": {"id": 2002, "is_bot": False, "first_name": "О"},
            "chat_instance": "ci",
            "data": raw,
        },
    }
    try:
        loop.run_until_complete(dp.feed_update(bot, Update.model_validate(update)))
        answers = session.sent(AnswerCallbackQuery)
        assert [(a.text, a.show_alert) for a in answers] == [(expected, True)]
        # No apology: nothing reached the errors handler.
        assert not session.sent(SendMessage)
    finally:
        loop.run_until_complete(db.close())
        loop.close()
