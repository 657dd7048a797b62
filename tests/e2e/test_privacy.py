"""End to end: what a person may not see or do with someone else's data: a role given by a
username that moved to someone else. (A held material and another person's search: see
test_search.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from handlers.roles import texts
from storage.users import Role, UserRepo
from tests.fakes.people import ADMIN, Person
from tests.fakes.telegram_server import FakeTelegram
from tests.harness import RunningBot, make_settings


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
        assert stale.params["text"] == texts.USERNAME_STALE.format(username="rmis_tutor")
        assert (await users.get(second.id)).role is Role.TUTOR  # type: ignore[union-attr]
    finally:
        await running.stop()
