"""End to end: methodologists add, edit, archive, version, import and export materials; the
personal-data scan, the admins' decision on a held material, and the list of directions.
Every form is clicked through as a person does: its steps are one message, edited."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook

from bot import ui
from catalog.model import Kind, MaterialInput
from catalog.pdscan import Finding
from handlers.materials import texts
from handlers.materials.callbacks import EditAction, EditCallback, HoldAction, HoldCallback
from storage.catalog import CatalogRepo
from storage.users import Role, UserRepo
from tests.e2e.helpers import (
    METHODIST,
    answer,
    has_back_and_cancel,
    keyboard,
    last,
    make_methodist,
    tap,
    texts_in,
)
from tests.fakes.people import ADMIN, NURSE, Person, document, message, sticker
from tests.fakes.telegram_server import FakeTelegram
from tests.harness import RunningBot, button_data, button_texts, make_settings
from tests.unit.test_pdscan import _docx


async def fill_form_to_topics(running: RunningBot) -> None:
    upload = document(METHODIST, "BQAC-eln-care", "ЭЛН_по_уходу_2024.pdf")
    asked = await running.push_and_wait("message", upload, METHODIST.id)
    assert asked.params["text"].startswith("Название материала: «ЭЛН по уходу 2024»")
    ask_description = await answer(running, METHODIST, "Памятка: ЭЛН по уходу за ребёнком")
    assert ask_description.params["text"] == texts.ASK_DESCRIPTION
    topics = await tap(running, METHODIST, ui.BTN_SKIP)
    assert topics.params["text"] == texts.ASK_TOPICS


async def test_upload_form_saves_a_findable_material(running: RunningBot) -> None:
    await make_methodist(running)
    await fill_form_to_topics(running)

    toggled = await tap(running, METHODIST, "ЭЛН")
    assert "✅ ЭЛН" in button_texts(toggled.params["reply_markup"])
    kind = await tap(running, METHODIST, ui.BTN_DONE)
    assert kind.params["text"] == texts.ASK_KIND
    audience = await tap(running, METHODIST, "Памятка")
    assert audience.params["text"] == texts.ASK_AUDIENCE
    await tap(running, METHODIST, "врачи")
    tags = await tap(running, METHODIST, ui.BTN_DONE)
    assert tags.params["text"] == texts.ASK_TAGS
    preview = await answer(running, METHODIST, "больничный по уходу, <b>СФР</b>")
    assert preview.params["text"].startswith(texts.PREVIEW_HEADER)
    assert "&lt;b&gt;СФР&lt;/b&gt;" in preview.params["text"]
    assert "👥 врачи" in preview.params["text"]

    seen = len(running.server.calls)
    await tap(running, METHODIST, texts.BTN_SAVE)
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


async def test_the_form_is_one_message_with_back_and_cancel_on_every_step(
    running: RunningBot,
) -> None:
    await make_methodist(running)
    seen = len(running.server.calls)
    first = await running.push_and_wait(
        "message", document(METHODIST, "BQAC-one", "Регламент_ЛИС.pdf"), METHODIST.id
    )
    # The first step has nothing to go back to.
    assert keyboard(first)[-1] == ui.BTN_CANCEL
    steps = [
        await answer(running, METHODIST, "Регламент работы в ЛИС"),
        await tap(running, METHODIST, ui.BTN_SKIP),
        await tap(running, METHODIST, "ЛИС"),
        await tap(running, METHODIST, ui.BTN_DONE),
        await tap(running, METHODIST, "Руководство"),
        await tap(running, METHODIST, ui.BTN_DONE),
    ]
    for step in steps:
        assert step.method == "editMessageText"
        assert has_back_and_cancel(step), keyboard(step)
    # Back goes one step back, and the step keeps what was chosen there.
    back = await tap(running, METHODIST, ui.BTN_BACK)
    assert back.params["text"] == texts.ASK_AUDIENCE
    back = await tap(running, METHODIST, ui.BTN_BACK)
    assert "✅ Руководство" in keyboard(back)
    await tap(running, METHODIST, "✅ Руководство")
    await tap(running, METHODIST, ui.BTN_DONE)
    summary = await tap(running, METHODIST, ui.BTN_SKIP)
    assert summary.params["text"].startswith(texts.PREVIEW_HEADER)
    assert has_back_and_cancel(summary)
    await tap(running, METHODIST, texts.BTN_SAVE)
    await running.quiet()
    sent = [
        c
        for c in running.server.calls[seen:]
        if c.method == "sendMessage" and c.params["chat_id"] == METHODIST.id
    ]
    # The form and, after saving, the material's card: nothing else was sent.
    assert len(sent) == 2
    assert [m["text"].split("\n")[0] for m in running.server.chat_messages(METHODIST.id)] == [
        texts.SAVED,
        "<b>Регламент работы в ЛИС</b>",
    ]
    # The form's message has no buttons left.
    assert not running.server.chat_messages(METHODIST.id)[0].get("reply_markup")


async def test_cancel_closes_the_form_and_saves_nothing(running: RunningBot) -> None:
    await make_methodist(running)
    await running.push_and_wait("message", document(METHODIST, "BQAC-c", "c.pdf"), METHODIST.id)
    await answer(running, METHODIST, "Черновик, который не нужен")
    await tap(running, METHODIST, ui.BTN_CANCEL, method="editMessageReplyMarkup")
    assert running.db is not None
    assert await CatalogRepo(running.db).count() == 0
    assert not last(running, METHODIST.id).get("reply_markup")
    # Typed text after Cancel is a search again, not an answer to the form.
    found = await running.say(METHODIST, "Черновик")
    assert "ничего не нашлось" in found.params["text"]


async def test_the_same_file_twice_offers_the_existing_card(running: RunningBot) -> None:
    await make_methodist(running)
    assert running.db is not None
    repo = CatalogRepo(running.db)
    await repo.ensure_topics()
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
    assert refused.params["text"] == ui.REFUSED.format(role="методист")
    # Someone else's form: its Save pressed by another person changes nothing.
    await make_methodist(running)
    await running.push_and_wait("message", document(METHODIST, "BQAC-z", "z.pdf"), METHODIST.id)
    shown = last(running, METHODIST.id)
    forged = await running.press(NURSE, button_data(shown["reply_markup"], ui.BTN_CANCEL))
    assert forged.params["text"] == ui.STALE_BUTTON
    assert running.db is not None
    assert await CatalogRepo(running.db).count() == 0


async def test_a_role_taken_away_mid_form_is_refused_on_save(running: RunningBot) -> None:
    await make_methodist(running)
    await running.say(METHODIST, "/add")
    await answer(running, METHODIST, "https://disk.example.ru/role")
    await answer(running, METHODIST, "Материал без прав")
    for caption in (ui.BTN_SKIP, "ЛЛО", ui.BTN_DONE, "Памятка", ui.BTN_DONE, ui.BTN_SKIP):
        await tap(running, METHODIST, caption)
    assert running.db is not None
    await UserRepo(running.db).set_role(METHODIST.id, Role.STAFF, changed_by=ADMIN.id)
    refused = await running.click(METHODIST, texts.BTN_SAVE)
    assert refused.params["text"] == ui.REFUSED.format(role="методист")
    assert await CatalogRepo(running.db).count() == 0


async def test_wrong_input_keeps_the_step(running: RunningBot) -> None:
    await make_methodist(running)
    await running.push_and_wait("message", document(METHODIST, "BQAC-y", "y.pdf"), METHODIST.id)
    hint = await answer(running, METHODIST, None, sticker=sticker(METHODIST)["sticker"])
    assert ui.TEXT_EXPECTED in hint.params["text"]
    assert hint.params["text"].endswith(texts.ask_title("y"))
    short = await answer(running, METHODIST, "ab")
    assert texts.TITLE_INVALID in short.params["text"]
    assert short.params["text"].endswith(texts.ask_title("y"))
    ok = await answer(running, METHODIST, "Нормальное название")
    assert ok.params["text"] == texts.ASK_DESCRIPTION
    # A button step answers typed text with a hint and stays where it is.
    await tap(running, METHODIST, ui.BTN_SKIP)
    typed = await answer(running, METHODIST, "ЭЛН")
    assert ui.BUTTONS_EXPECTED in typed.params["text"]
    assert typed.params["text"].endswith(texts.ASK_TOPICS)


async def test_commands_deep_links_and_menu_labels_are_never_saved_as_answers(
    running: RunningBot,
) -> None:
    await make_methodist(running)
    assert running.db is not None
    repo = CatalogRepo(running.db)
    await repo.ensure_topics()
    await running.push_and_wait("message", document(METHODIST, "BQAC-d", "d.pdf"), METHODIST.id)
    # A command the bot does not know reaches the form, and is refused there.
    refused = await answer(running, METHODIST, "/nosuchcommand")
    assert texts.NOT_AN_ANSWER in refused.params["text"]
    # A deep link and a menu label do what they always do; the form steps aside, keeping
    # its draft, and neither becomes the title or the description.
    opened = await running.say(METHODIST, "/start m_5")
    assert "Название" not in opened.params["text"]
    resumed = await running.say(METHODIST, "/add")
    assert resumed.params["text"].startswith(texts.RESUMED)
    assert texts.ask_title("d") in resumed.params["text"]
    await answer(running, METHODIST, "Название после ссылки")
    catalog = await running.say(METHODIST, ui.BTN_CATALOG)
    assert "Каталог" in catalog.params["text"]
    resumed = await running.say(METHODIST, "/add")
    assert resumed.params["text"].endswith(texts.ASK_DESCRIPTION)
    await answer(running, METHODIST, "Описание")
    for caption in ("ЭЛН", ui.BTN_DONE, "Памятка", ui.BTN_DONE, ui.BTN_SKIP, texts.BTN_SAVE):
        await tap(running, METHODIST, caption)
    await running.quiet()
    saved = await repo.by_file_unique_id("uniq-BQAC-d")
    assert saved is not None
    assert (saved.title, saved.description) == ("Название после ссылки", "Описание")


async def test_saving_twice_makes_one_material(running: RunningBot) -> None:
    await make_methodist(running)
    await running.say(METHODIST, "/add")
    await answer(running, METHODIST, "https://disk.example.ru/twice")
    await answer(running, METHODIST, "Дважды нажатая кнопка")
    for caption in (ui.BTN_SKIP, "ЛЛО", ui.BTN_DONE, "Памятка", ui.BTN_DONE, ui.BTN_SKIP):
        await tap(running, METHODIST, caption)
    shown = last(running, METHODIST.id)
    save = button_data(shown["reply_markup"], texts.BTN_SAVE)
    await running.press(METHODIST, save, shown)
    again = await running.press(METHODIST, save, shown)
    assert again.params["text"] == ui.STALE_BUTTON
    assert running.db is not None
    assert await CatalogRepo(running.db).count() == 1


async def test_upload_survives_a_restart(server: FakeTelegram, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, telegram_api_url=server.url)
    first = await RunningBot(server, settings).start()
    await make_methodist(first)
    await fill_form_to_topics(first)
    await tap(first, METHODIST, "ЦАМИ и диагностика")
    await first.stop()

    second = await RunningBot(server, settings).start()
    try:
        kind = await tap(second, METHODIST, ui.BTN_DONE)
        assert kind.params["text"] == texts.ASK_KIND
        assert second.db is not None
        fsm = await second.db.fetchone("SELECT data FROM fsm WHERE data LIKE '%cami%'")
        assert fsm is not None
    finally:
        await second.stop()


async def test_link_material_edit_and_archive(running: RunningBot) -> None:
    await make_methodist(running)
    await running.say(METHODIST, "/add")
    asked = await answer(running, METHODIST, "https://disk.example.ru/tmk")
    assert asked.params["text"] == texts.ASK_TITLE_EMPTY
    await answer(running, METHODIST, "Запрос ТМК врач-врач")
    await tap(running, METHODIST, ui.BTN_SKIP)
    await tap(running, METHODIST, "ТМК")
    await tap(running, METHODIST, ui.BTN_DONE)
    await tap(running, METHODIST, "Инструкция")
    await tap(running, METHODIST, ui.BTN_DONE)
    await tap(running, METHODIST, ui.BTN_SKIP)
    seen = len(running.server.calls)
    await tap(running, METHODIST, texts.BTN_SAVE)
    await running.server.wait_for("sendMessage", after=seen)

    menu = await tap(running, METHODIST, texts.BTN_EDIT, method="sendMessage")
    assert "Название" in button_texts(menu.params["reply_markup"])
    ask = await tap(running, METHODIST, "Название")
    assert ask.params["text"].startswith("Название материала: «Запрос ТМК врач-врач»")
    preview = await answer(running, METHODIST, "Телемедицинская консультация врач — врач")
    assert preview.params["text"].startswith(texts.PREVIEW_HEADER)
    seen = len(running.server.calls)
    done = await tap(running, METHODIST, texts.BTN_SAVE)
    assert done.params["text"] == texts.UPDATED
    card = await running.server.wait_for("sendMessage", after=seen)
    assert card.params["text"].startswith("<b>Телемедицинская консультация врач — врач</b>")

    # «В архив» asks first; «Назад» leaves the material as it was.
    asked = await tap(running, METHODIST, texts.BTN_ARCHIVE)
    assert asked.params["text"].startswith("Перенести «Телемедицинская консультация врач — врач»")
    assert keyboard(asked) == [texts.BTN_ARCHIVE_YES, ui.BTN_BACK]
    kept = await tap(running, METHODIST, ui.BTN_BACK)
    assert texts.BTN_ARCHIVE in keyboard(kept)
    assert running.db is not None
    material = (await CatalogRepo(running.db).search("телемедицинская консультация")).ids
    assert len(material) == 1

    await tap(running, METHODIST, texts.BTN_ARCHIVE)
    archived = await tap(running, METHODIST, texts.BTN_ARCHIVE_YES)
    assert texts.BTN_RESTORE in button_texts(archived.params["reply_markup"])
    assert texts.ARCHIVED in archived.params["text"]
    nothing = await running.say(NURSE, "телемедицинская консультация")
    assert nothing.params["text"].startswith("По запросу")
    assert "ничего не нашлось" in nothing.params["text"]

    restored = await tap(running, METHODIST, texts.BTN_RESTORE)
    assert texts.BTN_ARCHIVE in keyboard(restored)
    found = await running.say(NURSE, "телемедицинская консультация")
    assert "Телемедицинская" in found.params["text"]


async def test_a_new_version_of_the_file_replaces_the_old_one(running: RunningBot) -> None:
    await make_methodist(running)
    assert running.db is not None
    repo = CatalogRepo(running.db)
    await repo.ensure_topics()
    old = await repo.create(
        MaterialInput(
            title="Памятка ЛЛО",
            kind=Kind.MEMO,
            topics=["llo"],
            file_id="BQAC-v1",
            file_unique_id="uniq-v1",
            file_name="llo-v1.pdf",
        )
    )
    forged_menu = EditCallback(action=EditAction.MENU, id=old).pack()
    await running.press(METHODIST, forged_menu, {**message(METHODIST, "карточка"), "text": "…"})
    await running.quiet()
    await tap(running, METHODIST, texts.BTN_NEW_FILE)
    wrong = await answer(running, METHODIST, "не файл")
    assert texts.NEW_FILE_INVALID in wrong.params["text"]
    summary = await answer(running, METHODIST, None, **document(METHODIST, "BQAC-v2", "llo-v2.pdf"))
    assert "llo-v2.pdf" in summary.params["text"]
    done = await tap(running, METHODIST, texts.BTN_SAVE)
    # The PDF of this test holds no text to scan, and the note says so.
    assert done.params["text"].startswith(texts.NEW_VERSION_SAVED)
    newer = await repo.by_file_unique_id("uniq-BQAC-v2")
    assert newer is not None
    assert newer.version == 2
    assert not (await repo.get(old)).active  # type: ignore[union-attr]


async def test_editing_another_material_starts_its_own_form(running: RunningBot) -> None:
    await make_methodist(running)
    assert running.db is not None
    repo = CatalogRepo(running.db)
    await repo.ensure_topics()
    ids = [
        await repo.create(
            MaterialInput(title=title, kind=Kind.MEMO, topics=["eln"], url=f"https://x.example/{n}")
        )
        for n, title in enumerate(["Первый материал", "Второй материал"])
    ]
    shown = {**message(METHODIST, "карточка"), "text": "…"}
    await running.press(METHODIST, EditCallback(action=EditAction.MENU, id=ids[0]).pack(), shown)
    await running.quiet()
    await tap(running, METHODIST, "Название")
    # Left for the menu: the same material's «Изменить» continues where it was left...
    await running.say(METHODIST, ui.BTN_HELP)
    seen = len(running.server.calls)
    await running.press(METHODIST, EditCallback(action=EditAction.MENU, id=ids[0]).pack(), shown)
    resumed = await running.server.wait_for("sendMessage", after=seen)
    assert resumed.params["text"].startswith(texts.RESUMED)
    assert "«Первый материал»" in resumed.params["text"]
    # ...and another material's «Изменить» opens that material's own form.
    seen = len(running.server.calls)
    await running.press(METHODIST, EditCallback(action=EditAction.MENU, id=ids[1]).pack(), shown)
    opened = await running.server.wait_for("sendMessage", after=seen)
    assert opened.params["text"].startswith(texts.edit_menu("Второй материал"))


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
    assert keyboard(asked) == [ui.BTN_CANCEL]
    wrong = await answer(running, METHODIST, None, **document(METHODIST, "BQAC-pdf", "a.pdf"))
    assert texts.IMPORT_NEED_TABLE in wrong.params["text"]
    seen = len(running.server.calls)
    await running.server.push_update("message", document(METHODIST, "BQAC-import", "catalog.csv"))
    report = await running.server.wait_for(
        "editMessageText", lambda c: "Импорт завершён" in c.params["text"], after=seen
    )
    assert "новых 1, обновлено 0, с ошибками 1" in report.params["text"]
    assert "строка 3, kind" in report.params["text"]
    assert running.db is not None
    assert await CatalogRepo(running.db).count() == 1


async def test_export_sends_xlsx_and_csv_with_status_and_downloads(running: RunningBot) -> None:
    await make_methodist(running)
    assert running.db is not None
    repo = CatalogRepo(running.db)
    await repo.ensure_topics()
    await repo.create(
        MaterialInput(title="ЛЛО", kind=Kind.MEMO, topics=["llo"], url="https://x.example/3")
    )
    archived = await repo.create(
        MaterialInput(title="Старое", kind=Kind.MEMO, topics=["llo"], url="https://x.example/4")
    )
    await repo.set_status(archived, "archived")
    held = await repo.create(
        MaterialInput(
            title="Задержанное", kind=Kind.MEMO, topics=["llo"], url="https://x.example/5"
        )
    )
    await repo.hold(held, [Finding("phone", "описание", "+7 911 •••-••-67")], by=None)
    seen = len(running.server.calls)
    await running.server.push_update("message", message(METHODIST, "/export"))
    first = await running.server.wait_for("sendDocument", after=seen)
    assert first.params["caption"].endswith(": 3 материала.")
    await running.server.wait_for("sendDocument", after=running.server.calls.index(first) + 1)
    names = [name for name, _ in running.server.uploads]
    assert names[0].startswith("catalog-")
    assert names[0].endswith(".xlsx")
    assert names[1].endswith(".csv")
    sheet = load_workbook(io.BytesIO(running.server.uploads[0][1])).active
    assert sheet is not None
    assert sheet.cell(2, 2).value == "ЛЛО"
    header = [c.value for c in sheet[1]]
    assert header[-2:] == [texts.EXPORT_STATUS_COLUMN, texts.EXPORT_DOWNLOADS_COLUMN]
    statuses = {row[1]: (row[-2], row[-1]) for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert statuses == {
        "ЛЛО": ("опубликован", "0"),
        "Старое": ("в архиве", "0"),
        "Задержанное": ("задержан: возможны персональные данные", "0"),
    }
    # What the export adds is not read back by an import: the file still imports as it is.
    csv_text = running.server.uploads[1][1].decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("id,title,description,kind,topics")


# -- personal data ---------------------------------------------------------------------------------


async def upload_to_preview(running: RunningBot, person: Person, file_id: str) -> None:
    """A DOCX with a real-looking СНИЛС in a table, through the whole form to the preview."""
    running.server.files[file_id] = _docx("Образец заполнения: СНИЛС 112-233-445 95")
    upload = document(person, file_id, "Образец_направления.docx")
    upload["document"]["mime_type"] = (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    await running.push_and_wait("message", upload, person.id)
    await answer(running, person, "Образец направления на МСЭ")
    await tap(running, person, ui.BTN_SKIP)
    await tap(running, person, "МСЭ")
    await tap(running, person, ui.BTN_DONE)
    await tap(running, person, "Инструкция")
    await tap(running, person, ui.BTN_DONE)
    preview = await tap(running, person, ui.BTN_SKIP)
    assert preview.params["text"].startswith(texts.PREVIEW_HEADER)


async def test_methodologist_hands_a_doubtful_material_to_the_admins(running: RunningBot) -> None:
    assert running.db is not None
    await running.say(ADMIN, "/start")
    await running.quiet()  # an admin's first /start also offers the demo catalog
    await make_methodist(running)
    await upload_to_preview(running, METHODIST, "BQAC-pd-1")

    warning = await tap(running, METHODIST, texts.BTN_SAVE)
    text = warning.params["text"]
    assert text.startswith(texts.PD_HEADER)
    assert "• СНИЛС: 112-•••-••• 95 (текст файла)" in text
    assert "233-445" not in text
    assert button_texts(warning.params["reply_markup"]) == [
        texts.BTN_PD_HOLD,
        ui.BTN_BACK,
        ui.BTN_CANCEL,
    ]
    assert await CatalogRepo(running.db).count() == 0

    # A forged «publish anyway» from a methodologist changes nothing.
    shown = last(running, METHODIST.id)
    hold_data = button_data(shown["reply_markup"], texts.BTN_PD_HOLD)
    forged = hold_data.replace("pdhold", "pdforce")
    reply = await running.press(METHODIST, forged, shown)
    assert reply.params["text"] == texts.PD_ONLY_ADMIN
    assert await CatalogRepo(running.db).count() == 0

    seen = len(running.server.calls)
    held = await tap(running, METHODIST, texts.BTN_PD_HOLD)
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

    # The methodologist cannot decide, nor bring it back from the archive; the admin can, once.
    decide = HoldCallback(action=HoldAction.PUBLISH, id=material).pack()
    refused = await running.press(METHODIST, decide)
    assert refused.params["text"] == ui.REFUSED.format(role="администратор")
    restore = EditCallback(action=EditAction.RESTORE, id=material).pack()
    refused = await running.press(METHODIST, restore, last(running, METHODIST.id))
    assert refused.params["text"] == texts.PD_ONLY_ADMIN
    assert not (await repo.get(material)).active  # type: ignore[union-attr]
    seen = len(running.server.calls)
    done = await tap(running, ADMIN, texts.BTN_PD_FORCE, method="answerCallbackQuery")
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
    await upload_to_preview(running, ADMIN, "BQAC-pd-2")
    warning = await tap(running, ADMIN, texts.BTN_SAVE)
    assert button_texts(warning.params["reply_markup"]) == [
        texts.BTN_PD_FORCE,
        ui.BTN_BACK,
        ui.BTN_CANCEL,
    ]
    saved = await tap(running, ADMIN, texts.BTN_PD_FORCE)
    assert saved.params["text"] == texts.SAVED
    found = await CatalogRepo(running.db).search("направления МСЭ")
    assert len(found.ids) == 1


async def test_import_holds_rows_with_personal_data(running: RunningBot) -> None:
    assert running.db is not None
    await running.say(ADMIN, "/start")
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


# -- directions ------------------------------------------------------------------------------------


async def test_topics_count_materials_in_agreement(running: RunningBot) -> None:
    assert running.db is not None
    repo = CatalogRepo(running.db)
    await repo.ensure_topics()
    for n in range(5):
        await repo.create(
            MaterialInput(
                title=f"Материал {n}",
                kind=Kind.MEMO,
                topics=["eln"] if n < 1 else ["llo"] if n < 3 else ["lis"],
                url=f"https://x.example/t{n}",
            )
        )
    listing = await running.say(ADMIN, "/topics")
    text = listing.params["text"]
    assert "<code>eln</code> — ЭЛН: 1 материал" in text
    assert "<code>llo</code> — ЛЛО: 2 материала" in text
    assert "ЛИС: 2 материала" in text
    assert ": 0 материалов" in text
    added = await running.say(ADMIN, "/topic onco Онкология <скрининг>")
    assert added.params["text"] == "Направление «Онкология &lt;скрининг&gt;» добавлено (код onco)."
    refused = await running.say(METHODIST, "/topics")
    assert refused.params["text"] == ui.REFUSED.format(role="администратор")
    assert not any("Онкология" in t for t in texts_in(running.server, METHODIST.id))


async def test_admin_renames_a_topic_and_search_follows(running: RunningBot) -> None:
    assert running.db is not None
    repo = CatalogRepo(running.db)
    await repo.ensure_topics()
    await repo.create(
        MaterialInput(
            title="ЭЛН по уходу за больным членом семьи",
            kind=Kind.MEMO,
            topics=["eln"],
            url="https://x.example/eln-care",
        )
    )
    renamed = await running.say(ADMIN, "/topic eln Больничные листы")
    assert renamed.params["text"] == "Направление eln теперь называется «Больничные листы»."
    listing = await running.say(ADMIN, "/topics")
    assert "<code>eln</code> — Больничные листы: 1 материал" in listing.params["text"]
    added = await running.say(ADMIN, "/topic onco Онкология")
    assert added.params["text"].startswith("Направление «Онкология» добавлено")
    refused = await running.say(NURSE, "/topic eln Другое")
    assert refused.params["text"] == ui.REFUSED.format(role="администратор")
    found = await running.say(NURSE, "больничные листы")
    assert "ЭЛН по уходу" in found.params["text"]


async def test_a_material_from_a_document_is_nine_taps_and_two_messages(
    running: RunningBot,
) -> None:
    """The whole journey from a PDF sent to the bot to the saved card: every step edits the
    form's one message; the bot sends the form and, at the end, the material's card."""
    await make_methodist(running)
    seen = len(running.server.calls)
    await running.push_and_wait(
        "message", document(METHODIST, "BQAC-journey", "Памятка_ЭЛН.pdf"), METHODIST.id
    )
    captions = [texts.BTN_KEEP, ui.BTN_SKIP, "ЭЛН", ui.BTN_DONE, "Памятка", ui.BTN_DONE]
    for caption in [*captions, ui.BTN_SKIP, texts.BTN_SAVE]:
        await tap(running, METHODIST, caption)
    await running.quiet()
    calls = [c for c in running.server.calls[seen:] if c.params.get("chat_id") == METHODIST.id]
    sent = [c for c in calls if c.method in ("sendMessage", "sendDocument")]
    assert len(sent) == 2
    assert sent[-1].params["text"].startswith("<b>Памятка ЭЛН</b>")
    assert all(not c.method.startswith("send") for c in calls if c not in sent)
    assert running.db is not None
    assert await CatalogRepo(running.db).by_file_unique_id("uniq-BQAC-journey") is not None
