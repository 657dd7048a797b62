"""End to end: hostile text where the bot shortens what people typed: every value is cut before
it is escaped, and a long list is shortened by whole lines, so Telegram never refuses it."""

from __future__ import annotations

from bot import ui
from tests.e2e.helpers import add_to_group, texts_in
from tests.fakes.people import ADMIN
from tests.harness import RunningBot


async def test_chat_titles_of_quotes_fill_the_chats_list_and_it_still_goes(
    running: RunningBot,
) -> None:
    for n in range(8):
        await add_to_group(running, -1500 - n, '"' * 127 + str(n))
    await running.say(ADMIN, "/start")
    await running.quiet()  # an admin's first /start also offers the demo catalog
    listing = await running.say(ADMIN, "/chats")
    text = listing.params["text"]
    # Sent as it was built: Telegram (the fake parses it the same way) accepted it.
    assert texts_in(running.server, ADMIN.id)[-1] == text
    assert ui.APOLOGY not in texts_in(running.server, ADMIN.id)
    assert text.count("<b>") == text.count("</b>") >= 8
    assert "&quot;" * 20 in text
    assert len(ui.html_to_plain(text)) <= ui.MESSAGE_LIMIT
