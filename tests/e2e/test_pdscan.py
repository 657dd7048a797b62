"""Personal data never slips into the catalog unnoticed: uploads and imports are scanned, a
methodologist hands doubtful materials to the admins, and only an admin publishes anyway."""

from __future__ import annotations

from bot import texts
from bot.callbacks import DraftAction, DraftCallback, HoldAction, HoldCallback
from storage.catalog import CatalogRepo
from tests.conftest import RunningBot, button_data, button_texts
from tests.e2e.test_materials_admin import METHODIST, make_methodist
from tests.fakes.people import ADMIN, Person, document
from tests.fakes.telegram_server import Call
from tests.unit.test_pdscan import _docx


def newest(running: RunningBot, person: Person) -> dict:  # type: ignore[type-arg]
    return running.server.chat_messages(person.id)[-1]


async def press(
    running: RunningBot, person: Person, caption: str, method: str = "sendMessage"
) -> Call:
    shown = newest(running, person)
    seen = len(running.server.calls)
    await running.press(person, button_data(shown.get("reply_markup"), caption), shown)
    return await running.server.wait_for(method, after=seen)


async def upload_to_preview(running: RunningBot, person: Person, file_id: str) -> None:
    """A DOCX with a real-looking СНИЛС in a table, through the whole form to the preview."""
    running.server.files[file_id] = _docx("Образец заполнения: СНИЛС 112-233-445 95")
    upload = document(person, file_id, "Образец_направления.docx")
    upload["document"]["mime_type"] = (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    await running.push_and_wait("message", upload, person.id)
    await running.say(person, "Образец направления на МСЭ")
    await press(running, person, texts.BTN_SKIP)
    await press(running, person, "МСЭ", method="editMessageReplyMarkup")
    await press(running, person, texts.BTN_DONE)
    await press(running, person, "Инструкция")
    await press(running, person, texts.BTN_DONE)
    preview = await press(running, person, texts.BTN_SKIP)
    assert preview.params["text"].startswith(texts.PREVIEW_HEADER)


async def test_methodologist_hands_a_doubtful_material_to_the_admins(running: RunningBot) -> None:
    assert running.db is not None
    await running.say(ADMIN, "/start")
    await running.quiet()  # an admin's first /start also offers the demo catalog
    await make_methodist(running)
    await upload_to_preview(running, METHODIST, "BQAC-pd-1")

    warning = await press(running, METHODIST, texts.BTN_SAVE, method="editMessageText")
    text = warning.params["text"]
    assert text.startswith(texts.PD_HEADER)
    assert "• СНИЛС: 112-•••-••• 95 (текст файла)" in text
    assert "233-445" not in text
    assert button_texts(warning.params["reply_markup"]) == [texts.BTN_PD_HOLD, texts.BTN_CANCEL]
    assert await CatalogRepo(running.db).count() == 0

    # A forged «publish anyway» from a methodologist changes nothing.
    forged = DraftCallback(action=DraftAction.PD_FORCE).pack()
    answer = await running.press(METHODIST, forged, newest(running, METHODIST))
    assert answer.params["text"] == texts.PD_ONLY_ADMIN
    assert await CatalogRepo(running.db).count() == 0

    seen = len(running.server.calls)
    held = await press(running, METHODIST, texts.BTN_PD_HOLD, method="editMessageText")
    assert held.params["text"].startswith("Материал №")
    repo = CatalogRepo(running.db)
    material = (await repo.search("направления МСЭ", include_archived=True)).ids[0]
    saved = await repo.get(material)
    assert saved is not None
    assert not saved.active
    assert (await repo.search("направления МСЭ")).ids == ()

    card = await running.server.wait_for(
        "sendMessage", lambda c: c.params["chat_id"] == ADMIN.id, after=seen
    )
    assert f"Материал №{material} задержан" in card.params["text"]
    assert "СНИЛС: 112-•••-••• 95" in card.params["text"]
    assert button_texts(card.params["reply_markup"]) == [texts.BTN_PD_FORCE, texts.BTN_PD_KEEP]

    # The methodologist cannot decide; the admin can, once.
    decide = HoldCallback(action=HoldAction.PUBLISH, id=material).pack()
    refused = await running.press(METHODIST, decide)
    assert refused.params["text"] == texts.REFUSED.format(role="администратор")
    assert not (await repo.get(material)).active  # type: ignore[union-attr]
    seen = len(running.server.calls)
    done = await press(running, ADMIN, texts.BTN_PD_FORCE, method="answerCallbackQuery")
    assert done.params["text"] == texts.PD_PUBLISHED.format(id=material)
    assert (await repo.get(material)).active  # type: ignore[union-attr]
    told = await running.server.wait_for(
        "sendMessage", lambda c: c.params["chat_id"] == METHODIST.id, after=seen
    )
    assert told.params["text"].startswith("Администратор опубликовал материал")
    again = await running.press(ADMIN, decide)
    assert again.params["text"] == texts.PD_DECIDED


async def test_an_admin_publishes_anyway_after_the_warning(running: RunningBot) -> None:
    assert running.db is not None
    await running.say(ADMIN, "/start")
    await running.quiet()  # an admin's first /start also offers the demo catalog
    await upload_to_preview(running, ADMIN, "BQAC-pd-2")
    warning = await press(running, ADMIN, texts.BTN_SAVE, method="editMessageText")
    assert button_texts(warning.params["reply_markup"]) == [texts.BTN_PD_FORCE, texts.BTN_CANCEL]
    saved = await press(running, ADMIN, texts.BTN_PD_FORCE, method="editMessageText")
    assert saved.params["text"] == texts.SAVED
    found = await CatalogRepo(running.db).search("направления МСЭ")
    assert len(found.ids) == 1


async def test_import_holds_rows_with_personal_data(running: RunningBot) -> None:
    assert running.db is not None
    await running.say(ADMIN, "/start")
    await running.quiet()  # an admin's first /start also offers the demo catalog
    await make_methodist(running)
    running.server.files["BQAC-import-pd"] = (
        "id,title,description,kind,topics,audience,tags,url,published_at\n"
        ",Памятка по ЛЛО,,memo,llo,,,https://x.example/1,2024-01-02\n"
        ",Разбор случая,Звонить Петровой: +7 911 123-45-67,memo,llo,,,https://x.example/2,"
        "2024-01-02\n"
    ).encode()
    await running.say(METHODIST, "/import")
    seen = len(running.server.calls)
    upload = document(METHODIST, "BQAC-import-pd", "catalog.csv")
    await running.server.push_update("message", upload)
    report = await running.server.wait_for(
        "editMessageText", lambda c: "Импорт завершён" in c.params["text"], after=seen
    )
    assert texts.PD_IMPORT_HELD.format(rows=3) in report.params["text"]
    repo = CatalogRepo(running.db)
    assert (await repo.search("ЛЛО")).total == 1
    held = (await repo.search("разбор случая", include_archived=True)).ids
    assert len(held) == 1
    assert not (await repo.get(held[0])).active  # type: ignore[union-attr]
    card = await running.server.wait_for(
        "sendMessage", lambda c: c.params["chat_id"] == ADMIN.id, after=seen
    )
    assert "номер телефона: +7 911 •••-••-67 (описание)" in card.params["text"]
