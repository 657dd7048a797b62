"""Every Russian string of the VKS 8.38: the card and its form, the reminders and their post,
the recording's announcement, the .ics invitation. User-supplied values (topics, speakers,
links) are cut with ``ui.shorten`` first and escaped second; numbers agree with their nouns."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from math import ceil

from bot.ui import counted, escape, shorten
from catalog.schedule import WEEKDAY_NAMES, Offset, Slot, human_date
from storage.vks import VksDate

# -- the list of dates and the card -------------------------------------------------------------

LIST = (
    "<b>ВКС 8.38</b>: {slot} (время {tz}).\nНапоминания: {offsets}.\n\n"
    "Выберите дату. Изменить день и время — <code>/vksslot ср 08:38</code>, "
    "напоминания — <code>/vksremind 1д 15:00, 30м</code>."
)
BTN_OTHER_DATE = "📅 Другая дата"
PICK_DATE = (
    "<b>ВКС 8.38</b>: выберите дату в календаре. Числами показаны дни ВКС ({weekdays}), "
    "🎉 — нерабочий праздничный день."
)
# «по средам», «выберите среду»
WEEKDAYS_DATIVE = (
    "по понедельникам", "по вторникам", "по средам", "по четвергам", "по пятницам",
    "по субботам", "по воскресеньям",
)  # fmt: skip
WEEKDAYS_ACCUSATIVE = (
    "понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье",
)  # fmt: skip
NOT_SLOT_DAY = "ВКС проходит {dative}: выберите {accusative}."
DAY_INVALID = (
    "Эта дата недоступна: выберите дату не раньше двух месяцев назад и не позже года вперёд."
)

IN_GROUP = "ВКС 8.38 настраивается в личном чате с ботом: напишите ему /vks."

HOLIDAY = "🎉 праздник"
CANCELLED = "❌ отменена"
NO_TOPIC = "⚠️ нет темы"
READY = "✅"

BTN_TOPIC = "Тема"
BTN_LINK = "Ссылка"
BTN_SPEAKER = "Спикер"
BTN_DIRECTIONS = "🏷 Направления"
BTN_CANCEL_VKS = "❌ Отменить ВКС"
BTN_RESTORE_VKS = "↩️ Вернуть ВКС"
BTN_PREVIEW = "👁 Предпросмотр"
BTN_RECORDING = "🎬 Запись ВКС"
BTN_CANCEL_YES = "Да, отменить ВКС"
BTN_CLEAR_LINK = "🗑 Убрать ссылку"
BTN_CLEAR_SPEAKER = "🗑 Убрать спикера"

ASK_FIELD = {
    "topic": "Пришлите тему ВКС {day} (от 3 до 200 символов).",
    "link": "Пришлите ссылку на подключение к ВКС {day} (https://…).",
    "speaker": "Пришлите имя спикера ВКС {day} и его должность (до 150 символов).",
}
NOW_SET = "Сейчас: {value}"
FIELD_INVALID = {
    "topic": "Тема должна быть от 3 до 200 символов — пришлите её ещё раз.",
    "link": "Ссылка должна начинаться с https:// и быть без пробелов (до 500 символов).",
    "speaker": "Имя спикера и должность — не длиннее 150 символов.",
}
SAVED = {
    "topic": "✅ Тема сохранена.",
    "link": "✅ Ссылка сохранена.",
    "speaker": "✅ Спикер сохранён.",
}
CLEARED = {"link": "Ссылка убрана.", "speaker": "Спикер убран."}
DIRECTIONS_PICK = (
    "Кому напоминать о ВКС {day}: отметьте направления и нажмите «✅ Готово». "
    "Без отметок — во все активные чаты."
)
DIRECTIONS_SAVED = "✅ Направления сохранены."
ASK_CANCEL = (
    "Отменить ВКС {day}{topic}? Напоминаний в чаты не будет. Вернуть её можно здесь же, "
    "кнопкой «↩️ Вернуть ВКС»."
)
CANCELLED_DONE = "❌ ВКС {day} отменена: напоминаний не будет."
RESTORED_DONE = "↩️ ВКС {day} снова в расписании."
PREVIEW_HEAD = "👁 <b>Так будет выглядеть первое напоминание</b> ({when}):"
PREVIEW_TAIL = "<i>Под постом — кнопки «🙋 Буду участвовать» и «📅 В календарь».</i>"
NEEDS_TOPIC = "Сначала задайте тему этой ВКС."
ASK_RECORDING = (
    "Пришлите запись ВКС {day}: видео, файл или ссылку https://…. Она попадёт в каталог, "
    "а в чаты уйдёт объявление."
)
RECORDING_INVALID = "Нужно видео, файл или ссылка https://…."
RECORDING_EXISTS = "Запись этой ВКС уже в каталоге: материал №{id}."
RECORDING_DUPLICATE = "Этот файл уже есть в каталоге (материал №{id}): новую запись не создаю."


def recipients(count: int) -> str:
    return counted(count, "получатель", "получателя", "получателей")


def recording_done(material_id: int, count: int) -> str:
    return (
        f"🎬 Запись добавлена в каталог (№{material_id}), объявление отправляется: "
        f"{recipients(count)}."
    )


def recording_title(day: date, topic: str) -> str:
    return shorten(f"Запись ВКС 8.38 от {day:%d.%m.%Y}: {topic}", 200)


# -- the reminders ------------------------------------------------------------------------------

OUTCOMES = {
    "sent": "отправлено",
    "skipped_holiday": "пропущено (праздник)",
    "skipped_cancelled": "пропущено (отменена)",
    "asked_topic": "не отправлено: не было темы",
    "missed": "пропущено: бот был недоступен",
}
ASK_TOPIC = (
    "⚠️ Пора напоминать о ВКС 8.38 {day}, но тема не задана — напоминание не отправлено. "
    "Задайте тему: /vks"
)
REMINDER_MISSED = (
    "⚠️ Напоминание о ВКС, назначенное на {when}, не отправлено: бот был недоступен, "
    "а время уже прошло."
)
SLOT_USAGE = (
    "Как изменить слот: <code>/vksslot ср 08:38</code> или <code>/vksslot среда 8:38 60</code> "
    "(день недели, время начала, длительность в минутах 15–240)."
)
REMIND_USAGE = (
    "Как задать напоминания: <code>/vksremind 1д 15:00, 30м</code> — накануне в 15:00 и за 30 "
    "минут до начала. Можно до 5 через запятую: «2д 10:00», «0д 08:00», «2ч», «45м»."
)
REMIND_SET = "Готово: напоминания {offsets}."


def slot_set(slot: Slot) -> str:
    minutes = counted(slot.minutes, "минута", "минуты", "минут")
    return f"Готово: ВКС теперь {describe_slot(slot)}, {minutes}. Напоминания пересчитаны."


def describe_slot(slot: Slot) -> str:
    return f"{WEEKDAY_NAMES[slot.weekday]}, {slot.start:%H:%M}"


def describe_offset(offset: Offset) -> str:
    """«накануне в 15:00», «за 2 дня в 10:00», «за 30 минут до начала», «за 2 часа до начала»."""
    if offset.at is not None:
        when = {0: "в тот же день", 1: "накануне"}.get(
            offset.days, f"за {counted(offset.days, 'день', 'дня', 'дней')}"
        )
        return f"{when} в {offset.at:%H:%M}"
    if offset.minutes % 60 == 0:
        return f"за {counted(offset.minutes // 60, 'час', 'часа', 'часов')} до начала"
    return f"за {counted(offset.minutes, 'минуту', 'минуты', 'минут')} до начала"


# -- the post and the invitation ----------------------------------------------------------------

BTN_ATTEND = "🙋 Буду участвовать ({count})"
BTN_CALENDAR = "📅 В календарь"
ATTEND_ON = "Отметили: вы будете участвовать."
ATTEND_OFF = "Отметку сняли."
ATTEND_CLOSED = "Эта ВКС уже прошла."
ICS_CAPTION = "Откройте файл, чтобы добавить ВКС 8.38 {day} в календарь телефона."
ICS_UNKNOWN = "Для этой даты ВКС не запланирована."
SUMMARY = "ВКС 8.38: {topic}"


def day_title(day: date) -> str:
    """«09.12»: how a date is named in buttons and notices."""
    return f"{day:%d.%m}"


def date_button(day: date, status: str) -> str:
    return f"{day:%d.%m} · {status}"


def card(
    day: date,
    slot: Slot,
    vks: VksDate,
    *,
    directions: list[str],
    holiday: str | None,
    attending: int,
    reminders: list[tuple[Offset, str | None]],
    recording: int | None,
    notice: str = "",
) -> str:
    lines = [notice, ""] if notice else []
    title = f"{human_date(day)} {day.year}, {slot.start:%H:%M}"
    lines.append(f"<b>ВКС 8.38 — {title}</b>")
    if holiday:
        lines.append(f"🎉 Нерабочий день ({escape(holiday)}): напоминаний не будет.")
    if vks.cancelled:
        lines.append("❌ ВКС отменена: напоминаний не будет.")
    lines.append(f"Тема: {escape(vks.topic) if vks.topic else '— не задана'}")
    lines.append(f"Ссылка: {escape(vks.link) if vks.link else '—'}")
    lines.append(f"Спикер: {escape(vks.speaker) if vks.speaker else '—'}")
    shown = ", ".join(escape(shorten(d, 40)) for d in directions) or "все активные чаты"
    lines.append(f"Кому: {shown}")
    lines.append(f"Будут участвовать: {counted(attending, 'человек', 'человека', 'человек')}")
    if recording is not None:
        lines.append(f"Запись: материал №{recording}")
    if reminders:
        lines.append("Напоминания:")
        lines += [
            f"• {describe_offset(o)}" + (f" — {OUTCOMES.get(out, out)}" if out else "")
            for o, out in reminders
        ]
    return "\n".join(lines)


def announcement(vks: VksDate, slot: Slot, start: datetime, now: datetime) -> str:
    """The reminder post; ``start`` is the aware local start time, ``now`` when it goes out:
    the head says the time actually left, so a reminder sent late never says «через 30 мин»
    when it is ten."""
    when = human_date(vks.date)
    left = start - now
    local_now = now.astimezone(start.tzinfo)
    days = (start.date() - local_now.date()).days
    if left > timedelta(hours=2) or days > 0:
        head = {0: "Сегодня", 1: "Завтра"}.get(days, when[0].upper() + when[1:])
        head = f"📅 {head} в {start:%H:%M} — ВКС 8.38"
    elif left > timedelta(minutes=1):
        minutes = counted(ceil(left.total_seconds() / 60), "минуту", "минуты", "минут")
        head = f"⏰ Через {minutes} — ВКС 8.38"
    else:
        head = "⏰ Начинается — ВКС 8.38"
    lines = [f"<b>{head}</b>", f"{when[0].upper() + when[1:]}, {start:%H:%M} (МСК)", ""]
    lines.append(f"Тема: <b>{escape(vks.topic or '')}</b>")
    if vks.speaker:
        lines.append(f"Спикер: {escape(vks.speaker)}")
    if vks.link:
        lines.append(f"Подключиться: {escape(vks.link)}")
    lines.append(f"Длительность: до {counted(slot.minutes, 'минуты', 'минут', 'минут')}.")
    return "\n".join(lines)


def recording_announcement(day: date, topic: str) -> str:
    return (
        f"🎬 <b>Запись ВКС 8.38 от {day:%d.%m.%Y}</b>\n{escape(topic)}\n\n"
        "Смотрите и скачивайте в боте:"
    )
