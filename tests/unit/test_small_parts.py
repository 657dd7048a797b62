"""Pure helpers: log redaction, deep-link payloads and date ranges."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from bot import ui
from bot.deeplinks import Route, decode, encode
from bot.flood import SentLastSecond
from bot.logs import RedactingFormatter, redact
from catalog.requests import mask_phone
from handlers.requests import texts as request_texts
from tests.fakes.recording import TOKEN


@pytest.mark.parametrize(
    "phone", ["+7 (921) 123-45-67", "89211234567", "+79211234567", "8 921 123 45 67"]
)
def test_phones_are_masked(phone: str) -> None:
    masked = redact(f"contact {phone} saved")
    assert "921" not in masked
    # The same mask as wherever else the bot shows a stored number in part.
    assert masked == f"contact {mask_phone('+79211234567')} saved" == "contact +7********67 saved"


def test_ids_and_tokens() -> None:
    assert redact("user 7000000000123 did it") == "user 7000000000123 did it"
    assert TOKEN not in redact(f"GET /bot{TOKEN}/getMe failed")


def test_log_records_stay_on_one_line() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "text %s", ("a\nFAKE b",), None)
    assert "\n" not in RedactingFormatter("%(message)s").format(record)


def test_deep_links_round_trip() -> None:
    assert decode(encode(Route.MATERIAL, 17)) == (Route.MATERIAL, "17")
    assert decode("m_17") == (Route.MATERIAL, "17")
    for bad in (None, "", "m_", "zz_1", "m_" + "1" * 80, "m 1", "m_<b>"):
        assert decode(bad) is None
    with pytest.raises(ValueError, match="deep-link"):
        encode(Route.MATERIAL, "кириллица")


def test_date_ranges_read_as_russian() -> None:
    assert (
        request_texts.date_range(date(2026, 12, 4), date(2026, 12, 6))
        == "с пятницы, 4 декабря, по воскресенье, 6 декабря 2026"
    )
    assert (
        request_texts.date_range(date(2026, 12, 2), date(2026, 12, 4))
        == "со среды, 2 декабря, по пятницу, 4 декабря 2026"
    )
    assert (
        request_texts.date_range(date(2026, 12, 31), date(2027, 1, 2))
        == "с 31.12.2026 по 02.01.2027"
    )


async def test_messages_sent_are_counted_for_a_second_whatever_sent_them() -> None:
    from aiogram import Bot

    from tests.fakes.recording import RecordingSession

    now = [100.0]
    counter = SentLastSecond(clock=lambda: now[0])
    bot = Bot(TOKEN, session=RecordingSession())
    bot.session.middleware(counter)
    await bot.send_message(1, "ответ на поиск")
    await bot.send_document(2, "file-id")
    await bot.answer_callback_query("q")  # not a message in a chat
    assert counter.count() == 2
    now[0] += 0.5
    await bot.send_message(3, "ещё")
    assert counter.count() == 3
    now[0] += 0.6  # the first two are more than a second old
    assert counter.count() == 1


async def test_the_recording_session_answers_as_telegram_would_bound_to_the_bot() -> None:
    from aiogram import Bot
    from aiogram.methods import EditMessageText

    from tests.fakes.recording import RecordingSession

    session = RecordingSession()
    bot = Bot(TOKEN, session=session)
    status = await bot.send_message(1, "Импорт: 0 из ?")
    # A handler edits the progress message it sent, as the catalog import does.
    await status.edit_text("Не удалось открыть файл")
    edits = session.sent(EditMessageText)
    assert [(e.chat_id, e.message_id, e.text) for e in edits] == [
        (1, status.message_id, "Не удалось открыть файл")
    ]


def test_a_value_is_cut_at_a_word_before_it_is_escaped() -> None:
    assert ui.shorten("Короткое название", 60) == "Короткое название"
    cut = ui.shorten("Инструкция по оформлению электронного листка нетрудоспособности", 40)
    assert cut == "Инструкция по оформлению электронного…"
    assert len(cut) <= 40
    # Cut first, then escaped: an entity is never split.
    quotes = ui.escape(ui.shorten('"' * 300, 50))
    assert quotes == "&quot;" * 49 + "…"


def test_a_long_html_list_is_shortened_by_whole_lines_counting_what_people_see() -> None:
    lines = [f"<b>{ui.escape('«' + '&' * 100 + '»')}</b> строка {n}" for n in range(60)]
    text = ui.fit(lines)
    assert len(ui.html_to_plain(text)) <= ui.MESSAGE_LIMIT
    assert text.count("<b>") == text.count("</b>")
    assert text.endswith("\n…")
    # Short enough as it is: nothing dropped, although the HTML is longer than the limit.
    few = lines[:30]
    assert len("\n".join(few)) > ui.MESSAGE_LIMIT
    assert ui.fit(few) == "\n".join(few)
