"""The VKS 8.38 feature without the bot: what its form's steps accept, how its texts read
(numbers agree from 0 to 200), and the recording use case on a real database."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import ui
from catalog.schedule import Offset, Slot
from handlers.stats.dialogs import period_text
from handlers.vks import service, texts
from handlers.vks.dialogs import NOT_AN_ANSWER, link_value, speaker_value, topic_value
from storage.announcements import AnnouncementRepo
from storage.catalog import CatalogRepo
from storage.db import Database
from storage.vks import VksDate, VksRepo

MSK = ZoneInfo("Europe/Moscow")
DAY = date(2026, 12, 9)


def _form(n: int, one: str, few: str, many: str) -> str:
    """Russian agreement, written out independently of bot.ui."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return few
    return many


# -- what the steps accept ------------------------------------------------------------------------

NEVER_ANSWERS = ["/start m_5", "/vks", " /help ", *sorted(ui.MENU_BUTTONS)]


@pytest.mark.parametrize("typed", NEVER_ANSWERS)
def test_commands_deep_links_and_menu_labels_are_never_answers(typed: str) -> None:
    for factory in (topic_value, link_value, speaker_value):
        with pytest.raises(ValueError, match=NOT_AN_ANSWER):
            factory(typed)
    with pytest.raises(ValueError, match="Не понял период"):
        period_text(typed)


def test_each_step_takes_only_what_it_asks_for() -> None:
    assert topic_value("  Выписка   ЭЛН  ") == "Выписка ЭЛН"
    for bad in ("ab", "я" * 201, "   "):
        with pytest.raises(ValueError, match="от 3 до 200"):
            topic_value(bad)
    assert link_value(" https://vks.example.ru/838 ") == "https://vks.example.ru/838"
    assert link_value("-") == ""
    for bad in ("vks.example.ru", "http://vks.example.ru", "https://a b", "https://" + "x" * 500):
        with pytest.raises(ValueError, match="https://"):
            link_value(bad)
    assert speaker_value("Иванова И. И.") == "Иванова И. И."
    assert speaker_value("-") == ""
    with pytest.raises(ValueError, match="150"):
        speaker_value("И" * 151)
    assert period_text("  сентябрь   2026 ") == "сентябрь 2026"


# -- how the texts read ---------------------------------------------------------------------------


def test_counts_in_the_vks_texts_agree_from_0_to_200() -> None:
    slot = Slot()
    start = datetime.combine(DAY, time(8, 38), tzinfo=MSK)
    for n in range(201):
        assert texts.recipients(n) == f"{n} {_form(n, 'получатель', 'получателя', 'получателей')}"
        assert f"объявление отправляется: {texts.recipients(n)}." in texts.recording_done(7, n)
        if n % 60:
            minutes = _form(n, "минуту", "минуты", "минут")
            assert texts.describe_offset(Offset(minutes=n)) == f"за {n} {minutes} до начала"
        hours = _form(n, "час", "часа", "часов")
        assert texts.describe_offset(Offset(minutes=60 * n)) == f"за {n} {hours} до начала"
        if n >= 2:
            days = _form(n, "день", "дня", "дней")
            assert texts.describe_offset(Offset(days=n, at=time(10))) == f"за {n} {days} в 10:00"
        if n >= 15:
            minutes = _form(n, "минута", "минуты", "минут")
            assert f", {n} {minutes}." in texts.slot_set(Slot(2, time(8, 38), n))
        if 2 <= n <= 120:
            post = texts.announcement(
                VksDate(DAY, topic="Т"), slot, start, start - timedelta(minutes=n)
            )
            assert f"Через {n} {_form(n, 'минуту', 'минуты', 'минут')} — ВКС 8.38" in post
        length = _form(n, "минуты", "минут", "минут")  # «до 21 минуты», «до 60 минут»
        post = texts.announcement(VksDate(DAY, topic="Т"), Slot(2, time(8, 38), n), start, start)
        assert f"Длительность: до {n} {length}." in post
        card = texts.card(
            DAY, slot, VksDate(DAY), directions=[], holiday=None, attending=n, reminders=[],
            recording=None,
        )  # fmt: skip
        assert f"Будут участвовать: {n} {_form(n, 'человек', 'человека', 'человек')}" in card
    assert texts.describe_offset(Offset(days=1, at=time(15))) == "накануне в 15:00"
    assert texts.describe_offset(Offset(days=0, at=time(8))) == "в тот же день в 08:00"


def test_titles_are_cut_at_a_word_before_they_are_escaped() -> None:
    topic = "Листки нетрудоспособности & выписка: " + "что нового в порядке оформления " * 6
    title = texts.recording_title(DAY, topic)
    assert len(title) <= 200
    assert title.endswith("…")
    assert title.startswith("Запись ВКС 8.38 от 09.12.2026: Листки")
    card = texts.card(
        DAY,
        Slot(),
        VksDate(DAY, topic="<b>тема</b>"),
        directions=["Очень длинное название направления обучения, которое не влезет", "ЛИС"],
        holiday=None,
        attending=3,
        reminders=[],
        recording=None,
    )
    assert "Тема: &lt;b&gt;тема&lt;/b&gt;" in card
    assert "Кому: Очень длинное название направления…, ЛИС" in card


# -- the recording --------------------------------------------------------------------------------


async def test_a_recording_is_made_once_per_date(db: Database) -> None:
    materials = CatalogRepo(db)
    await materials.ensure_topics()
    repo = VksRepo(db)
    source = service.Recording(url="https://video.example.ru/838")
    assert (await service.add_recording(db, materials, DAY, source, 1)).problem == texts.NEEDS_TOPIC
    await repo.set_field(DAY, "topic", "Листки нетрудоспособности", 1)
    await repo.set_directions(DAY, ["eln", "lis", "eln"], 1)
    assert (await repo.get(DAY)).directions == ("eln", "lis")

    made = await service.add_recording(db, materials, DAY, source, 1)
    assert made.material_id is not None
    material = await materials.get(made.material_id)
    assert material is not None
    assert material.title == "Запись ВКС 8.38 от 09.12.2026: Листки нетрудоспособности"
    assert (await repo.get(DAY)).recording_id == made.material_id
    assert len(await AnnouncementRepo(db).recent(10)) == 1

    again = await service.add_recording(db, materials, DAY, source, 1)
    assert again.material_id is None
    assert again.existing == made.material_id
    assert len(await AnnouncementRepo(db).recent(10)) == 1

    # A file already in the catalog is not made into a second material.
    other = date(2026, 12, 16)
    await repo.set_field(other, "topic", "Другая тема", 1)
    video = service.Recording(file_id="f1", file_unique_id="u1", file_type="video")
    first = await service.add_recording(db, materials, other, video, 1)
    assert first.material_id is not None
    third = date(2026, 12, 23)
    await repo.set_field(third, "topic", "Третья тема", 1)
    duplicate = await service.add_recording(db, materials, third, video, 1)
    assert duplicate.duplicate == first.material_id
    assert (await repo.get(third)).recording_id is None


def test_dates_from_buttons_and_links_are_checked() -> None:
    today = date(2026, 12, 1)
    assert service.parse_day("20261209", today) == DAY
    assert service.parse_day("2026-12-09", today) == DAY
    for bad in ("20261399", "2026120", "", "20201209", "20281209", "x"):
        assert service.parse_day(bad, today) is None
