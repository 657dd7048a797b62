"""End to end: a nurse searches, opens a card, gets the file; groups, inline, deep links."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot import texts
from bot.callbacks import MaterialAction, MaterialCallback, SearchCallback
from catalog.model import Kind, MaterialInput
from storage.catalog import CatalogRepo
from storage.imports import import_file
from storage.users import Role, UserRepo
from tests.conftest import RunningBot, button_data, button_texts
from tests.fakes.people import DOCTOR, NURSE, message

FILE_ID = "BQACAgIAAxkBAAIBZmZ-eln-care-pdf"


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


async def downloads(repo: CatalogRepo, material_id: int) -> int:
    material = await repo.get(material_id)
    assert material is not None
    return material.downloads


def shown(running: RunningBot, chat_id: int) -> dict:  # type: ignore[type-arg]
    return running.server.chat_messages(chat_id)[-1]


async def test_search_card_get_sends_document_and_counts(running: RunningBot) -> None:
    repo, pdf, _ = await seed(running)

    found = await running.say(NURSE, "больничный по уходу")
    assert "ЭЛН по уходу за больным членом семьи" in found.params["text"]
    assert button_texts(found.params["reply_markup"])[0] == "1"

    await running.press(
        NURSE, button_data(found.params["reply_markup"], "1"), shown(running, NURSE.id)
    )
    card = await running.server.wait_for("editMessageText")
    assert card.params["text"].startswith("<b>ЭЛН по уходу за больным членом семьи</b>")
    assert "📥 Скачиваний: 0" in card.params["text"]
    assert texts.BTN_SHARE in button_texts(card.params["reply_markup"])

    seen = len(running.server.calls)
    await running.press(
        NURSE, button_data(card.params["reply_markup"], texts.BTN_GET), shown(running, NURSE.id)
    )
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
    assert running.db is not None
    # The search log is written in batches; reports flush it first, and so does this test.
    await running.db.flush()
    rows = await running.db.fetchall(
        "SELECT user_id, normalised, results FROM searches ORDER BY id"
    )
    assert [tuple(r) for r in rows] == [
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
    assert missing.params["text"] == texts.MATERIAL_GONE


async def test_find_in_a_group_answers_in_the_same_thread(running: RunningBot) -> None:
    await seed(running)
    group = {"id": -100777, "type": "supergroup", "title": "ЭЛН", "is_forum": True}
    find = message(NURSE, "/find цами", chat=group, message_thread_id=42, is_topic_message=True)
    answer = await running.push_and_wait("message", find, -100777)
    assert "Отправка снимка в ЦАМИ" in answer.params["text"]
    assert answer.params["message_thread_id"] == 42

    bare = message(NURSE, "/find", chat=group, message_thread_id=42, is_topic_message=True)
    usage = await running.push_and_wait("message", bare, -100777)
    assert usage.params["text"] == texts.FIND_USAGE


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
    retry = button_data(answer.params["reply_markup"], "🔎 Искать «снимка»")
    await running.press(NURSE, retry, shown(running, NURSE.id))
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
    assert running.db is not None
    repo = CatalogRepo(running.db)
    from importlib import resources

    data = resources.files("catalog.data").joinpath("demo_materials.csv").read_bytes()
    await import_file(repo, data, "demo.csv")
    first = await running.say(NURSE, "рмис")
    assert "1/" in " ".join(button_texts(first.params["reply_markup"]))
    await running.press(
        NURSE, button_data(first.params["reply_markup"], "▶️"), shown(running, NURSE.id)
    )
    second = await running.server.wait_for("editMessageText")
    assert "\n6. " in second.params["text"]
    assert "2/" in " ".join(button_texts(second.params["reply_markup"]))


async def test_catalog_browsing_to_a_card(running: RunningBot) -> None:
    await seed(running)
    topics = await running.say(NURSE, texts.BTN_CATALOG)
    assert "ЭЛН (1)" in button_texts(topics.params["reply_markup"])
    await running.press(
        NURSE, button_data(topics.params["reply_markup"], "ЭЛН (1)"), shown(running, NURSE.id)
    )
    kinds = await running.server.wait_for("editMessageText")
    assert "Памятка (1)" in button_texts(kinds.params["reply_markup"])
    seen = len(running.server.calls)
    await running.press(
        NURSE, button_data(kinds.params["reply_markup"], "Памятка (1)"), shown(running, NURSE.id)
    )
    listing = await running.server.wait_for("editMessageText", after=seen)
    assert "1. <b>ЭЛН по уходу за больным членом семьи</b>" in listing.params["text"]
    seen = len(running.server.calls)
    await running.press(
        NURSE, button_data(listing.params["reply_markup"], "1"), shown(running, NURSE.id)
    )
    card = await running.server.wait_for("editMessageText", after=seen)
    assert texts.BTN_BACK in button_texts(card.params["reply_markup"])


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
    forged = await running.press(NURSE, SearchCallback(action="p", qid=999999).pack())  # type: ignore[arg-type]
    assert forged.params["text"] == texts.SEARCH_NOT_YOURS
