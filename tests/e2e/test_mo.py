"""The МО directory end to end: an admin finds an МО, changes a field in a one-step form and
replaces the whole directory from a file; the training request's МО step sees the new one."""

from __future__ import annotations

from bot import ui
from handlers.mo import texts
from storage.users import Role, UserRepo
from tests.fakes.people import ADMIN, DOCTOR, Person, message
from tests.harness import RunningBot, button_texts

TUTOR = Person(4004, "Мария", "maria_tutor", "Иванова")
METHODIST = DOCTOR


async def give_roles(running: RunningBot) -> None:
    assert running.db is not None
    users = UserRepo(running.db)
    await running.say(TUTOR, "/start")
    await running.say(METHODIST, "/start")
    await users.set_role(TUTOR.id, Role.TUTOR, changed_by=None)
    await users.set_role(METHODIST.id, Role.METHODOLOGIST, changed_by=None)


def shown_text(running: RunningBot, person: Person) -> str:
    return str(running.shown(person).get("text") or "")


async def type_in(running: RunningBot, person: Person, text: str) -> str:
    await running.server.push_update("message", message(person, text))
    await running.quiet()
    return shown_text(running, person)


async def test_admin_edits_and_replaces_the_mo_directory(running: RunningBot) -> None:
    await give_roles(running)
    refused = await running.say(METHODIST, "/mo")
    assert refused.params["text"] == ui.REFUSED.format(role="администратор")
    found = await running.say(ADMIN, "/mo сокольская")
    assert "Сокольская ЦРБ" in button_texts(found.params["reply_markup"])
    await running.click(ADMIN, "Сокольская ЦРБ")
    await running.quiet()
    await running.click(ADMIN, f"✏️ {texts.FIELDS['staff']}")
    await running.quiet()
    bad = await type_in(running, ADMIN, "много")
    assert "Не подходит" in bad
    saved = await type_in(running, ADMIN, "815")
    assert "Численность персонала: 815" in saved
    assert texts.SAVED in saved

    await running.say(ADMIN, "/mo")
    await running.click(ADMIN, texts.BTN_IMPORT)
    await running.quiet()
    content = (
        "name,short_name,district,type,staff\n"
        "БУЗ ВО «Сокольская ЦРБ»,Сокольская ЦРБ,Сокольский,crb,820\n"
        "БУЗ ВО «Новая больница»,Новая,Вологда,hospital,\n"
    ).encode()
    running.server.files["mo-file"] = content
    document = {
        "file_id": "mo-file",
        "file_unique_id": "u-mo",
        "file_name": "mo.csv",
        "file_size": len(content),
    }
    await running.server.push_update("message", message(ADMIN, None, document=document))
    await running.quiet()
    assert shown_text(running, ADMIN) == texts.imported(1, 1, 85)
    await running.say(TUTOR, "/request")
    await type_in(running, TUTOR, "новая")
    assert button_texts(running.shown(TUTOR).get("reply_markup")) == ["Новая", ui.BTN_CANCEL]


async def test_the_mo_lookup_echoes_the_converted_layout(running: RunningBot) -> None:
    await give_roles(running)
    found = await running.say(ADMIN, "/mo cjrjkmcrfz")
    assert "«Сокольская»" in found.params["text"]
    assert "cjrjkmcrfz" not in found.params["text"]
    assert "Сокольская ЦРБ" in button_texts(found.params["reply_markup"])
