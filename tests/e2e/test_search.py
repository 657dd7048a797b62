"""End to end: search where people are. A nurse searches, opens a card, gets the file; groups
(whose results belong to whoever searched, and whose «Получить» goes to the person privately),
small talk and forwarded messages, inline mode, deep links, browsing the catalog, and what a
person may not see of someone else's search or of a held material."""

from __future__ import annotations

import asyncio
from importlib import resources
from pathlib import Path
from typing import Any

from bot import ui
from bot.deeplinks import Route
from bot.deeplinks import link as deeplink
from catalog.model import Kind, MaterialInput
from catalog.pdscan import Finding
from catalog.smalltalk import SmallTalk
from handlers.search import texts
from handlers.search.callbacks import (
    BrowseAction,
    BrowseCallback,
    MaterialAction,
    MaterialCallback,
    SearchAction,
    SearchCallback,
    Source,
)
from storage.catalog import CatalogRepo
from storage.imports import import_file
from storage.users import Role, UserRepo
from tests.e2e.helpers import texts_in
from tests.fakes.people import ADMIN, DOCTOR, NURSE, Person, forwarded_from, message, sticker
from tests.fakes.telegram_server import Call, Json
from tests.harness import RunningBot, button_data, button_texts

FILE_ID = "BQACAgIAAxkBAAIBZmZ-eln-care-pdf"
GROUP = -100777
SENDS = ("sendMessage", "sendDocument", "sendPhoto", "sendVideo")
NOT_STARTED = "Forbidden: bot can't initiate conversation with a user"
LONG_TITLE = "Инструкция по оформлению ЭЛН при уходе за больным членом семьи в стационаре и на дому"


async def seed(running: RunningBot) -> tuple[CatalogRepo, int, int]:
    """Two materials: a PDF in Telegram and a cloud link."""
    assert running.db is not None
    repo = CatalogRepo(running.db)
    await repo.ensure_topics()
    pdf = await repo.create(
        MaterialInput(
            title="ЭЛН по уходу за больным членом семьи",
            kind=Kind.MEMO,
            topics=["eln"],
            description="Оформление листка нетрудоспособности по уходу за ребёнком.",
            tags=["больничный по уходу"],
            file_id=FILE_ID,
            file_unique_id="AgADeln",
            file_name="eln-care.pdf",
            file_type="document",
        )
    )
    link = await repo.create(
        MaterialInput(
            title="Отправка снимка в ЦАМИ",
            kind=Kind.INSTRUCTION,
            topics=["cami"],
            url="https://disk.example.ru/cami",
        )
    )
    return repo, pdf, link


async def demo(running: RunningBot) -> CatalogRepo:
    assert running.db is not None
    repo = CatalogRepo(running.db)
    data = resources.files("catalog.data").joinpath("demo_materials.csv").read_bytes()
    await import_file(repo, data, "demo.csv")
    return repo


async def downloads(repo: CatalogRepo, material_id: int) -> int:
    material = await repo.get(material_id)
    assert material is not None
    return material.downloads


async def logged_searches(running: RunningBot) -> list[tuple[Any, ...]]:
    assert running.db is not None
    # The search log is written in batches; reports flush it first, and so does this test.
    await running.db.flush()
    rows = await running.db.fetchall(
        "SELECT user_id, channel, normalised, results FROM searches ORDER BY id"
    )
    return [tuple(r) for r in rows]


def shown(running: RunningBot, chat_id: int) -> Json:
    return running.server.chat_messages(chat_id)[-1]


def group_chat(forum: bool = False) -> Json:
    return {"id": GROUP, "type": "supergroup", "title": "ЭЛН", "is_forum": forum}


async def find_in_group(running: RunningBot, person: Person, query: str, **extra: Any) -> Call:
    found = message(person, f"/find {query}", chat=group_chat(), **extra)
    return await running.push_and_wait("message", found, GROUP)


def said(running: RunningBot, seen: int, chat_id: int | None = None) -> list[Call]:
    """What the bot sent or edited since ``seen`` (in one chat, if given)."""
    return [
        c
        for c in running.server.calls[seen:]
        if (c.method in SENDS or c.method == "editMessageText")
        and (chat_id is None or c.params.get("chat_id") == chat_id)
    ]


def first_result(markup: Json) -> str:
    return button_texts(markup)[0]


# -- private search, the card and «Получить» -------------------------------------------------


async def test_search_card_get_sends_document_and_counts(running: RunningBot) -> None:
    repo, pdf, _ = await seed(running)

    found = await running.say(NURSE, "больничный по уходу")
    assert "ЭЛН по уходу за больным членом семьи" in found.params["text"]
    assert first_result(found.params["reply_markup"]) == "1. ЭЛН по уходу за больным членом семьи"

    seen = len(running.server.calls)
    await running.click(NURSE, "1. ЭЛН по уходу за больным членом семьи")
    card = await running.server.wait_for("editMessageText", after=seen)
    assert card.params["text"].startswith("<b>ЭЛН по уходу за больным членом семьи</b>")
    assert "📥 Скачиваний: 0" in card.params["text"]
    assert texts.BTN_SHARE in button_texts(card.params["reply_markup"])

    seen = len(running.server.calls)
    await running.click(NURSE, texts.BTN_GET)
    sent = await running.server.wait_for("sendDocument", after=seen)
    assert sent.params["document"] == FILE_ID
    assert sent.params["chat_id"] == NURSE.id
    assert await downloads(repo, pdf) == 1
    assert running.db is not None
    # Counters go to the database in batches; reports flush first, and so does this test.
    await running.db.flush()
    row = await running.db.fetchone("SELECT channel, user_id FROM downloads")
    assert tuple(row) == ("private", NURSE.id)  # type: ignore[arg-type]


async def test_search_is_logged_with_its_normalised_form(running: RunningBot) -> None:
    await seed(running)
    await running.say(NURSE, "  Больничный  по УХОДУ ")
    await running.say(NURSE, "квантовая телепортация")
    assert [(r[0], r[2], r[3]) for r in await logged_searches(running)] == [
        (NURSE.id, "больничный по уходу", 1),
        (NURSE.id, "квантовая телепортация", 0),
    ]


async def test_cloud_link_is_counted_before_it_is_shown(running: RunningBot) -> None:
    repo, _, link = await seed(running)
    await running.say(NURSE, f"/start m_{link}")
    data = MaterialCallback(action=MaterialAction.GET, id=link).pack()
    seen = len(running.server.calls)
    await running.server.push_update(
        "callback_query",
        {
            "id": "9",
            "from": NURSE.as_user(),
            "chat_instance": "c",
            "data": data,
            "message": shown(running, NURSE.id),
        },
    )
    sent = await running.server.wait_for("sendMessage", after=seen)
    assert "https://disk.example.ru/cami" in sent.params["text"]
    assert button_texts(sent.params["reply_markup"]) == [texts.BTN_OPEN_LINK]
    assert await downloads(repo, link) == 1
    assert running.db is not None
    await running.db.flush()
    row = await running.db.fetchone("SELECT channel FROM downloads")
    assert row["channel"] == "link"  # type: ignore[index]


async def test_deep_link_opens_the_card(running: RunningBot) -> None:
    _, pdf, _ = await seed(running)
    card = await running.say(NURSE, f"/start m_{pdf}")
    assert card.params["text"].startswith("<b>ЭЛН по уходу")
    missing = await running.say(NURSE, "/start m_99999")
    assert missing.params["text"] == texts.MATERIAL_GONE_MENU
    assert texts.MATERIAL_GONE in missing.params["text"]


async def test_nothing_found_offers_correction_topics_and_a_wish(running: RunningBot) -> None:
    await seed(running)
    assert running.db is not None
    await UserRepo(running.db).set_role(DOCTOR.id, Role.METHODOLOGIST, changed_by=None)

    # Three edits from «снимка»: beyond what search corrects (two), within «did you mean».
    answer = await running.say(NURSE, "снемокк")
    assert answer.params["text"].startswith("По запросу «снемокк» ничего не нашлось")
    assert "Возможно, вы имели в виду: «снимка»" in answer.params["text"]
    buttons = button_texts(answer.params["reply_markup"])
    assert buttons == ["🔎 Искать «снимка»", texts.BTN_TOPICS, texts.BTN_WISH]

    seen = len(running.server.calls)
    await running.click(NURSE, "🔎 Искать «снимка»")
    results = await running.server.wait_for("editMessageText", after=seen)
    assert "Отправка снимка в ЦАМИ" in results.params["text"]

    seen = len(running.server.calls)
    wish = button_data(answer.params["reply_markup"], texts.BTN_WISH)
    reply = await running.press(NURSE, wish, shown(running, NURSE.id))
    assert "Передали методистам" in reply.params["text"]
    told = await running.server.wait_for(
        "sendMessage", lambda c: c.params["chat_id"] == DOCTOR.id, after=seen
    )
    assert "«снемокк»" in told.params["text"]


async def test_pagination_moves_through_results(running: RunningBot, tmp_path: Path) -> None:
    await demo(running)
    first = await running.say(NURSE, "рмис")
    # The page is named in the text; no button is a counter that does nothing.
    assert " · стр. 1 из " in first.params["text"]
    buttons = button_texts(first.params["reply_markup"])
    assert not [b for b in buttons if "/" in b]
    assert buttons[-1] == texts.BTN_NEXT.format(page=2)
    seen = len(running.server.calls)
    await running.click(NURSE, texts.BTN_NEXT.format(page=2))
    second = await running.server.wait_for("editMessageText", after=seen)
    assert "\n6. " in second.params["text"]
    assert " · стр. 2 из " in second.params["text"]
    assert texts.BTN_PREV.format(page=1) in button_texts(second.params["reply_markup"])
    assert button_texts(second.params["reply_markup"])[0].startswith("6. ")


async def test_catalog_browsing_to_a_card(running: RunningBot) -> None:
    await seed(running)
    topics = await running.say(NURSE, ui.BTN_CATALOG)
    assert "ЭЛН (1)" in button_texts(topics.params["reply_markup"])
    seen = len(running.server.calls)
    await running.click(NURSE, "ЭЛН (1)")
    kinds = await running.server.wait_for("editMessageText", after=seen)
    assert "Памятка (1)" in button_texts(kinds.params["reply_markup"])
    seen = len(running.server.calls)
    await running.click(NURSE, "Памятка (1)")
    listing = await running.server.wait_for("editMessageText", after=seen)
    assert "1. <b>ЭЛН по уходу за больным членом семьи</b>" in listing.params["text"]
    assert "1 материал" in listing.params["text"]
    seen = len(running.server.calls)
    await running.click(NURSE, "1. ЭЛН по уходу за больным членом семьи")
    card = await running.server.wait_for("editMessageText", after=seen)
    assert ui.BTN_BACK in button_texts(card.params["reply_markup"])
    seen = len(running.server.calls)
    await running.click(NURSE, ui.BTN_BACK)
    back = await running.server.wait_for("editMessageText", after=seen)
    assert back.params["text"] == listing.params["text"]


async def test_inline_results_are_valid_and_choice_is_counted(running: RunningBot) -> None:
    assert running.db is not None
    repo = CatalogRepo(running.db)
    await repo.ensure_topics()
    for n in range(30):
        await repo.create(
            MaterialInput(
                title=f"ЭЛН: памятка номер {n}",
                kind=Kind.MEMO,
                topics=["eln"],
                file_id=f"file-{n}",
                file_unique_id=f"u{n}",
                file_type="document",
            )
        )
    query = {"id": "iq1", "from": NURSE.as_user(), "query": "элн", "offset": ""}
    seen = len(running.server.calls)
    await running.server.push_update("inline_query", query)
    answer = await running.server.wait_for("answerInlineQuery", after=seen)
    results = answer.params["results"]
    assert 0 < len(results) <= 50
    assert len({r["id"] for r in results}) == len(results)
    assert all(len(r["id"].encode()) <= 64 for r in results)
    assert results[0]["type"] == "document"
    assert answer.params["next_offset"] == "20"
    # The kind's icon and the kind and direction of each result.
    assert all(
        r["title"].startswith(texts.KIND_ICONS[Kind.MEMO] + " ЭЛН: памятка") for r in results
    )
    assert all(r["description"].startswith("Памятка · ЭЛН") for r in results)
    assert "button" not in answer.params

    await running.server.push_update(
        "inline_query", {"id": "iq2", "from": NURSE.as_user(), "query": "", "offset": ""}
    )
    popular = await running.server.wait_for("answerInlineQuery", after=seen + 1)
    assert popular.params["results"]

    chosen = results[0]["id"]
    await running.server.push_update(
        "chosen_inline_result", {"result_id": chosen, "from": NURSE.as_user(), "query": "элн"}
    )
    for _ in range(100):
        if await downloads(repo, int(chosen)) == 1:
            break
        await asyncio.sleep(0.02)
    assert await downloads(repo, int(chosen)) == 1


async def test_forged_material_callback_is_harmless(running: RunningBot) -> None:
    answer = await running.press(
        NURSE, MaterialCallback(action=MaterialAction.GET, id=424242).pack()
    )
    assert answer.params["text"] == texts.MATERIAL_GONE
    # A search id nobody gave this person: its buttons are not theirs, whatever it names.
    forged = await running.press(NURSE, SearchCallback(action=SearchAction.PAGE, qid=999999).pack())
    assert forged.params["text"] == texts.SEARCH_NOT_YOURS


# -- groups ----------------------------------------------------------------------------------


async def test_find_in_a_group_answers_in_the_same_thread(running: RunningBot) -> None:
    await seed(running)
    forum = group_chat(forum=True)
    find = message(NURSE, "/find цами", chat=forum, message_thread_id=42, is_topic_message=True)
    answer = await running.push_and_wait("message", find, GROUP)
    assert "Отправка снимка в ЦАМИ" in answer.params["text"]
    assert answer.params["message_thread_id"] == 42

    bare = message(NURSE, "/find", chat=forum, message_thread_id=42, is_topic_message=True)
    usage = await running.push_and_wait("message", bare, GROUP)
    assert usage.params["text"] == texts.FIND_USAGE


async def test_in_a_group_only_the_searcher_moves_their_results(running: RunningBot) -> None:
    await demo(running)
    found = await find_in_group(running, NURSE, "рмис")
    results_text = found.params["text"]
    number = first_result(found.params["reply_markup"])
    next_page = texts.BTN_NEXT.format(page=2)

    # Someone else presses a page and a number: a short note, and the list stays as it is.
    seen = len(running.server.calls)
    for caption in (next_page, number):
        note = await running.click(DOCTOR, caption, chat_id=GROUP)
        assert note.params["text"] == texts.SEARCH_NOT_YOURS
        assert note.params["show_alert"] is True
    await running.quiet()
    assert said(running, seen) == []
    assert shown(running, GROUP)["text"] == results_text

    # The searcher's own presses work: the card, then someone else presses its Back.
    seen = len(running.server.calls)
    await running.click(NURSE, number, chat_id=GROUP)
    card = await running.server.wait_for("editMessageText", after=seen)
    assert ui.BTN_BACK in button_texts(card.params["reply_markup"])
    # No methodologist's buttons in a group, even for a methodologist's card.
    assert running.db is not None
    await UserRepo(running.db).set_role(DOCTOR.id, Role.METHODOLOGIST, changed_by=None)
    seen = len(running.server.calls)
    note = await running.click(DOCTOR, ui.BTN_BACK, chat_id=GROUP)
    assert note.params["text"] == texts.SEARCH_NOT_YOURS
    await running.quiet()
    assert said(running, seen) == []
    assert shown(running, GROUP)["text"] == card.params["text"]

    seen = len(running.server.calls)
    await running.click(NURSE, ui.BTN_BACK, chat_id=GROUP)
    back = await running.server.wait_for("editMessageText", after=seen)
    assert back.params["text"] == results_text


async def test_nothing_found_in_a_group_offers_no_browsing(running: RunningBot) -> None:
    await seed(running)
    nothing = await find_in_group(running, NURSE, "квантовая телепортация")
    assert texts.BTN_TOPICS not in button_texts(nothing.params["reply_markup"])
    assert texts.BTN_WISH in button_texts(nothing.params["reply_markup"])
    note = await running.click(DOCTOR, texts.BTN_WISH, chat_id=GROUP)
    assert note.params["text"] == texts.SEARCH_NOT_YOURS
    # The catalog's buttons are not for groups: a forged one changes nothing there.
    seen = len(running.server.calls)
    forged = await running.press(
        DOCTOR, BrowseCallback(action=BrowseAction.TOPICS).pack(), shown(running, GROUP)
    )
    assert forged.params["text"] == ui.STALE_BUTTON
    await running.quiet()
    assert said(running, seen) == []


async def test_get_in_a_group_sends_the_material_privately(running: RunningBot) -> None:
    repo, pdf, link = await seed(running)
    await find_in_group(running, NURSE, "больничный по уходу")
    await running.click(NURSE, first_result(shown(running, GROUP)["reply_markup"]), GROUP)
    await running.quiet()

    seen = len(running.server.calls)
    answer = await running.click(NURSE, texts.BTN_GET, chat_id=GROUP)
    assert answer.params["text"] == texts.SENT_PRIVATELY
    assert not answer.params.get("show_alert")
    await running.quiet()
    sent = said(running, seen)
    assert [(c.method, c.params["chat_id"]) for c in sent] == [("sendDocument", NURSE.id)]
    assert sent[0].params["document"] == FILE_ID
    assert await downloads(repo, pdf) == 1

    # Anyone in the group may get the material on the card: it goes to them, not the chat.
    seen = len(running.server.calls)
    await running.click(DOCTOR, texts.BTN_GET, chat_id=GROUP)
    await running.quiet()
    assert [(c.method, c.params["chat_id"]) for c in said(running, seen)] == [
        ("sendDocument", DOCTOR.id)
    ]
    assert running.db is not None
    await running.db.flush()
    rows = await running.db.fetchall("SELECT user_id, chat_id, channel FROM downloads ORDER BY id")
    assert [tuple(r) for r in rows] == [
        (NURSE.id, NURSE.id, "group"),
        (DOCTOR.id, DOCTOR.id, "group"),
    ]

    # A cloud link goes privately too.
    await find_in_group(running, NURSE, "цами")
    await running.click(NURSE, first_result(shown(running, GROUP)["reply_markup"]), GROUP)
    await running.quiet()
    seen = len(running.server.calls)
    await running.click(NURSE, texts.BTN_GET, chat_id=GROUP)
    await running.quiet()
    sent = said(running, seen)
    assert [(c.method, c.params["chat_id"]) for c in sent] == [("sendMessage", NURSE.id)]
    assert "https://disk.example.ru/cami" in sent[0].params["text"]
    assert await downloads(repo, link) == 1


async def test_get_in_a_group_by_someone_who_never_started_the_bot(running: RunningBot) -> None:
    repo, pdf, _ = await seed(running)
    await find_in_group(running, NURSE, "больничный по уходу")
    await running.click(NURSE, first_result(shown(running, GROUP)["reply_markup"]), GROUP)
    await running.quiet()
    running.server.fail("sendDocument", 403, NOT_STARTED, when=lambda p: p["chat_id"] == DOCTOR.id)

    seen = len(running.server.calls)
    answer = await running.click(DOCTOR, texts.BTN_GET, chat_id=GROUP)
    assert answer.params["text"] == texts.OPEN_BOT_ALERT
    await running.quiet()
    sent = said(running, seen)
    # No file in the chat: a note to the person with a button that opens the bot.
    assert [c.method for c in sent if c.params["chat_id"] == GROUP] == ["sendMessage"]
    note = sent[-1]
    assert note.params["text"] == texts.open_bot(DOCTOR.first_name)
    url = note.params["reply_markup"]["inline_keyboard"][0][0]["url"]
    assert url == f"https://t.me/mct_test_bot?start=m_{pdf}"
    assert await downloads(repo, pdf) == 0

    # Following it, the person has the card in private, and «Получить» sends the file there.
    card = await running.say(DOCTOR, "/start " + url.rsplit("=", 1)[1])
    assert card.params["text"].startswith("<b>ЭЛН по уходу")
    seen = len(running.server.calls)
    await running.click(DOCTOR, texts.BTN_GET)
    got = await running.server.wait_for("sendDocument", after=seen)
    assert got.params["chat_id"] == DOCTOR.id
    assert await downloads(repo, pdf) == 1


# -- small talk and forwarded messages --------------------------------------------------------


async def test_small_talk_gets_a_kind_word_and_is_not_a_search(running: RunningBot) -> None:
    await seed(running)
    assert running.db is not None
    said_kindly = {
        "спасибо": texts.small_talk(SmallTalk.THANKS, NURSE.first_name),
        "Спасибо большое!": texts.small_talk(SmallTalk.THANKS, NURSE.first_name),
        "cgfcb,j": texts.small_talk(SmallTalk.THANKS, NURSE.first_name),
        "привет": texts.small_talk(SmallTalk.GREETING, NURSE.first_name),
        "Добрый день": texts.small_talk(SmallTalk.GREETING, NURSE.first_name),
        "всем привет)": texts.small_talk(SmallTalk.GREETING, NURSE.first_name),
        "ок": texts.small_talk(SmallTalk.OTHER, NURSE.first_name),
        "Понятно, спасибо": texts.small_talk(SmallTalk.THANKS, NURSE.first_name),
        "👍": texts.small_talk(SmallTalk.OTHER, NURSE.first_name),
        "+": texts.small_talk(SmallTalk.OTHER, NURSE.first_name),
    }
    for typed, expected in said_kindly.items():
        answer = await running.say(NURSE, typed)
        assert answer.params["text"] == expected, typed
        assert "ничего не нашлось" not in answer.params["text"]
        assert "Возможно, вы имели в виду" not in answer.params["text"]
    # A greeting may be someone's first message: it comes with the menu, and their name.
    greeting = await running.say(NURSE, "здравствуйте")
    assert NURSE.first_name in greeting.params["text"]
    assert ui.BTN_CATALOG in button_texts(greeting.params["reply_markup"])
    reply = await running.push_and_wait("message", sticker(NURSE), NURSE.id)
    assert reply.params["text"] == texts.small_talk(SmallTalk.OTHER, NURSE.first_name)

    # A real query after them is searched, and only it is in the log that the «Не нашли»
    # report and the digest read.
    found = await running.say(NURSE, "спасибо за памятку по уходу")
    assert "ЭЛН по уходу" in found.params["text"]
    nothing = await running.say(NURSE, "квантовая телепортация")
    assert "ничего не нашлось" in nothing.params["text"]
    assert [r[2] for r in await logged_searches(running)] == [
        "спасибо за памятку по уходу",
        "квантовая телепортация",
    ]
    failed = await running.db.fetchall("SELECT normalised FROM searches WHERE results = 0")
    assert [r["normalised"] for r in failed] == ["квантовая телепортация"]


async def test_a_forwarded_message_is_not_a_search(running: RunningBot) -> None:
    await seed(running)
    forwarded = forwarded_from(DOCTOR, by=NURSE, text="больничный по уходу")
    hint = await running.push_and_wait("message", forwarded, NURSE.id)
    assert hint.params["text"] == texts.FORWARDED
    # An admin is reminded how a forwarded message gives its author a role.
    forwarded = forwarded_from(NURSE, by=ADMIN, text="больничный по уходу")
    hint = await running.push_and_wait("message", forwarded, ADMIN.id)
    assert hint.params["text"] == texts.FORWARDED + "\n" + texts.FORWARDED_ADMIN
    assert await logged_searches(running) == []


# -- what results look like ------------------------------------------------------------------


async def test_titles_are_cut_at_a_word_and_counts_agree(running: RunningBot) -> None:
    assert running.db is not None
    repo = CatalogRepo(running.db)
    await repo.ensure_topics()
    await repo.create(
        MaterialInput(
            title=LONG_TITLE,
            kind=Kind.INSTRUCTION,
            topics=["eln"],
            url="https://disk.example.ru/eln-long",
        )
    )
    one = await running.say(NURSE, "инструкция по оформлению ЭЛН при уходе")
    assert one.params["text"].startswith("🔎 Нашёлся 1 материал по запросу")
    button = first_result(one.params["reply_markup"])
    assert button == "1. " + ui.shorten(LONG_TITLE, texts.BUTTON_TITLE)
    assert button.endswith("…")
    assert button.startswith("1. Инструкция по оформлению ЭЛН")
    # Cut at a word: what is left before «…» is whole words of the title.
    assert LONG_TITLE.startswith(button[3:-1])
    assert LONG_TITLE[len(button) - 4] == " "

    for n in range(2, 13):
        await repo.create(
            MaterialInput(
                title=f"Памятка по ЭЛН часть {n}",
                kind=Kind.MEMO,
                topics=["eln"],
                url=f"https://disk.example.ru/eln/{n}",
            )
        )
    many = await running.say(NURSE, "памятка по ЭЛН часть")
    assert many.params["text"].startswith("🔎 Нашлось 11 материалов по запросу")
    card = await running.say(NURSE, f"/start m_{await title_id(repo, LONG_TITLE)}")
    assert "ЭЛН" in card.params["text"]


async def title_id(repo: CatalogRepo, title: str) -> int:
    records = await repo.export_records()
    return next(int(r["id"]) for r in records if r["title"] == title)


async def test_every_result_button_works(running: RunningBot) -> None:
    await demo(running)
    found = await running.say(NURSE, "рмис")
    for row in found.params["reply_markup"]["inline_keyboard"]:
        for button in row:
            seen = len(running.server.calls)
            answer = await running.press(NURSE, button["callback_data"], shown(running, NURSE.id))
            assert not answer.params.get("show_alert"), button["text"]
            edited = await running.server.wait_for("editMessageText", after=seen)
            assert edited.params["text"]
            # Back to the list for the next one.
            await running.say(NURSE, "рмис")


# -- a material that is no more ----------------------------------------------------------------


async def test_a_gone_material_ends_with_the_main_menu(running: RunningBot) -> None:
    repo, pdf, _ = await seed(running)
    assert running.db is not None
    gone = await running.say(NURSE, "/start m_424242")
    assert gone.params["text"] == texts.MATERIAL_GONE_MENU
    assert ui.BTN_CATALOG in button_texts(gone.params["reply_markup"])

    # A list and a card on the screen, then the material is withdrawn: their buttons lead to
    # the menu.
    await running.say(NURSE, "больничный по уходу")
    await running.say(NURSE, "больничный по уходу")
    await running.click(NURSE, "1. ЭЛН по уходу за больным членом семьи")
    await running.quiet()
    await repo.set_status(pdf, "archived")
    seen = len(running.server.calls)
    await running.click(NURSE, texts.BTN_GET)
    menu = await running.server.wait_for("sendMessage", after=seen)
    assert menu.params["text"] == texts.MATERIAL_GONE_MENU
    assert ui.BTN_CATALOG in button_texts(menu.params["reply_markup"])
    assert not running.server.calls_of("sendDocument")
    # The number on the older list (the newest is the card now).
    seen = len(running.server.calls)
    await running.click(NURSE, "1. ЭЛН по уходу за больным членом семьи")
    menu = await running.server.wait_for("sendMessage", after=seen)
    assert menu.params["text"] == texts.MATERIAL_GONE_MENU
    # Its old link too.
    old = await running.say(NURSE, f"/start m_{pdf}")
    assert old.params["text"] == texts.MATERIAL_GONE_MENU


# -- inline mode -----------------------------------------------------------------------------


async def test_inline_result_describes_kind_and_direction(running: RunningBot) -> None:
    await seed(running)
    seen = len(running.server.calls)
    await running.server.push_update(
        "inline_query", {"id": "iq", "from": NURSE.as_user(), "query": "цами", "offset": ""}
    )
    answer = await running.server.wait_for("answerInlineQuery", after=seen)
    (result,) = answer.params["results"]
    assert result["title"] == f"{texts.KIND_ICONS[Kind.INSTRUCTION]} Отправка снимка в ЦАМИ"
    assert result["description"] == "Инструкция · ЦАМИ и диагностика"


async def test_inline_query_that_finds_nothing_offers_the_bot(running: RunningBot) -> None:
    await seed(running)
    seen = len(running.server.calls)
    await running.server.push_update(
        "inline_query",
        {"id": "iq", "from": NURSE.as_user(), "query": "квантовая телепортация", "offset": ""},
    )
    answer = await running.server.wait_for("answerInlineQuery", after=seen)
    assert answer.params["results"] == []
    button = answer.params["button"]
    assert button["text"] == texts.INLINE_OPEN_BOT
    start = button["start_parameter"]
    assert start.startswith("q_")
    assert len(start) <= 64

    # «Открыть бота» runs the same search in private, where one can ask for the material.
    nothing = await running.say(NURSE, f"/start {start}")
    assert nothing.params["text"].startswith("По запросу «квантовая телепортация» ничего")
    assert texts.BTN_WISH in button_texts(nothing.params["reply_markup"])

    # A long query is cut at a word to fit the link; an empty one gets the hint.
    seen = len(running.server.calls)
    long_query = "квантовая телепортация " * 6
    await running.server.push_update(
        "inline_query", {"id": "iq2", "from": NURSE.as_user(), "query": long_query, "offset": ""}
    )
    answer = await running.server.wait_for("answerInlineQuery", after=seen)
    start = answer.params["button"]["start_parameter"]
    assert len(start) <= 64
    nothing = await running.say(NURSE, f"/start {start}")
    assert "квантовая телепортация" in nothing.params["text"]
    hint = await running.say(NURSE, "/start q_0")
    assert hint.params["text"] == texts.SEARCH_HINT


# -- what a person may not see ---------------------------------------------------------------


async def held_material(running: RunningBot) -> int:
    assert running.db is not None
    repo = CatalogRepo(running.db)
    await repo.ensure_topics()
    material = await repo.create(
        MaterialInput(
            title="Направление Петрова И.И., СНИЛС 112-233-445 95",
            kind=Kind.INSTRUCTION,
            topics=["mse"],
            url="https://disk.example.ru/held",
        )
    )
    finding = Finding("snils", "название", "112-•••-••• 95")
    await repo.hold(material, [finding], by=None)
    return material


async def test_a_held_material_is_shown_to_methodologists_only(running: RunningBot) -> None:
    material = await held_material(running)
    forged = MaterialCallback(action=MaterialAction.OPEN, id=material).pack()
    answer = await running.press(NURSE, forged)
    assert answer.params["text"] == texts.MATERIAL_GONE
    got = MaterialCallback(action=MaterialAction.GET, id=material).pack()
    assert (await running.press(NURSE, got)).params["text"] == texts.MATERIAL_GONE
    link = deeplink("mct_test_bot", Route.MATERIAL, material).rsplit("=", 1)[1]
    opened = await running.say(NURSE, f"/start {link}")
    assert opened.params["text"] == texts.MATERIAL_GONE_MENU
    assert not any("Петрова" in t for t in texts_in(running.server, NURSE.id))

    assert running.db is not None
    await UserRepo(running.db).set_role(DOCTOR.id, Role.METHODOLOGIST, changed_by=None)
    card = await running.say(DOCTOR, f"/start {link}")
    assert "Направление Петрова" in card.params["text"]
    assert texts.MATERIAL_ARCHIVED in card.params["text"]


async def search_as(running: RunningBot, person: Person, query: str) -> MaterialCallback:
    """A search that found something; returns what its first number button carries."""
    found = await running.say(person, query)
    markup = found.params["reply_markup"]
    data = next(
        b["callback_data"]
        for row in markup["inline_keyboard"]
        for b in row
        if b.get("callback_data", "").startswith("m:")
    )
    return MaterialCallback.unpack(data)


async def test_someone_elses_search_answers_only_its_owner(running: RunningBot) -> None:
    assert running.db is not None
    repo = CatalogRepo(running.db)
    await repo.ensure_topics()
    for n in range(7):
        await repo.create(
            MaterialInput(
                title=f"Памятка по ЭЛН часть {n + 1}",
                kind=Kind.MEMO,
                topics=["eln"],
                url=f"https://disk.example.ru/eln/{n}",
            )
        )
    owned = await search_as(running, DOCTOR, "памятка ЭЛН Петров +79211234567")
    qid, sig = owned.qid, owned.sig
    seen = len(running.server.calls)
    for forged in (
        SearchCallback(action=SearchAction.PAGE, qid=qid, page=1).pack(),
        SearchCallback(action=SearchAction.PAGE, qid=qid, page=1, sig=sig).pack(),
        SearchCallback(action=SearchAction.WISH, qid=qid, sig=sig).pack(),
        MaterialCallback(
            action=MaterialAction.OPEN, id=owned.id, src=Source.SEARCH, qid=qid, sig=sig
        ).pack(),
    ):
        answer = await running.press(NURSE, forged)
        assert answer.params["text"] == texts.SEARCH_NOT_YOURS
    later = running.server.calls[seen:]
    assert not [c for c in later if c.method in ("editMessageText", "sendMessage")]
    assert not any("79211234567" in t for t in texts_in(running.server, NURSE.id))
    # The owner's own buttons work.
    on_screen = running.server.chat_messages(DOCTOR.id)[-1]
    page = SearchCallback(action=SearchAction.PAGE, qid=qid, page=1, sig=sig).pack()
    assert page in str(on_screen["reply_markup"])
    seen = len(running.server.calls)
    answer = await running.press(DOCTOR, page, on_screen)
    assert not answer.params.get("show_alert")
    turned = await running.server.wait_for("editMessageText", after=seen)
    assert "Памятка по ЭЛН" in turned.params["text"]


# -- issue 18's figure: taps and messages from a search to an opened material -----------------


def journey(running: RunningBot, seen: int) -> dict[str, int]:
    calls = running.server.calls[seen:]
    return {
        "new_messages": sum(c.method in SENDS for c in calls),
        "edits": sum(c.method == "editMessageText" for c in calls),
        "into_group": sum(c.method in SENDS and c.params.get("chat_id") == GROUP for c in calls),
    }


async def test_a_search_to_an_opened_material_takes_one_message_and_two_taps(
    running: RunningBot,
) -> None:
    """Private: the query typed, its result tapped, «Получить» tapped; in a group the same with
    /find, and the file arrives in private."""
    await seed(running)
    await running.say(NURSE, "/start")
    await running.quiet()

    seen = len(running.server.calls)
    found = await running.say(NURSE, "больничный по уходу")
    await running.click(NURSE, first_result(found.params["reply_markup"]))
    await running.quiet()
    await running.click(NURSE, texts.BTN_GET)
    await running.quiet()
    assert journey(running, seen) == {"new_messages": 2, "edits": 1, "into_group": 0}
    assert running.server.calls_of("sendDocument")[-1].params["chat_id"] == NURSE.id

    seen = len(running.server.calls)
    found = await find_in_group(running, NURSE, "больничный по уходу")
    await running.click(NURSE, first_result(found.params["reply_markup"]), GROUP)
    await running.quiet()
    await running.click(NURSE, texts.BTN_GET, GROUP)
    await running.quiet()
    # The results go into the group, the file to the person only.
    assert journey(running, seen) == {"new_messages": 2, "edits": 1, "into_group": 1}
    assert running.server.calls_of("sendDocument")[-1].params["chat_id"] == NURSE.id
