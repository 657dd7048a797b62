"""End to end: methodologists add, edit, archive, version, import and export materials."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook

from bot import texts
from bot.callbacks import DraftAction, DraftCallback
from storage.catalog import CatalogRepo
from storage.users import Role, UserRepo
from tests.conftest import RunningBot, button_data, button_texts, make_settings
from tests.fakes.people import DOCTOR, NURSE, Person, document, message
from tests.fakes.telegram_server import Call, FakeTelegram

METHODIST = DOCTOR


async def make_methodist(running: RunningBot) -> None:
    assert running.db is not None
    await UserRepo(running.db).set_role(METHODIST.id, Role.METHODOLOGIST, changed_by=None)


def last(running: RunningBot, person: Person = METHODIST) -> dict:  # type: ignore[type-arg]
    return running.server.chat_messages(person.id)[-1]


async def tap(running: RunningBot, caption: str, method: str = "sendMessage") -> Call:
    """Press the button with ``caption`` on the methodologist's latest message."""
    shown = last(running)
    seen = len(running.server.calls)
    await running.press(METHODIST, button_data(shown.get("reply_markup"), caption), shown)
    return await running.server.wait_for(method, after=seen)


async def fill_form_to_topics(running: RunningBot) -> None:
    upload = document(METHODIST, "BQAC-eln-care", "ЭЛН_по_уходу_2024.pdf")
    asked = await running.push_and_wait("message", upload, METHODIST.id)
    assert asked.params["text"].startswith("Название материала: «ЭЛН по уходу 2024»")
    ask_description = await running.say(METHODIST, "Памятка: ЭЛН по уходу за ребёнком")
    assert ask_description.params["text"] == texts.ASK_DESCRIPTION
    topics = await tap(running, texts.BTN_SKIP)
    assert topics.params["text"] == texts.ASK_TOPICS


async def test_upload_form_saves_a_findable_material(running: RunningBot) -> None:
    await make_methodist(running)
    await fill_form_to_topics(running)

    toggled = await tap(running, "ЭЛН", method="editMessageReplyMarkup")
    assert "✅ ЭЛН" in button_texts(toggled.params["reply_markup"])
    kind = await tap(running, texts.BTN_DONE)
    assert kind.params["text"] == texts.ASK_KIND
    audience = await tap(running, "Памятка")
    assert audience.params["text"] == texts.ASK_AUDIENCE
    await tap(running, "врачи", method="editMessageReplyMarkup")
    tags = await tap(running, texts.BTN_DONE)
    assert tags.params["text"] == texts.ASK_TAGS
    preview = await running.say(METHODIST, "больничный по уходу, <b>СФР</b>")
    assert preview.params["text"].startswith(texts.PREVIEW_HEADER)
    assert "&lt;b&gt;СФР&lt;/b&gt;" in preview.params["text"]
    assert "👥 врачи" in preview.params["text"]

    seen = len(running.server.calls)
    await tap(running, texts.BTN_SAVE, method="editMessageText")
    card = await running.server.wait_for("sendMessage", after=seen)
    assert card.params["text"].startswith("<b>Памятка: ЭЛН по уходу за ребёнком</b>")
    assert texts.BTN_EDIT in button_texts(card.params["reply_markup"])

    assert running.db is not None
    repo = CatalogRepo(running.db)
    saved = await repo.by_file_unique_id("uniq-BQAC-eln-care")
    assert saved is not None
    assert (saved.kind.value, saved.topics, saved.audience, saved.tags) == (
        "memo",
        ("eln",),
        ("doctor",),
        ("больничный по уходу", "<b>СФР</b>"),
    )
    found = await running.say(NURSE, "больничный по уходу")
    assert "Памятка: ЭЛН по уходу за ребёнком" in found.params["text"]


async def test_the_same_file_twice_offers_the_existing_card(running: RunningBot) -> None:
    await make_methodist(running)
    assert running.db is not None
    repo = CatalogRepo(running.db)
    await repo.ensure_topics()
    from catalog.model import Kind, MaterialInput

    await repo.create(
        MaterialInput(
            title="ЭЛН по уходу",
            kind=Kind.MEMO,
            topics=["eln"],
            file_id="BQAC-eln-care",
            file_unique_id="uniq-BQAC-eln-care",
        )
    )
    seen = len(running.server.calls)
    again = document(METHODIST, "BQAC-other-id", "copy.pdf", unique="uniq-BQAC-eln-care")
    await running.server.push_update("message", again)
    told = await running.server.wait_for("sendMessage", after=seen)
    assert told.params["text"] == texts.DUPLICATE_FILE
    after_told = running.server.calls.index(told) + 1
    card = await running.server.wait_for("sendMessage", after=after_told)
    assert card.params["text"].startswith("<b>ЭЛН по уходу</b>")
    assert await repo.count() == 1


async def test_non_methodologist_cannot_upload_or_save(running: RunningBot) -> None:
    refused = await running.push_and_wait("message", document(NURSE, "BQAC-x", "x.pdf"), NURSE.id)
    assert refused.params["text"] == texts.REFUSED.format(role="методист")
    forged = await running.press(NURSE, DraftCallback(action=DraftAction.SAVE).pack())
    assert forged.params["text"] == texts.REFUSED.format(role="методист")
    assert running.db is not None
    assert await CatalogRepo(running.db).count() == 0


async def test_wrong_input_keeps_the_step(running: RunningBot) -> None:
    await make_methodist(running)
    await running.push_and_wait("message", document(METHODIST, "BQAC-y", "y.pdf"), METHODIST.id)
    sticker_like = message(
        METHODIST,
        None,
        sticker={
            "file_id": "s",
            "file_unique_id": "s",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        },
    )
    hint = await running.push_and_wait("message", sticker_like, METHODIST.id)
    assert hint.params["text"] == texts.TEXT_EXPECTED
    short = await running.say(METHODIST, "ab")
    assert short.params["text"] == texts.ASK_TITLE_EMPTY
    ok = await running.say(METHODIST, "Нормальное название")
    assert ok.params["text"] == texts.ASK_DESCRIPTION


async def test_upload_survives_a_restart(server: FakeTelegram, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, telegram_api_url=server.url)
    first = await RunningBot(server, settings).start()
    await make_methodist(first)
    await fill_form_to_topics(first)
    await tap(first, "ЦАМИ и диагностика", method="editMessageReplyMarkup")
    await first.stop()

    second = await RunningBot(server, settings).start()
    try:
        kind = await tap(second, texts.BTN_DONE)
        assert kind.params["text"] == texts.ASK_KIND
        assert second.db is not None
        fsm = await second.db.fetchone("SELECT data FROM fsm WHERE data LIKE '%cami%'")
        assert fsm is not None
    finally:
        await second.stop()


async def test_link_material_edit_and_archive(running: RunningBot) -> None:
    await make_methodist(running)
    await running.say(METHODIST, "/add")
    asked = await running.say(METHODIST, "https://disk.example.ru/tmk")
    assert asked.params["text"] == texts.ASK_TITLE_EMPTY
    await running.say(METHODIST, "Запрос ТМК врач-врач")
    await tap(running, texts.BTN_SKIP)
    await tap(running, "ТМК", method="editMessageReplyMarkup")
    await tap(running, texts.BTN_DONE)
    await tap(running, "Инструкция")
    await tap(running, texts.BTN_DONE)
    await tap(running, texts.BTN_SKIP)
    seen = len(running.server.calls)
    await tap(running, texts.BTN_SAVE, method="editMessageText")
    await running.server.wait_for("sendMessage", after=seen)

    menu = await tap(running, texts.BTN_EDIT)
    assert "Название" in button_texts(menu.params["reply_markup"])
    ask = await tap(running, "Название")
    assert ask.params["text"].startswith("Название материала: «Запрос ТМК врач-врач»")
    preview = await running.say(METHODIST, "Телемедицинская консультация врач — врач")
    assert preview.params["text"].startswith(texts.PREVIEW_HEADER)
    seen = len(running.server.calls)
    done = await tap(running, texts.BTN_SAVE, method="editMessageText")
    assert done.params["text"] == texts.UPDATED
    card = await running.server.wait_for("sendMessage", after=seen)
    assert card.params["text"].startswith("<b>Телемедицинская консультация врач — врач</b>")

    archived = await tap(running, texts.BTN_ARCHIVE, method="editMessageText")
    assert texts.BTN_RESTORE in button_texts(archived.params["reply_markup"])
    nothing = await running.say(NURSE, "телемедицинская консультация")
    assert nothing.params["text"].startswith("По запросу")
    assert "ничего не нашлось" in nothing.params["text"]


async def test_import_through_the_bot_reports_broken_rows(running: RunningBot) -> None:
    await make_methodist(running)
    csv_bytes = (
        "id,title,description,kind,topics,audience,tags,url,published_at\n"
        ",Памятка по ЛЛО,,memo,llo,,,https://x.example/1,2024-01-02\n"
        ",Без вида,,,llo,,,https://x.example/2,2024-01-02\n"
    ).encode()
    running.server.files["BQAC-import"] = csv_bytes
    asked = await running.say(METHODIST, "/import")
    assert asked.params["text"] == texts.IMPORT_ASK_FILE
    seen = len(running.server.calls)
    await running.server.push_update("message", document(METHODIST, "BQAC-import", "catalog.csv"))
    report = await running.server.wait_for(
        "editMessageText", lambda c: "Импорт завершён" in c.params["text"], after=seen
    )
    assert "новых 1, обновлено 0, с ошибками 1" in report.params["text"]
    assert "строка 3, kind" in report.params["text"]
    assert running.db is not None
    assert await CatalogRepo(running.db).count() == 1


async def test_export_sends_xlsx_and_csv(running: RunningBot) -> None:
    await make_methodist(running)
    assert running.db is not None
    repo = CatalogRepo(running.db)
    await repo.ensure_topics()
    from catalog.model import Kind, MaterialInput

    await repo.create(
        MaterialInput(title="ЛЛО", kind=Kind.MEMO, topics=["llo"], url="https://x.example/3")
    )
    seen = len(running.server.calls)
    await running.server.push_update("message", message(METHODIST, "/export"))
    first = await running.server.wait_for("sendDocument", after=seen)
    await running.server.wait_for("sendDocument", after=running.server.calls.index(first) + 1)
    names = [name for name, _ in running.server.uploads]
    assert names[0].startswith("catalog-")
    assert names[0].endswith(".xlsx")
    assert names[1].endswith(".csv")
    sheet = load_workbook(io.BytesIO(running.server.uploads[0][1])).active
    assert sheet is not None
    assert sheet.cell(2, 2).value == "ЛЛО"
