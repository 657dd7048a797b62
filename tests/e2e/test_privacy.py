"""End to end: what a person may not see or do with someone else's data: a material held for
personal data, another person's search, a role given by a username that moved to someone else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot import texts
from bot.callbacks import MaterialAction, MaterialCallback, SearchAction, SearchCallback, Source
from bot.deeplinks import Route
from bot.deeplinks import link as deeplink
from catalog.model import Kind, MaterialInput
from catalog.pdscan import Finding
from storage.catalog import CatalogRepo
from storage.users import Role, UserRepo
from tests.conftest import RunningBot, make_settings
from tests.e2e.test_announcements import texts_in
from tests.fakes.people import ADMIN, DOCTOR, NURSE, Person
from tests.fakes.telegram_server import FakeTelegram


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
    assert opened.params["text"] == texts.MATERIAL_GONE
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
    shown = running.server.chat_messages(DOCTOR.id)[-1]
    page = SearchCallback(action=SearchAction.PAGE, qid=qid, page=1, sig=sig).pack()
    assert page in str(shown["reply_markup"])
    seen = len(running.server.calls)
    answer = await running.press(DOCTOR, page, shown)
    assert not answer.params.get("show_alert")
    turned = await running.server.wait_for("editMessageText", after=seen)
    assert "Памятка по ЭЛН" in turned.params["text"]


async def test_a_username_is_resolved_only_from_its_recent_owner(
    server: FakeTelegram, tmp_path: Path
) -> None:
    clock = tmp_path / "clock"
    clock.write_text(datetime.now(UTC).isoformat())
    settings = make_settings(tmp_path, telegram_api_url=server.url, clock_file=clock)
    running = await RunningBot(server, settings).start()
    try:
        assert running.db is not None
        first = Person(5005, "Пётр", "rmis_tutor")
        await running.say(first, "/start")
        # The username moved: someone else has it now and wrote to the bot.
        second = Person(6006, "Павел", "rmis_tutor")
        await running.say(second, "/start")
        await running.say(ADMIN, "/start")
        await running.quiet()  # an admin's first /start also offers the demo catalog
        asked = await running.say(ADMIN, "/grant @rmis_tutor tutor")
        assert "Павел" in asked.params["text"]
        users = UserRepo(running.db)
        assert (await users.get(second.id)).role is Role.TUTOR  # type: ignore[union-attr]
        assert (await users.get(first.id)).role is Role.STAFF  # type: ignore[union-attr]

        # A month later the username may belong to anyone: the bot asks for more.
        clock.write_text((datetime.now(UTC) + timedelta(days=30)).isoformat())
        stale = await running.say(ADMIN, "/grant @rmis_tutor methodologist")
        assert stale.params["text"] == texts.GRANT_USERNAME_STALE.format(username="rmis_tutor")
        assert (await users.get(second.id)).role is Role.TUTOR  # type: ignore[union-attr]
    finally:
        await running.stop()
