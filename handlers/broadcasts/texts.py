"""Every Russian string of broadcasts and subscriptions, and the functions that format them.
People's text is cut with ``ui.shorten`` first and escaped second; every number next to a noun
goes through ``ui.counted``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot import ui
from storage.announcements import Announcement, ReportLine

# -- the form --------------------------------------------------------------------------------------

ASK_CONTENT = (
    "📣 <b>Новое объявление</b>\n"
    "Пришлите текст объявления (форматирование сохранится) или фото/документ с подписью."
)
CONTENT_NOW = "Сейчас в объявлении: «{preview}». Пришлите другое или нажмите «{next}»."
CONTENT_INVALID = "Нужен текст, фото или документ."
CAPTION_TOO_LONG = "Подпись длиннее 1024 символов: Telegram её не примет. Сократите."
NOT_AN_ANSWER = (
    "Команды и кнопки меню не подходят как текст объявления. Пришлите текст или нажмите «✖️ Отмена»."
)
TARGETS_HEADER = "Кому отправить?"
TARGET_ALL = "• Все чаты: {value}"
TARGET_TOPICS = "• Направления: {value}"
TARGET_CHATS = "• Выбранные чаты: {value}"
TARGET_SUBSCRIBERS = "• Подписчики в личных сообщениях: {value}"
PICK_TOPICS = "Отметьте направления: объявление уйдёт в привязанные к ним чаты."
PICK_CHATS = "Отметьте чаты, в которые отправить объявление."
NO_CHATS = "Бот пока не добавлен ни в один чат."
NO_TARGETS = "Не выбрано ни одного получателя."
PREVIEW = (
    "👆 Так увидят объявление. Получателей: {count}.\nЗакрепить в чатах: {pin}.\n"
    "Отправить сейчас или запланировать?"
)
ASK_TIME = (
    "Когда отправить? Например: <code>{day} 10:00</code>, <code>{day}.{year} 10:00</code> или "
    "<code>завтра 9:00</code> (время {tz})."
)
TIME_INVALID = (
    "Не понял дату и время. Пример: <code>{day} 10:00</code> или <code>завтра 9:00</code>."
)
TIME_PAST = "Это время уже прошло. Укажите время в будущем (до года вперёд)."
QUEUED = "📤 Объявление №{id} отправляется: {count}. Пришлю отчёт."
SCHEDULED = "🕒 Объявление №{id} запланировано на {when}. Список — /broadcasts."
DISCARDED = "Объявление не отправлено."
ALREADY_SENT = (
    "Объявление №{id} из этой формы уже создано: второй раз оно не уйдёт. Список — /broadcasts."
)
BTN_ALL_CHATS = "Все чаты"
BTN_BY_TOPICS = "По направлениям"
BTN_BY_CHATS = "Выбрать чаты"
BTN_SUBSCRIBERS = "Подписчики: {state}"
BTN_PIN = "📌 Закрепить: {state}"
BTN_SEND_NOW = "📤 Отправить сейчас"
BTN_SCHEDULE = "🕒 Запланировать"
YES, NO = "да", "нет"

# -- the list, reports, cancel and recall ----------------------------------------------------------

EMPTY = "Объявлений пока не было. Создать — /broadcast."
HEADER = "<b>Последние объявления</b>, новые сверху:"
CANCELLED = "Объявление №{id} отменено."
CANNOT_CANCEL = "Это объявление уже нельзя отменить."
RECALL_ASK = "Удалить объявление №{id} из всех чатов, куда оно доставлено ({count})?"
RECALLING = "Удаляю объявление №{id}: {count}."
CANNOT_RECALL = "Отзывать нечего: объявление не доставлено или уже отозвано."
GONE = "Объявление не найдено."
RETRYING = "Объявление №{id}: отправляю заново недоставленные ({count})."
NOTHING_TO_RETRY = "Недоставленных нет: повторять нечего."
BTN_CANCEL_BROADCAST = "❌ Отменить"
BTN_RECALL = "🗑 Отозвать"
BTN_RECALL_YES = "Да, удалить"
BTN_RETRY_FAILED = "🔁 Повторить недоставленные ({count})"
STATUS_TITLES = {
    "scheduled": "🕒 запланировано",
    "queued": "📤 отправляется",
    "done": "✅ отправлено",
    "cancelled": "❌ отменено",
    "missed": "⚠️ пропущено",
    "recalled": "🗑 отозвано",
}
ROW_STATUS = {
    "pending": "⏳",
    "sending": "⏳",
    "sent": "✅",
    "failed": "❌",
    "cancelled": "➖",
    "recalling": "⏳",
    "recalled": "🗑",
}
RETRY_HINT = "Недоставленные можно отправить ещё раз кнопкой ниже."
RECALL_UNKNOWN = (
    "⚠️ Могли остаться {count}: Telegram не ответил на отправку, и номер сообщения неизвестен —"
    " такие копии бот удалить не может."
)

# -- subscriptions ---------------------------------------------------------------------------------

SUBSCRIBE_PICK = (
    "Выберите направления: анонсы ВКС 8.38 и объявления по ним я буду присылать вам сюда. "
    "Нажмите ещё раз, чтобы отписаться."
)
SUBSCRIBE_DONE = "Подписки: {topics}."
SUBSCRIBE_NONE = "вы ни на что не подписаны"


def yes_no(flag: bool) -> str:
    return YES if flag else NO


def recipients(count: int) -> str:
    return ui.counted(count, "получатель", "получателя", "получателей")


def chats(count: int) -> str:
    return ui.counted(count, "чат", "чата", "чатов")


def content_now(text: str, has_media: bool, next_caption: str) -> str:
    shown = ui.shorten(ui.html_to_plain(text), 120) or ("📎 файл" if has_media else "")
    return CONTENT_NOW.format(preview=ui.escape(shown), next=next_caption)


def targets(all_chats: bool, topics: Sequence[str], chosen_chats: int, subscribers: bool) -> str:
    """What the draft goes to; ``topics`` are titles."""
    return "\n".join(
        [
            TARGETS_HEADER,
            TARGET_ALL.format(value=yes_no(all_chats)),
            TARGET_TOPICS.format(value=ui.escape(ui.shorten(", ".join(topics), 300)) or "—"),
            TARGET_CHATS.format(value=chats(chosen_chats) if chosen_chats else "—"),
            TARGET_SUBSCRIBERS.format(value=yes_no(subscribers)),
        ]
    )


def examples(now: datetime) -> tuple[str, str]:
    """A day to show in the time prompt: tomorrow, so the example is never in the past."""
    tomorrow = now + timedelta(days=1)
    return tomorrow.strftime("%d.%m"), tomorrow.strftime("%Y")


def ask_time(now: datetime, tz: str) -> str:
    day, year = examples(now)
    return ASK_TIME.format(day=day, year=year, tz=ui.escape(tz))


def time_invalid(now: datetime) -> str:
    return TIME_INVALID.format(day=examples(now)[0])


def queued(number: int, count: int) -> str:
    return QUEUED.format(id=number, count=recipients(count))


def messages(count: int) -> str:
    return ui.counted(count, "сообщение", "сообщения", "сообщений")


def recall_ask(number: int, sent: int) -> str:
    return RECALL_ASK.format(id=number, count=messages(sent))


def recalling(number: int, count: int) -> str:
    return RECALLING.format(id=number, count=messages(count))


def retrying(number: int, count: int) -> str:
    return RETRYING.format(id=number, count=count)


def line(number: int, status: str, when: str, preview: str, counts: dict[str, int]) -> str:
    total = sum(counts.values())
    sent = counts.get("sent", 0) + counts.get("recalled", 0) + counts.get("recalling", 0)
    tail = f" · доставлено {sent} из {total}" if total else ""
    return f"№{number} · {STATUS_TITLES.get(status, status)} · {when}{tail}\n   {preview}"


def delivery_report(announcement: Announcement, rows: list[ReportLine]) -> str:
    """Per chat: delivered or failed and why; private subscribers summed up in one line; for a
    recall, how many copies went and how many could not."""
    in_chats = [r for r in rows if r.chat_id < 0]
    people = [r for r in rows if r.chat_id > 0]
    delivered = sum(1 for r in rows if r.status in ("sent", "recalled", "recalling"))
    failed = sum(1 for r in rows if r.status == "failed")
    out = [
        f"📊 <b>Объявление №{announcement.id}</b>: "
        f"{STATUS_TITLES.get(announcement.status, announcement.status)}.",
        f"Доставлено {delivered} из {len(rows)}, не доставлено {failed}.",
    ]
    if announcement.status == "recalled":
        out += recall_lines(rows)
    for r in in_chats:
        reason = f" — {ui.escape(r.error)}" if r.error else ""
        thread = f" (тема {r.thread_id})" if r.thread_id else ""
        title = ui.escape(ui.shorten(r.title or str(r.chat_id), 100))
        out.append(f"{ROW_STATUS.get(r.status, '•')} {title}{thread}{reason}")
    if people:
        ok = sum(1 for r in people if r.status in ("sent", "recalled", "recalling"))
        out.append(f"👤 Подписчикам: доставлено {ok} из {len(people)}.")
        reasons: dict[str, int] = {}
        for r in people:
            if r.status == "failed":
                key = r.error or "ошибка"
                reasons[key] = reasons.get(key, 0) + 1
        out += [f"   ❌ {ui.escape(k)}: {v}" for k, v in reasons.items()]
    if failed:
        out.append(RETRY_HINT)
    return ui.fit(out)


def recall_lines(rows: list[ReportLine]) -> list[str]:
    copies = sum(r.copies for r in rows)
    deleted = sum(r.deleted for r in rows)
    unknown = sum(r.unknown for r in rows)
    waiting = sum(1 for r in rows if r.status == "recalling")
    total = ui.counted(copies, "сообщения", "сообщений", "сообщений")
    out = [f"🗑 Удалено {deleted} из {total}."]
    if waiting:
        out.append(f"⏳ Ещё удаляется: {chats(waiting)}.")
    elif copies > deleted:
        out.append(f"❌ Не удалось удалить: {copies - deleted} (причина — у чата ниже).")
    if unknown:
        out.append(RECALL_UNKNOWN.format(count=ui.counted(unknown, "копия", "копии", "копий")))
    return out


def subscribed(titles: Sequence[str]) -> str:
    names = ", ".join(ui.escape(t) for t in titles)
    return SUBSCRIBE_DONE.format(topics=names or SUBSCRIBE_NONE)


# To the methodologists, when a scheduled broadcast's time passed while the bot was down.
MISSED = (
    "⚠️ Объявление №{id}, запланированное на {when}, не отправлено: бот был недоступен "
    "слишком долго. Откройте /broadcasts, чтобы отправить его заново."
)
