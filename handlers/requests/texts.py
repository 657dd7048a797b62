"""Every Russian string of training requests, and the functions that format them.

Anything a person typed is cut with ``ui.shorten`` first and escaped second; every number
next to a noun goes through ``ui.counted``; no «(а)»: notices name the request, not who did it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import ui
from bot.ui import counted, escape, fit, shorten
from catalog.requests import format_phone
from catalog.schedule import MONTHS_GENITIVE, human_date

# -- what things are called ---------------------------------------------------------------------

FORMAT_TITLES = {
    "webinar": "онлайн-вебинар",
    "vks": "ВКС",
    "desant": "выездной «МЦТ-десант»",
    "centre": "в учебном центре МЦТ",
}
AUDIENCE_TITLES = {
    "doc": "врачи",
    "nurse": "медсёстры",
    "it": "ИТ-специалисты",
    "stat": "статистики",
    "hr": "кадровики",
    "econ": "экономисты",
    "head": "руководители",
}
# As a status is shown next to a request; without the emoji in a table.
STATUS_TITLES = {
    "new": "новая",
    "taken": "в работе",
    "changes": "на исправлении",
    "approved": "утверждена",
    "rejected": "отклонена",
    "withdrawn": "отозвана",
}
STATUS_ICONS = {
    "new": "🆕",
    "taken": "👀",
    "changes": "✏️",
    "approved": "✅",
    "rejected": "⛔",
    "withdrawn": "↩️",
}
REQUEST_STATUS = {code: f"{STATUS_ICONS[code]} {title}" for code, title in STATUS_TITLES.items()}
REQUEST_ACTIONS = {
    "created": "подана",
    "taken": "взята в работу",
    "approved": "утверждена",
    "changes": "возвращена на исправление",
    "rejected": "отклонена",
    "resubmitted": "исправлена и отправлена снова",
    "withdrawn": "отозвана тьютором",
    "sla_reminder": "напоминание методистам: долго без движения",
    "erased": "контакты удалены по просьбе пользователя",
    "held": "записаны итоги занятия",
}

# -- the tutor's form ---------------------------------------------------------------------------

REQUEST_STEPS = 8
STEP = "📝 <b>Заявка на обучение</b> · шаг {step} из {total}\n\n"
FIX_TITLE = "✏️ <b>Исправление заявки №{id}</b>\n"
ASK_ORG = "Напишите часть названия вашей медицинской организации: «Сокольская», «поликлиника 1»."
ASK_ORG_KEPT = "Ваша МО: <b>{org}</b>. Оставьте её или напишите часть названия другой."
ORG_FOUND = "Нашлось по запросу «{query}» — выберите свою МО:"
ORG_NONE = (
    "Не нашёл МО по запросу «{query}». Попробуйте другое слово из названия, район или номер, "
    "например «Кирилловская» или «поликлиника 2»."
)
ORG_QUERY_INVALID = "Напишите часть названия МО, до 100 символов."
ASK_TOPIC = "Выберите направление обучения:"
ASK_FORMAT = "Выберите формат обучения:"
ASK_AUDIENCE = "Кто будет учиться? Отметьте всех и нажмите «Готово»."
AUDIENCE_EMPTY = "Отметьте хотя бы одну группу слушателей."
ASK_PARTICIPANTS = "Сколько человек будет учиться? Напишите число от 1 до 500."
PARTICIPANTS_INVALID = "Нужно число участников от 1 до 500, например 25."
ASK_DATES = (
    "Когда удобно провести обучение? Выберите в календаре первый день, затем последний, или "
    "напишите: {examples}."
)
DATES_END = "Начало: <b>{start}</b>. Выберите последний день или нажмите «Только этот день»."
DATES_INVALID = (
    "Не понял даты. Напишите, например, {examples} или выберите в календаре. Подходят даты с "
    "завтрашнего дня и не дальше чем на год вперёд, период — до трёх месяцев."
)
DATES_TOO_LONG = "Период — не больше трёх месяцев. Выберите последний день пораньше."
DATES_UNDERSTOOD = "📅 Понял так: <b>{dates}</b>.\n\n"
ASK_CONTACT = (
    "Контактное лицо и телефон одним сообщением, например: «Иванова Мария Петровна, "
    "+7 921 123-45-67» или «Петров Иван, (8172) 72-00-11»."
)
CONTACT_INVALID = (
    "Нужны имя и российский номер телефона, например: «Иванова Мария, 8 921 123-45-67». "
    "Городской номер — с кодом: «Петров Иван, (8172) 72-00-11»."
)
ASK_COMMENT = (
    "Комментарий для методистов: что важно учесть, какие вопросы разобрать. "
    "Или нажмите «Без комментария»."
)
NOT_AN_ANSWER = "Команды и кнопки меню не подходят как ответ. {hint}"
SUMMARY_HEADER = "📝 <b>Проверьте заявку</b>\n\n"
CONSENT = (
    "🔒 Нажимая «Отправить», вы соглашаетесь на обработку контактных данных из заявки учебным "
    "центром МЦТ для организации обучения. Удалить их можно командой /forget."
)
EDIT_HINT = "Чтобы изменить поле, нажмите на него ниже."
SUBMITTED = (
    "✅ Заявка №{id} отправлена методистам. Статус — в «📋 Мои заявки»; о каждом изменении "
    "мы напишем сюда."
)
RESUBMITTED = "✅ Исправленная заявка №{id} снова у методистов."
NOT_FIXABLE = "Эту заявку сейчас нельзя исправить: её уже рассматривают или она закрыта."
DRAFT_LOST = "Черновик заявки не найден — начните заново: /request."
FIX_STARTED = "✏️ Исправляем заявку №{id}. Комментарий методиста: «{comment}»\n\n"
TOPICS_EMPTY = "Направления обучения ещё не заведены. Попробуйте позже."
ORGS_EMPTY = "Справочник МО пуст. Сообщите, пожалуйста, администратору."

BTN_KEEP_ORG = "Оставить: {org}"
BTN_NO_COMMENT = "Без комментария"
BTN_ONE_DAY = "Только этот день"
BTN_SUBMIT = "📨 Отправить"
BTN_RESUBMIT = "📨 Отправить снова"
BTN_FIX = "✏️ Исправить заявку №{id}"
FIELD_BUTTONS = (
    ("org", "🏥 МО"),
    ("topic", "📚 Направление"),
    ("format", "🎓 Формат"),
    ("audience", "👥 Слушатели"),
    ("participants", "🔢 Участники"),
    ("dates", "📅 Даты"),
    ("contact", "☎️ Контакт"),
    ("comment", "💬 Комментарий"),
)

# -- «Мои заявки» -------------------------------------------------------------------------------

MY_REQUESTS_EMPTY = "У вас пока нет заявок. Подать — кнопка «📝 Заявка на обучение» или /request."
MY_REQUESTS_HEADER = "📋 <b>Ваши заявки</b>. Нажмите на номер, чтобы открыть заявку."
MY_SESSION = "🗓 <b>Занятие</b>: {when}\n🎓 {format}\n📍 {place}\n⏱ {hours} ак. ч."
MY_NO_SESSION = "🗓 Занятие ещё не назначено: мы напишем, когда методист выберет время."
ASK_WITHDRAW = "Отозвать заявку №{id}? Методисты увидят, что она отозвана. Вернуть её будет нельзя."
WITHDRAWN = "↩️ Заявка №{id} отозвана."
NOT_WITHDRAWABLE = "Эту заявку уже нельзя отозвать: она утверждена или закрыта."
NOT_YOURS = "Это не ваша заявка."
BTN_WITHDRAW = "↩️ Отозвать заявку"
BTN_WITHDRAW_YES = "↩️ Да, отозвать"
BTN_JOIN = "🔗 Подключиться"
BTN_CALENDAR = "📅 В календарь"
CALENDAR_CAPTION = "📅 Занятие №{id}: откройте файл, чтобы добавить его в календарь."
CALENDAR_GONE = "Это занятие отменено или уже прошло."

# -- what the tutor is told ---------------------------------------------------------------------

NOTE_TAKEN = "👀 Заявка №{id} ({topic}) в работе у методиста {who}."
NOTE_APPROVED = (
    "✅ Заявка №{id} ({topic}) утверждена.\n📅 {when}\n🎓 {format}\n📍 {place}\n⏱ {hours} ак. ч."
)
NOTE_CHANGES = (
    "✏️ Заявку №{id} ({topic}) просят исправить.\nНажмите кнопку ниже: откроется ваша заявка, "
    "поправьте нужное и отправьте снова."
)
NOTE_REJECTED = "⛔ Заявка №{id} ({topic}) отклонена."
NOTE_COMMENT = "\n💬 Комментарий методиста: {comment}"
NOTE_TOMORROW = (
    "🔔 Напоминаем: завтра, {when}, обучение по заявке №{id}.\n📚 {topic}\n🎓 {format}\n📍 {place}"
)
NOTE_WITHDRAWN = "↩️ Заявка №{id} ({topic}) отозвана тьютором."

# -- the methodologists' side -------------------------------------------------------------------

REVIEW_NEW = "📥 Новая заявка на обучение"
REVIEW_RESUBMITTED = "📥 Заявка исправлена тьютором"
REVIEW_TAKEN = "Заявка ваша."
REVIEW_TOO_LATE = "Заявку уже обработали — показываю, как она выглядит сейчас."
REVIEW_GONE = "Такой заявки нет."
REVIEW_DM_FAILED = "Не могу написать вам в личные сообщения. Откройте бота и нажмите /start."
REVIEW_GO_PRIVATE = "Продолжим в личных сообщениях с ботом."
REVIEW_CONTINUE = "{title} Заявка №{id}: продолжим здесь — нажмите кнопку ниже."
REVIEW_ASK_REASON = "Заявка №{id}: напишите причину отказа — её получит тьютор."
REVIEW_ASK_CHANGES = "Заявка №{id}: напишите, что исправить — это получит тьютор."
REVIEW_COMMENT_INVALID = "Нужен текст от 3 до 1000 символов."
REVIEW_REJECTED = "⛔ Заявка №{id} отклонена, причина отправлена тьютору."
REVIEW_CHANGES_SENT = "✏️ Заявка №{id} возвращена тьютору на исправление."
REVIEW_APPROVED = "✅ Заявка №{id} утверждена, занятие №{session} создано, тьютору сообщили."
REVIEW_NO_CHATS = "К направлению не привязан ни один чат — анонсировать некуда. Привязка — /bind."
REVIEW_ALREADY_ANNOUNCED = "Это занятие уже анонсировано."
REVIEW_HISTORY = "🧾 <b>История заявки №{id}</b>"
BTN_TAKE = "🙋 Взять себе"
BTN_APPROVE = "✅ Утвердить"
BTN_CHANGES = "✏️ На исправление"
BTN_REJECT = "⛔ Отклонить"
BTN_HISTORY = "🧾 История"
BTN_ANNOUNCE = "📣 Анонсировать в чатах"
BTN_CONTINUE = "▶️ Продолжить"
REVIEW_ACTIONS = {"a": "✅ Утверждение.", "c": "✏️ Возврат на исправление.", "r": "⛔ Отказ."}

SCHEDULE_TITLE_APPROVE = "🗓 <b>Утверждение заявки №{id}</b>\n"
SCHEDULE_TITLE_NEW = "🗓 <b>Новое занятие</b>\n"
SCHEDULE_ASK_TOPIC = "Направление занятия:"
SCHEDULE_ASK_ORG = "Для какой МО занятие? Напишите часть названия или нажмите «Для всех МО»."
SCHEDULE_ASK_DATE = "Дата занятия: выберите в календаре или напишите, например, «{example}»."
SCHEDULE_ASKED = "Тьютор просил: <b>{dates}</b> — в календаре эти дни отмечены •."
SCHEDULE_PICK_DATE = "Выберите дату занятия в календаре или напишите её."
SCHEDULE_DATE_INVALID = (
    "Нужна дата в виде ДД.ММ, например «{example}», не раньше 60 дней назад и не дальше года "
    "вперёд."
)
SCHEDULE_ASK_TIME = "Время начала (по Москве): выберите или напишите, например, «09:30»."
SCHEDULE_TIME_INVALID = "Нужно время в виде ЧЧ:ММ, например 09:30."
SCHEDULE_ASK_FORMAT = "Формат занятия:"
SCHEDULE_ASK_PLACE = "Ссылка на подключение или адрес (до 300 символов):"
SCHEDULE_PLACE_INVALID = "Нужна ссылка или адрес, от 3 до 300 символов."
SCHEDULE_ASK_HOURS = "Сколько академических часов запланировано? Выберите или напишите число."
SCHEDULE_HOURS_INVALID = "Нужно число академических часов от 0,5 до 80, например 2."
SCHEDULE_ASK_COMMENT = "Комментарий для тьютора или «Без комментария»:"
SCHEDULE_FOR_ALL = "Для всех МО"
FOR_ALL_IN_LINE = "для всех МО"
SCHEDULE_SAVED = "✅ Занятие №{id} записано."
SCHEDULE_CHECK = "Проверьте и нажмите «Сохранить»."
BTN_FOR_ALL = "Для всех МО"
BTN_SAVE = "💾 Сохранить"

SESSIONS_HEADER = "📅 <b>Занятия</b>"
SESSIONS_EMPTY = "Занятий пока нет. Новое — кнопкой ниже."
BTN_NEW_SESSION = "➕ Новое занятие"
BTN_RESULTS = "Итоги №{id}"
RESULTS_ASK = (
    "Занятие №{id}: пришлите через пробел, сколько человек обучено и сколько академических "
    "часов проведено, например «25 2»."
)
RESULTS_INVALID = (
    "Нужны два числа: участники (1–500) и академические часы (0,5–80), например «25 2»."
)
SESSION_GONE = "Такого занятия нет."

REQUESTS_FILTER_ALL = "все"
REQUESTS_EMPTY = "Заявок с такими условиями нет."
REQUESTS_ORG_UNKNOWN = "МО «{query}» не нашлась — показываю без фильтра по МО."
REQUESTS_ORG_PICK = "Нашлось по запросу «{query}» — выберите МО:"
REQUESTS_PICK_TOPIC = "Выберите направление для фильтра:"
BTN_FILTER_MINE = "Мои"
BTN_FILTER_NOBODY = "Ничьи"
BTN_FILTER_ANYONE = "Все исполнители"
BTN_FILTER_TOPIC = "📚 Направление"
BTN_FILTER_RESET = "Сбросить фильтры"

# -- /forget ------------------------------------------------------------------------------------

FORGET_ASK = (
    "🗑 Удалить ваши персональные данные? Имя, имя пользователя и контакты в заявках будут "
    "удалены безвозвратно. Число обученных и даты занятий останутся в статистике без "
    "персональных данных."
)
FORGOTTEN_NOTICE = "(данные удалены по просьбе пользователя)"
FORGET_KEPT = "Хорошо, ничего не удалено."
BTN_FORGET_YES = "🗑 Да, удалить"


def forget_done(requests: int) -> str:
    done = "✅ Готово: ваше имя и контакты удалены."
    if requests:
        where = counted(requests, "заявке", "заявках", "заявках")
        done += f" Контактные данные в {where} обезличены."
    return done


# -- how things read ----------------------------------------------------------------------------

# "с пятницы, 4 декабря, по воскресенье, 6 декабря": the weekday follows the preposition.
WEEKDAYS_FROM = (
    "понедельника", "вторника", "среды", "четверга", "пятницы", "субботы", "воскресенья",
)  # fmt: skip
WEEKDAYS_TO = (
    "понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье",
)  # fmt: skip


def date_range(start: date, end: date, note: str = "") -> str:
    tail = f", {note}" if note else ""
    if start == end:
        return f"{human_date(start)} {start.year}{tail}"
    if start.year != end.year:
        return f"с {start:%d.%m.%Y} по {end:%d.%m.%Y}{tail}"
    since = f"{WEEKDAYS_FROM[start.weekday()]}, {start.day} {MONTHS_GENITIVE[start.month - 1]}"
    until = f"{WEEKDAYS_TO[end.weekday()]}, {end.day} {MONTHS_GENITIVE[end.month - 1]}"
    # «со вторника», «со среды»: two consonants after «с».
    preposition = "со" if start.weekday() in (1, 2) else "с"
    return f"{preposition} {since}, по {until} {end.year}{tail}"


def short_dates(start: date, end: date) -> str:
    return f"{start:%d.%m}" + (f"–{end:%d.%m}" if end != start else "")


def date_examples(today: date) -> str:
    """What a tutor may type, with dates that make sense today: next week, two weeks on."""
    monday = today + timedelta(days=7 - today.weekday())
    friday = monday + timedelta(days=4)
    if monday.month == friday.month:
        span = f"с {monday.day} по {friday.day} {MONTHS_GENITIVE[friday.month - 1]}"
    else:
        span = (
            f"с {monday.day} {MONTHS_GENITIVE[monday.month - 1]} "
            f"по {friday.day} {MONTHS_GENITIVE[friday.month - 1]}"
        )
    later = today + timedelta(days=14)
    numeric = f"{later:%d.%m}–{later + timedelta(days=2):%d.%m}"
    return f"«завтра», «в пятницу утром», «{span}», «{numeric}», «на следующей неделе»"


def session_example(today: date) -> str:
    return f"{today + timedelta(days=7):%d.%m}"


def when(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{human_date(local.date())} {local.year}, {local:%H:%M}"


def audience(codes: Sequence[str]) -> str:
    return ", ".join(AUDIENCE_TITLES.get(c, c) for c in codes) or "—"


def hours(value: float | None) -> str:
    return "—" if value is None else f"{value:g}".replace(".", ",")


def people(value: int) -> str:
    return counted(value, "человек", "человека", "человек")


def contact_line(name: str | None, phone: str | None, code: int) -> str:
    if name is None and phone is None:
        return "☎️ Контакт: удалён по просьбе пользователя"
    shown = format_phone(phone, code) if phone else "—"
    return f"☎️ Контакт: {escape(shorten(name or '—', 100))}, {escape(shown)}"


@dataclass(frozen=True, slots=True)
class RequestView:
    """A request's fields as people read them; the callers resolve ids to names."""

    organisation: str
    topic: str
    format: str
    audience: tuple[str, ...]
    participants: int | None
    dates: str
    contact_name: str | None
    contact_phone: str | None
    comment: str
    contact_phone_code: int = 3


def request_fields(view: RequestView, *, contacts: bool = True) -> list[str]:
    """The body of a summary or a card, every user-typed value cut and escaped."""
    dash = "—"
    lines = [
        f"🏥 МО: {escape(shorten(view.organisation, 200)) or dash}",
        f"📚 Направление: {escape(shorten(view.topic, 100)) or dash}",
        f"🎓 Формат: {FORMAT_TITLES.get(view.format, dash)}",
        f"👥 Слушатели: {audience(view.audience)}",
        f"🔢 Участников: {view.participants or dash}",
        f"📅 Даты: {escape(view.dates) or dash}",
    ]
    if contacts:
        lines.append(contact_line(view.contact_name, view.contact_phone, view.contact_phone_code))
    lines.append(f"💬 Комментарий: {escape(shorten(view.comment, 1000)) or dash}")
    return lines


def request_summary(view: RequestView, fix_id: int = 0) -> str:
    body = "\n".join(request_fields(view))
    title = FIX_TITLE.format(id=fix_id) if fix_id else ""
    return f"{title}{SUMMARY_HEADER}{body}\n\n{CONSENT}\n\n{EDIT_HINT}"


def request_card(
    number: int,
    status: str,
    view: RequestView,
    *,
    headline: str = "",
    assignee: str = "",
    created: str = "",
    session: str = "",
) -> str:
    lines = [f"{headline}\n" if headline else ""]
    lines[0] += f"📝 <b>Заявка №{number}</b> · {REQUEST_STATUS.get(status, status)}"
    lines += request_fields(view)
    if assignee:
        lines.append(f"👤 Исполнитель: {escape(shorten(assignee, 100))}")
    if created:
        lines.append(f"🕓 Подана: {created}")
    if session:
        lines.append(session)
    return fit(lines)


def session_on_card(number: int, starts: datetime, place: str, tz: ZoneInfo) -> str:
    return f"🗓 Занятие №{number}: {when(starts, tz)}, {escape(shorten(place, 300))}"


def request_line(number: int, status: str, topic: str, dates: str, extra: str = "") -> str:
    tail = f" · {escape(shorten(extra, 120))}" if extra else ""
    topic_shown = escape(shorten(topic, 60))
    return f"№{number} · {REQUEST_STATUS.get(status, status)} · {topic_shown} · {dates}{tail}"


def request_history(number: int, events: list[tuple[str, str, str, str]]) -> str:
    """``events``: (when, who, action code, comment)."""
    lines = [REVIEW_HISTORY.format(id=number)]
    for moment, who, action, comment in events:
        actor = escape(shorten(who, 80)) or "бот"
        line = f"• {moment} — {actor}: {REQUEST_ACTIONS.get(action, action)}"
        if comment:
            line += f" («{escape(shorten(comment, 300))}»)"
        lines.append(line)
    return fit(lines)


def requests_header(filters: str, total: int) -> str:
    return f"📋 <b>Заявки</b> · {filters}\nНайдено: {counted(total, 'заявка', 'заявки', 'заявок')}"


def sla_headline(days: int) -> str:
    waited = counted(days, "дня", "дней", "дней")
    return f"⏰ Заявка ждёт действий больше {waited}, считая только рабочие"


def text_too_long(limit: int) -> str:
    most = counted(limit, "символа", "символов", "символов")
    return f"Слишком длинно: не больше {most}. Сократите, пожалуйста."


def announced(chats: int) -> str:
    return f"📣 Анонс поставлен в очередь: {counted(chats, 'чат', 'чата', 'чатов')}."


def sessions_total(sessions: int, trained: int, hours_done: float) -> str:
    done = counted(sessions, "занятие", "занятия", "занятий")
    return f"Проведено: {done}, обучено: {people(trained)}, {hours(hours_done)} ак. ч."


def results_saved(number: int, trained: int, hours_done: float) -> str:
    return f"✅ Итоги занятия №{number}: {people(trained)}, {hours(hours_done)} ак. ч."


def session_line(
    number: int,
    moment: str,
    organisation: str,
    topic: str,
    fmt: str,
    planned: float,
    trained: int | None,
    actual: float | None,
) -> str:
    done = f" · итог: {people(trained)}, {hours(actual)} ак. ч." if trained is not None else ""
    where = escape(shorten(organisation, 60)) if organisation else FOR_ALL_IN_LINE
    return (
        f"№{number} · {moment} · {where} · {escape(shorten(topic, 60))} · "
        f"{FORMAT_TITLES.get(fmt, fmt)} · план {hours(planned)} ак. ч.{done}"
    )


def schedule_draft(lines: Sequence[tuple[str, str]]) -> str:
    return "\n".join(f"{title}: {escape(shorten(value, 300))}" for title, value in lines)


def export_caption(day: str, requests: int, sessions: int) -> str:
    found = counted(requests, "заявка", "заявки", "заявок")
    held = counted(sessions, "занятие", "занятия", "занятий")
    return f"Заявки и занятия на {day}: {found}, {held}."


def session_announcement(topic: str, moment: str, fmt: str, organisation: str, place: str,
                         planned: float) -> str:  # fmt: skip
    org = escape(shorten(organisation, 200)) if organisation else SCHEDULE_FOR_ALL
    return (
        f"🎓 <b>Обучение: {escape(shorten(topic, 100))}</b>\n📅 {moment}\n"
        f"🎓 {FORMAT_TITLES.get(fmt, '')}\n🏥 {org}\n"
        f"📍 {escape(shorten(place, 300))}\n⏱ {hours(planned)} ак. ч."
    )


def calendar_summary(topic: str) -> str:
    return f"Обучение МЦТ: {topic}"


# -- the export ---------------------------------------------------------------------------------

REQUEST_COLUMNS = (
    "№",
    "Статус",
    "МО",
    "Направление",
    "Формат",
    "Слушатели",
    "Участников",
    "Даты с",
    "Даты по",
    "Контактное лицо",
    "Телефон",
    "Комментарий",
    "Исполнитель",
    "Подана (МСК)",
    "Занятие №",
)
SESSION_COLUMNS = (
    "№",
    "Заявка №",
    "МО",
    "Направление",
    "Формат",
    "Начало (МСК)",
    "Место или ссылка",
    "Часов по плану",
    "Обучено человек",
    "Проведено часов",
)
SHEET_REQUESTS = "Заявки"
SHEET_SESSIONS = "Занятия"


def table_value(value: Any) -> Any:
    """Cells stay numbers and dates; an absent value is an empty cell."""
    return "" if value is None else value


def plain(value: str) -> str:
    return ui.html_to_plain(value)
