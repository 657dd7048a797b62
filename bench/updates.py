"""Update throughput and handler latency of the whole bot, against aiogram's own ceiling.

Feeds a realistic mix of updates through the real ``build_dispatcher`` (real middlewares, a real
SQLite file with the realistic 240-material catalog from ../shared when present, else the demo
catalog, started as the runner starts it: outbox engine and scheduler running) answering
through a recording Bot session with no network:

- 60% searches (the dev query set's queries, typed by 260 people in private chats);
- 15% card opens and «Получить»;
- 10% inline queries;
- 10% form steps: 40 tutors each going through the whole training-request form (the
  aiogram_dialog form, one message edited at every step), by text and by buttons, and sending
  it; a press carries the button's callback data as the bot last showed it to that tutor,
  found by its caption when the press is parsed (outside the clock);
- 5% other (/start, /help, the catalog's directions, subscriptions).

In the same run, a bare aiogram Dispatcher that echoes text over the same session gives the
framework's own ceiling. Three ways of feeding: one update at a time (latency: p50, p99);
batches of 50 at once, each finished before the next; and 50 in flight, a new one started as
soon as one finishes (throughput, as polling hands updates to tasks).

Floor: the full stack one by one at >= 30% of the bare echo one by one, with p99 <= 25 ms;
above it, simpler code wins over faster.

    .venv/bin/python bench/updates.py
    .venv/bin/python bench/updates.py --updates 3000 --profile    # where the time goes
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import json
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiogram import Bot, Dispatcher, Router  # noqa: E402
from aiogram.client.session.base import BaseSession  # noqa: E402
from aiogram.methods import TelegramMethod  # noqa: E402
from aiogram.methods.base import TelegramType  # noqa: E402
from aiogram.types import InlineKeyboardMarkup, Message, Update  # noqa: E402

from bot import ui  # noqa: E402
from bot.factory import build_dispatcher, settle_heap  # noqa: E402
from bot.middlewares import Limit  # noqa: E402
from bot.settings import Settings  # noqa: E402
from handlers.requests import texts  # noqa: E402
from handlers.search.callbacks import (  # noqa: E402
    BrowseAction,
    BrowseCallback,
    MaterialAction,
    MaterialCallback,
    Source,
)
from storage.catalog import CatalogRepo  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.imports import import_file  # noqa: E402
from storage.organisations import OrgRepo  # noqa: E402
from storage.users import Role, UserRepo  # noqa: E402
from tests.fakes.recording import TOKEN, RecordingSession  # noqa: E402

SHARED = ROOT.parent / "shared" / "catalog"
PEOPLE = 300
TUTORS = 40
FALLBACK_QUERIES = ["ЭЛН", "цами снимок", "больничный лист", "эцп", "диспансеризация", "ybr"]
# A tutor's next form step comes at least this many updates after the previous one (more than a
# batch, and than the updates in flight): a person reads the step before answering it, and a
# press is resolved against what the bot showed after the tutor's previous step.
FORM_GAP = 100
# A press waits as this marker, «<prefix><user id> <caption>», until it is parsed.
PRESS = "press:"

ids = itertools.count(1)


def _message(user_id: int, text: str) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "message_id": next(ids),
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private", "first_name": "Имя"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Имя"},
        "text": text,
    }
    if text.startswith("/"):
        payload["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": next(ids), "message": payload}


def _callback(user_id: int, data: str) -> dict[str, Any]:
    shown = {
        "message_id": next(ids),
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private", "first_name": "Имя"},
        "from": {"id": 42, "is_bot": True, "first_name": "bot"},
        "text": "…",
    }
    return {
        "update_id": next(ids),
        "callback_query": {
            "id": str(next(ids)),
            "from": {"id": user_id, "is_bot": False, "first_name": "Имя"},
            "chat_instance": "ci",
            "message": shown,
            "data": data,
        },
    }


def _inline(user_id: int, query: str) -> dict[str, Any]:
    return {
        "update_id": next(ids),
        "inline_query": {
            "id": str(next(ids)),
            "from": {"id": user_id, "is_bot": False, "first_name": "Имя"},
            "query": query,
            "offset": "",
        },
    }


def queries() -> list[str]:
    path = SHARED / "queries_dev.jsonl"
    if not path.exists():
        return FALLBACK_QUERIES
    return [json.loads(line)["q"] for line in path.read_text("utf-8").splitlines() if line]


Step = Callable[[int], dict[str, Any] | str]


def request_form(org: str, topic: str, today: date) -> list[tuple[bool, str]]:
    """The training-request form as a tutor fills it in, ending in «Отправить»
    (tests/e2e/test_requests.py walks the same way and checks every answer): each step is
    (pressed, text), a button's caption when pressed, else what is typed. ``org`` and ``topic``
    are the МО's short name and the direction's title (their buttons shorten them). The dates
    are two weeks starting three weeks from ``today``: still ahead when bench/soak.py moves the
    bot's clock on by two weeks, and never only holidays."""
    start = today + timedelta(days=21)
    end = start + timedelta(days=13)
    return [
        (False, "/request"),
        (False, "Белозерская"),
        (True, ui.shorten(org, 60)),
        (True, ui.shorten(topic, 28)),
        (True, texts.FORMAT_TITLES["webinar"]),
        (True, texts.AUDIENCE_TITLES["doc"]),
        (True, ui.BTN_DONE),
        (False, "25"),
        (False, f"{start:%d.%m}–{end:%d.%m}"),
        (False, "Иванова Мария, 8 921 123-45-67"),
        (False, "Нужен разбор закрытия ЭЛН"),
        (True, texts.BTN_SUBMIT),
    ]


def _typed(text: str) -> Step:
    return lambda person: _message(person, text)


def _pressed(caption: str) -> Step:
    return lambda person: f"{PRESS}{person} {caption}"


class Form:
    """The training-request form (``request_form``), each step one update. Typed answers are
    messages; a press is a marker naming the button's caption, made into the press of that
    button on the tutor's newest message when it is parsed.

    Each tutor's place in the form is kept from one mix to the next: the mixes are fed one
    after another, and a form left in the middle would be resumed by «/request»."""

    def __init__(self, org: str, topic: str, today: date) -> None:
        self.steps = [
            _pressed(text) if pressed else _typed(text)
            for pressed, text in request_form(org, topic, today)
        ]
        self.done: dict[int, int] = {}

    def next_step(self, tutor: int) -> dict[str, Any] | str:
        done = self.done.get(tutor, 0)
        self.done[tutor] = done + 1
        return self.steps[done % len(self.steps)](tutor)


def mix(count: int, material_ids: list[int], form: Form, seed: int) -> Raw:
    rng = random.Random(seed)
    found = queries()
    people = [5_000_000 + i for i in range(PEOPLE)]
    # Tutors are busy with their forms here; everyone else searches, opens and browses.
    tutors, others = people[:TUTORS], people[TUTORS:]
    last_step = {t: -FORM_GAP for t in tutors}
    out: list[dict[str, Any] | str] = []
    for i in range(count):
        roll = rng.random()
        person = rng.choice(others)
        if roll < 0.60:
            out.append(_message(person, rng.choice(found)))
        elif roll < 0.75:
            action = rng.choice([MaterialAction.OPEN, MaterialAction.GET])
            data = MaterialCallback(action=action, id=rng.choice(material_ids), src=Source.SEARCH)
            out.append(_callback(person, data.pack()))
        elif roll < 0.85:
            out.append(_inline(person, rng.choice(found)[:40]))
        elif roll < 0.95:
            free = [t for t in tutors if i - last_step[t] >= FORM_GAP]
            tutor = rng.choice(free) if free else min(tutors, key=last_step.__getitem__)
            last_step[tutor] = i
            out.append(form.next_step(tutor))
        else:
            other = rng.choice(["/start", "/help", "browse", "/subscribe"])
            if other == "browse":
                data = BrowseCallback(action=BrowseAction.TOPICS).pack()
                out.append(_callback(person, data))
            else:
                out.append(_message(person, other))
    return [u if isinstance(u, str) else json.dumps(u, ensure_ascii=False) for u in out]


async def full_stack(tmp: Path) -> tuple[Dispatcher, Bot, Database, list[int], Form]:
    db = Database(tmp / "bot.sqlite3")
    await db.connect()
    repo = CatalogRepo(db)
    await repo.ensure_topics()
    await OrgRepo(db).ensure_seeded()
    source = SHARED / "materials.csv"
    if not source.exists():
        source = ROOT / "catalog" / "data" / "demo_materials.csv"
    await import_file(repo, source.read_bytes(), source.name)
    users = UserRepo(db)
    for i in range(TUTORS):
        await users.set_role(5_000_000 + i, Role.TUTOR, changed_by=None)
    # Someone for the requests to go to.
    await users.set_role(4_000_000, Role.METHODOLOGIST, changed_by=None)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, bot_token=TOKEN, database_path=tmp / "bot.sqlite3", weekly_digest=False
    )
    dp = build_dispatcher(settings, db)
    # Three hundred people sharing one bench machine would trip the per-person limits that
    # real people never reach; the limits are not what is measured here.
    throttle = dp["throttle"]
    throttle.limits = {k: Limit(10**9, v.seconds) for k, v in throttle.limits.items()}
    rows = await db.fetchall("SELECT id FROM materials WHERE status = 'active'")
    org = (await OrgRepo(db).find("Белозерская"))[0]
    topic = (await repo.topics())[0]
    # The dates from the bot's own clock and time zone.
    today = db.now().astimezone(settings.tz).date()
    form = Form(org.short_name, topic.title, today)
    bot = Bot(TOKEN, session=session())
    # Started as the runner starts it: the outbox engine delivers what the handlers queue (the
    # requests' cards to the methodologist) and the scheduler keeps its jobs, as in service.
    await dp.emit_startup(**_hooks(dp, bot))
    settle_heap()
    return dp, bot, db, [int(r["id"]) for r in rows], form


def _hooks(dp: Dispatcher, bot: Bot) -> dict[str, Any]:
    return {"bot": bot, "bots": [bot], "dispatcher": dp, **dp.workflow_data}


class ShownSession(RecordingSession):
    """The recording session, keeping only the latest requests: a real session keeps none,
    and sixty thousand kept messages made the garbage collector's full passes the slowest
    part of the bench, for the echo too. It also keeps, per chat, the newest message the bot
    sent or edited there, as the person sees it: the buttons a press is made from."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = deque(maxlen=1_000)  # type: ignore[assignment]
        self.shown: dict[int, Message] = {}
        self.unresolved = 0
        self.waited = 0

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        result = await super().make_request(bot, method, timeout)
        if isinstance(result, Message):
            self.shown[result.chat.id] = result
        return result


def session() -> ShownSession:
    return ShownSession()


def _shown(bot: Bot) -> ShownSession:
    recording: BaseSession = bot.session
    assert isinstance(recording, ShownSession)
    return recording


def _button(markup: InlineKeyboardMarkup | None, caption: str) -> str | None:
    """The callback data of the button captioned ``caption``, or of the first one whose caption
    has it in it."""
    buttons = [b for row in (markup.inline_keyboard if markup else []) for b in row]
    for button in buttons:
        if button.text == caption and button.callback_data:
            return button.callback_data
    for button in buttons:
        if caption in button.text and button.callback_data:
            return button.callback_data
    return None


def _press(bot: Bot, item: str) -> Update:
    """A press marker made into the press of its button on the newest message in the tutor's
    chat, carrying that message as it is now (a copy: the message may be edited later)."""
    person, caption = item[len(PRESS) :].split(" ", 1)
    user = int(person)
    recording = _shown(bot)
    shown = recording.shown.get(user)
    data = _button(shown.reply_markup if shown else None, caption)
    payload = _callback(user, data or "unresolved")
    if data is None:
        recording.unresolved += 1
    if shown is not None:
        message = shown.model_dump(mode="json", by_alias=True, exclude_none=True)
        payload["callback_query"]["message"] = message
    return Update.model_validate(payload, context={"bot": bot})


def bare_echo() -> tuple[Dispatcher, Bot]:
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "…")

    dp = Dispatcher()
    dp.include_router(router)
    return dp, Bot(TOKEN, session=session())


# Updates wait as JSON text, as in a getUpdates answer, and are parsed just before they are
# fed, outside the clock. Ten thousand parsed updates (or finished tasks) held for a whole
# round made every full garbage collection walk them: a cost polling never has, and one that
# grew with how much each update allocates rather than with what the bot does.
Raw = list[str]


def _parse(bot: Bot, item: str) -> Update:
    if item.startswith(PRESS):
        return _press(bot, item)
    return Update.model_validate_json(item, context={"bot": bot})


def _sender(update: Update) -> int | None:
    user = getattr(update.event, "from_user", None)
    return user.id if user is not None else None


async def sequential(dp: Dispatcher, bot: Bot, raw: Raw) -> list[float]:
    timings = []
    for item in raw:
        update = _parse(bot, item)
        began = time.perf_counter()
        await dp.feed_update(bot, update)
        timings.append(time.perf_counter() - began)
    return timings


async def batched(dp: Dispatcher, bot: Bot, raw: Raw, size: int = 50) -> float:
    spent = 0.0
    for start in range(0, len(raw), size):
        updates = [_parse(bot, item) for item in raw[start : start + size]]
        began = time.perf_counter()
        await asyncio.gather(*(dp.feed_update(bot, u) for u in updates))
        spent += time.perf_counter() - began
    return len(raw) / spent


async def in_flight(dp: Dispatcher, bot: Bot, raw: Raw, limit: int = 50) -> float:
    """As aiogram's polling runs updates with ``tasks_concurrency_limit``: each one a task,
    started as soon as fewer than ``limit`` run, and let go of once done."""
    slots = asyncio.Semaphore(limit)
    running: set[asyncio.Task[None]] = set()
    parsing = 0.0

    async def one(update: Update) -> None:
        try:
            await dp.feed_update(bot, update)
        finally:
            slots.release()

    # Each person's latest update: a press is made from what the bot showed after that person's
    # previous update, so it waits for it (mix() spaces a tutor's steps: this hardly happens).
    latest: dict[int, asyncio.Task[None]] = {}

    began = time.perf_counter()
    for item in raw:
        await slots.acquire()
        if item.startswith(PRESS):
            before = latest.get(int(item[len(PRESS) :].split(" ", 1)[0]))
            if before is not None and not before.done():
                _shown(bot).waited += 1
                await asyncio.wait({before})
        # Nothing else runs while an update is parsed: its time is taken off the round's.
        parse_began = time.perf_counter()
        update = _parse(bot, item)
        task = asyncio.create_task(one(update))
        sender = _sender(update)
        if sender is not None:
            latest[sender] = task
        parsing += time.perf_counter() - parse_began
        running.add(task)
        task.add_done_callback(running.discard)
    while running:
        await asyncio.gather(*running)
    return len(raw) / (time.perf_counter() - began - parsing)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def main_async(count: int, seed: int, profile: bool, rounds: int) -> None:
    echo_dp, echo_bot = bare_echo()
    echo_raw = [json.dumps(_message(7_000_000 + i % PEOPLE, "эхо")) for i in range(count)]
    await sequential(echo_dp, echo_bot, echo_raw[:300])
    full_rates: list[float] = []
    full_batched: list[float] = []
    echo_rates: list[float] = []
    echo_batched: list[float] = []
    timings: list[float] = []
    echo_timings: list[float] = []
    full_flowing: list[float] = []
    echo_flowing: list[float] = []
    profiler = cProfile.Profile() if profile else None
    with tempfile.TemporaryDirectory() as tmp_dir:
        dp, bot, db, material_ids, form = await full_stack(Path(tmp_dir))
        await sequential(dp, bot, mix(300, material_ids, form, seed + 1))
        # Rounds alternate the two, so that neither gets the quieter moments of the machine;
        # the median round is reported.
        for r in range(rounds):
            if profiler:
                profiler.enable()
            t = await sequential(dp, bot, mix(count, material_ids, form, seed + 10 * r))
            if profiler:
                profiler.disable()
            timings += t
            full_rates.append(len(t) / sum(t))
            e = await sequential(echo_dp, echo_bot, echo_raw)
            echo_timings += e
            echo_rates.append(len(e) / sum(e))
            full_batched.append(
                await batched(dp, bot, mix(count, material_ids, form, seed + 10 * r + 2))
            )
            echo_batched.append(await batched(echo_dp, echo_bot, echo_raw))
            full_flowing.append(
                await in_flight(dp, bot, mix(count, material_ids, form, seed + 10 * r + 4))
            )
            echo_flowing.append(await in_flight(echo_dp, echo_bot, echo_raw))
        sent = await db.fetchone("SELECT COUNT(*) AS n FROM requests")
        recording = _shown(bot)
        await dp.emit_shutdown(**_hooks(dp, bot))
        await db.close()

    print(f"training requests sent through the form: {sent['n'] if sent else 0}")
    print(
        f"form presses with no such button on the tutor's newest message: {recording.unresolved}"
        f" (presses that waited for the tutor's previous update: {recording.waited})"
    )
    per_round = " / ".join(
        f"{f:.0f} vs {e:.0f}" for f, e in zip(full_rates, echo_rates, strict=True)
    )
    print(f"rounds, one by one, full vs echo (updates/s): {per_round}")
    full_rate, echo_rate = statistics.median(full_rates), statistics.median(echo_rates)
    full_rate_batched = statistics.median(full_batched)
    echo_rate_batched = statistics.median(echo_batched)
    full_rate_flowing = statistics.median(full_flowing)
    echo_rate_flowing = statistics.median(echo_flowing)
    print(
        f"{count:,} updates x {rounds} rounds:"
        " 60% search, 15% card/get, 10% inline, 10% form, 5% other"
    )
    print(f"{'':24}{'updates/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for name, rate, t in (
        ("full stack, one by one", full_rate, timings),
        ("bare echo, one by one", echo_rate, echo_timings),
    ):
        print(f"{name:24}{rate:12.0f}{pct(t, 0.5):10.2f}{pct(t, 0.99):10.2f}{max(t) * 1000:10.2f}")
    print(f"{'full stack, batches of 50':24}{full_rate_batched:12.0f}")
    print(f"{'bare echo, batches of 50':24}{echo_rate_batched:12.0f}")
    print(f"{'full stack, 50 in flight':24}{full_rate_flowing:12.0f}")
    print(f"{'bare echo, 50 in flight':24}{echo_rate_flowing:12.0f}")
    print(
        f"\nfull stack / bare echo: {full_rate / echo_rate:.1%} one by one,"
        f" {full_rate_batched / echo_rate_batched:.1%} in batches,"
        f" {full_rate_flowing / echo_rate_flowing:.1%} with 50 in flight (floor: 30% one by one);"
        f" p99 {pct(timings, 0.99):.2f} ms (target <= 25 ms)"
    )
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(35)
        stats.sort_stats("tottime").print_stats(40)
        stats.sort_stats("cumulative").print_stats("handlers/", 30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    asyncio.run(main_async(args.updates, args.seed, args.profile, args.rounds))


if __name__ == "__main__":
    main()
