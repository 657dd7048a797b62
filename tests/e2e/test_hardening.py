"""Abuse protection end to end: per-person throttling by kind of action, with one polite
notice per burst."""

from __future__ import annotations

import asyncio

from bot.middlewares import Limit, Throttle
from bot.ui import StatsAction, StatsCallback
from catalog.model import Kind, MaterialInput
from storage.catalog import CatalogRepo
from tests.fakes.people import ADMIN, DOCTOR, NURSE, message
from tests.harness import RunningBot


async def test_a_search_flood_gets_one_notice_and_others_are_unaffected(
    running: RunningBot,
) -> None:
    assert running.db is not None
    await CatalogRepo(running.db).create(
        MaterialInput("Памятка по ЭЛН", Kind.MEMO, ["eln"], url="https://x.example/1")
    )
    await running.say(NURSE, "/start")
    seen = len(running.server.calls)
    for _ in range(45):
        await running.server.push_update("message", message(NURSE, "ЭЛН"))
    await running.server.wait_for(
        "sendMessage", lambda c: c.params["text"].startswith("Слишком много"), after=seen
    )
    await asyncio.sleep(0.5)
    sent = [c.params["text"] for c in running.server.calls[seen:] if c.method == "sendMessage"]
    results = [t for t in sent if "Памятка по ЭЛН" in t]
    notices = [t for t in sent if t.startswith("Слишком много")]
    assert len(results) == 40
    assert len(notices) == 1
    assert notices[0].startswith("Слишком много запросов подряд. Подождите ")

    # Someone else searching at the same moment is served.
    answer = await running.say(DOCTOR, "ЭЛН")
    assert "Памятка по ЭЛН" in answer.params["text"]


async def test_expensive_actions_have_a_strict_limit(running: RunningBot) -> None:
    assert running.db is not None
    repo = CatalogRepo(running.db)
    material = await repo.create(
        MaterialInput("Памятка по ЭЛН", Kind.MEMO, ["eln"], url="https://x.example/1")
    )
    await repo.record_download(material, NURSE.id, NURSE.id, "private")
    # Charts have a budget of their own (the "chart" kind); pinned here to a strict one, so the
    # test is about the rule whatever the numbers in bot.middlewares.LIMITS.
    assert running.dp is not None
    throttle = running.dp["throttle"]
    assert isinstance(throttle, Throttle)
    throttle.limits = {**throttle.limits, "chart": Limit(4, 60.0)}
    await running.say(ADMIN, "/stats")
    shown = running.server.chat_messages(ADMIN.id)[-1]
    chart = StatsCallback(a=StatsAction.CHART).pack()
    answers = [await running.press(ADMIN, chart, shown) for _ in range(6)]
    await asyncio.sleep(0.3)
    assert len(running.server.calls_of("sendPhoto")) == 4
    assert answers[4].params["text"].startswith("Слишком много запросов подряд")
    assert answers[4].params["show_alert"] is True
    # Every refused press says why: a silent answer would look like a dead button.
    assert answers[5].params["text"].startswith("Слишком много запросов подряд")
    # Plain searches are a different budget: still answered.
    answer = await running.say(ADMIN, "ЭЛН")
    assert "Памятка по ЭЛН" in answer.params["text"]
