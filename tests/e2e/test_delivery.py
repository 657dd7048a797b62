"""End to end: the delivery engine against a Telegram that fails the way Telegram fails: an nginx
error page, an answer lost after the message was delivered, a 429 for one chat, a permanent
refusal; and the person's side of it, the report and «Повторить недоставленные»."""

from __future__ import annotations

import asyncio

from bot import ui
from bot.delivery import NOTICE_REPEATED, Delivery
from handlers.broadcasts import texts
from storage.announcements import AnnouncementRepo, Content, Kind, Targets
from storage.chats import ChatRepo
from tests.e2e.helpers import add_to_group, tap, texts_in, wait_until
from tests.e2e.test_broadcasts import compose_to_all
from tests.fakes.people import ADMIN, NURSE, group_chat, message
from tests.fakes.telegram_server import FakeTelegram
from tests.harness import RunningBot, button_data


def copies(server: FakeTelegram, chat_id: int, text: str) -> int:
    return sum(1 for t in texts_in(server, chat_id) if t == text)


async def report_to(running: RunningBot, after: int) -> str:
    call = await running.server.wait_for(
        "sendMessage",
        lambda c: c.params["chat_id"] == ADMIN.id and c.params["text"].startswith("📊"),
        after=after,
        timeout=30,
    )
    return str(call.params["text"])


async def test_an_error_page_and_a_lost_answer_are_retried_and_a_recall_says_what_stays(
    running: RunningBot,
) -> None:
    server = running.server
    groups = [-1101, -1102, -1103]
    for chat_id in groups:
        await add_to_group(running, chat_id, f"МО {-chat_id}")
    server.fail("sendMessage", 502, "", html=True, when=lambda p: p["chat_id"] == -1101, times=2)
    server.fail("sendMessage", 500, "", html=True, when=lambda p: p["chat_id"] == -1103)
    # Delivered, then the connection drops: the bot never learns the message id.
    server.fail("sendMessage", 0, "", dropped=True, when=lambda p: p["chat_id"] == -1102)

    text = "Плановые работы в РМИС в субботу"
    await compose_to_all(running, ADMIN, text)
    seen = len(server.calls)
    await tap(running, ADMIN, texts.BTN_SEND_NOW)
    report = await report_to(running, seen)
    assert "Доставлено 3 из 3, не доставлено 0." in report
    assert [copies(server, c, text) for c in groups] == [1, 2, 1]

    listing = await running.say(ADMIN, "/broadcasts")
    number = listing.params["text"].split("№", 2)[1].split(" ", 1)[0]
    await tap(running, ADMIN, f"№{number}")
    await tap(running, ADMIN, texts.BTN_RECALL)
    seen = len(server.calls)
    await tap(running, ADMIN, texts.BTN_RECALL_YES)
    recall = await report_to(running, seen)
    assert "🗑 отозвано" in recall
    assert "Удалено 3 из 3 сообщений." in recall
    assert texts.RECALL_UNKNOWN.format(count="1 копия") in recall
    # Every copy whose id Telegram gave is gone; the one whose answer was lost stays.
    assert [copies(server, c, text) for c in groups] == [0, 1, 0]


async def test_a_429_for_one_chat_holds_up_only_that_chat(running: RunningBot) -> None:
    server = running.server
    groups = [-1201 - i for i in range(5)]
    for chat_id in groups:
        await add_to_group(running, chat_id)
    throttled = min(groups)  # the first one sent to: rows go in chat id order
    server.fail(
        "sendMessage",
        429,
        "Too Many Requests: retry after 3",
        parameters={"retry_after": 3},
        when=lambda p: p["chat_id"] == throttled,
    )
    assert running.db is not None
    await AnnouncementRepo(running.db).create(
        Kind.BROADCAST, Content(text="Обновление справочников"), Targets(all_chats=True)
    )
    assert running.dp is not None
    running.dp.workflow_data["delivery"].kick()
    await wait_until(lambda: all(copies(server, c, "Обновление справочников") == 1 for c in groups))
    sends = [
        c
        for c in server.calls
        if c.method == "sendMessage" and c.params.get("text") == "Обновление справочников"
    ]
    order = [c.params["chat_id"] for c in sends]
    # The throttled chat was tried first and last: everyone else went while it waited.
    assert order[0] == throttled
    assert order[-1] == throttled
    assert sorted(order[1:-1]) == sorted(c for c in groups if c != throttled)
    assert sends[-1].at - sends[0].at >= 3.0


async def test_failed_rows_are_sent_again_from_the_report(running: RunningBot) -> None:
    server = running.server
    for chat_id in (-1301, -1302):
        await add_to_group(running, chat_id, f"МО {-chat_id}")
    server.fail(
        "sendMessage", 400, "Bad Request: chat not found", when=lambda p: p["chat_id"] == -1302
    )
    text = "Вебинар по ЛЛО переносится"
    await compose_to_all(running, ADMIN, text)
    seen = len(server.calls)
    await tap(running, ADMIN, texts.BTN_SEND_NOW)
    report = await report_to(running, seen)
    assert "Доставлено 1 из 2, не доставлено 1." in report
    assert "❌ МО 1302 — Telegram отклонил сообщение: Bad Request: chat not found" in report
    assert texts.RETRY_HINT in report

    shown = running.server.chat_messages(ADMIN.id)[-1]
    retry = button_data(shown.get("reply_markup"), texts.BTN_RETRY_FAILED.format(count=1))
    seen = len(server.calls)
    answer = await running.press(ADMIN, retry, shown)
    assert "отправляю заново недоставленные (1)" in answer.params["text"]
    again = await report_to(running, seen)
    assert "Доставлено 2 из 2, не доставлено 0." in again
    assert copies(server, -1302, text) == 1
    assert copies(server, -1301, text) == 1


async def test_a_reply_into_a_group_that_removed_the_bot_ends_quietly(
    running: RunningBot,
) -> None:
    server = running.server
    await add_to_group(running, -1001401, "МО 1401")
    server.fail(
        "sendMessage",
        403,
        "Forbidden: bot is not a member of the supergroup chat",
        when=lambda p: p["chat_id"] == -1001401,
        times=5,
    )
    seen = len(server.calls)
    await server.push_update(
        "message", message(ADMIN, "/find больничный", chat=group_chat(-1001401, "МО 1401"))
    )
    assert running.db is not None
    chats = ChatRepo(running.db)

    async def inactive() -> bool:
        chat = await chats.get(-1001401)
        return chat is not None and not chat.active

    for _ in range(200):
        if await inactive():
            break
        await asyncio.sleep(0.05)
    assert await inactive()
    tried = [c for c in server.calls[seen:] if c.params.get("chat_id") == -1001401]
    # One answer was refused; no apology followed it into the same chat.
    assert [c.method for c in tried] == ["sendMessage"]


async def test_the_same_notice_goes_once_an_hour_and_the_rest_are_summed_up(
    running: RunningBot,
) -> None:
    assert running.db is not None
    delivery = running.dp.workflow_data["delivery"] if running.dp else None
    assert isinstance(delivery, Delivery)
    for n in range(10):
        await delivery.tell([ADMIN.id], f"Бот удалён из чата «МО», раз {n + 1}", about="chat:-1")
    await delivery.tell([ADMIN.id], "Другое уведомление", about="chat:-2")
    await wait_until(lambda: "Другое уведомление" in texts_in(running.server, ADMIN.id))
    notices = [t for t in texts_in(running.server, ADMIN.id) if "Бот удалён" in t]
    assert notices == ["Бот удалён из чата «МО», раз 1"]
    # The summary waits for the end of the hour, with the latest text and the count.
    rows = await running.db.fetchall(
        "SELECT a.content, o.not_before FROM announcements a JOIN outbox o"
        " ON o.announcement_id = a.id WHERE o.status = 'pending'"
    )
    assert len(rows) == 1
    summary = Content.loads(rows[0]["content"]).text
    assert summary == NOTICE_REPEATED.format(count="9 раз", text="Бот удалён из чата «МО», раз 10")


async def test_an_answer_that_meets_a_429_waits_and_is_sent(running: RunningBot) -> None:
    server = running.server
    server.fail(
        "sendMessage",
        429,
        "Too Many Requests: retry after 1",
        parameters={"retry_after": 1},
        when=lambda p: p["chat_id"] == NURSE.id,
        times=2,
    )
    seen = len(server.calls)
    await server.push_update("message", message(NURSE, "/help"))
    await wait_until(lambda: any("/find" in t for t in texts_in(server, NURSE.id)))
    tried = [c for c in server.calls[seen:] if c.params.get("chat_id") == NURSE.id]
    assert [c.method for c in tried] == ["sendMessage"] * 3
    assert ui.APOLOGY not in texts_in(server, NURSE.id)
