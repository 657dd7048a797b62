"""Every Russian string of the chat registry, and the functions that format them. Worded so
no gender is needed; people's text is cut first and escaped second; every number next to a
noun goes through ``ui.counted``."""

from __future__ import annotations

from bot import ui

CHAT_ADDED = (
    "Здравствуйте! Я бот учебного центра МЦТ. Методист может привязать этот чат к направлениям "
    "обучения командой /bind — тогда сюда будут приходить анонсы ВКС 8.38 и объявления."
)
CHAT_LOST = "⚠️ Бот больше не может писать в чат «{title}»: {reason}. Чат помечен неактивным."
CHAT_REMOVED_REASON = "бота удалили из чата"
CHATS_EMPTY = "Бот пока не добавлен ни в один чат. Добавьте его в группу — она появится здесь."
CHATS_HEADER = "<b>Чаты</b>: {active} из {total}, стр. {page} из {pages}:"
CHAT_NEVER_POSTED = "ещё не было"
CHAT_NO_TOPICS = "не выбраны"
BIND_PICK = "Направления для {place}: отметьте нужные и нажмите «{done}»."
BIND_PLACE_CHAT = "чата «{title}»"
BIND_PLACE_THREAD = "темы {thread} чата «{title}»"
BIND_DONE = "✅ Направления {place}: {topics}. Сюда будут приходить их анонсы и объявления."
BIND_DONE_NONE = "Направления {place} не выбраны: анонсы по направлениям сюда не придут."
BIND_GROUP_ONLY = "Команда /bind работает внутри группы. В личном чате откройте /chats."
BTN_CHATS_BACK = "⬅️ К списку чатов"
BTN_BIND = "🏷 Направления"
BTN_WELCOME = "👋 Приветствие"
BTN_WELCOME_OFF = "🚫 Выключить приветствие"
BTN_REFRESH = "🔄 Обновить"
WELCOME_ASK = (
    "👋 <b>Приветствие для {place}</b>\n"
    "Пришлите текст приветствия для новых участников: правила чата и что здесь обсуждают. "
    "Ссылку на каталог я добавлю сам."
)
WELCOME_NOW = "Сейчас новые участники видят:\n{welcome}"
WELCOME_SAVED = "Приветствие сохранено. Так его увидят новые участники:"
WELCOME_OFF = "Приветствие выключено."
WELCOME_TOO_LONG = "Слишком длинно: приветствие должно быть до 1000 символов."
WELCOME_TAIL = "\n\n📚 Материалы учебного центра: {link}"
WELCOME_HELLO = "👋 {names}, добро пожаловать!\n\n"
WELCOME_SAMPLE_NAME = "Мария"
NOT_AN_ANSWER = (
    "Команды и кнопки меню не подходят как приветствие. Пришлите текст или нажмите «✖️ Отмена»."
)
CHAT_GONE = "Этот чат не найден в реестре."


def place(title: str, chat_id: int, thread: int = 0) -> str:
    """«чата «ЭЛН»» or «темы 5 чата «ЭЛН»», escaped."""
    shown = ui.escape(ui.shorten(title or str(chat_id), 80))
    if thread:
        return BIND_PLACE_THREAD.format(thread=thread, title=shown)
    return BIND_PLACE_CHAT.format(title=shown)


def bind_pick(where: str) -> str:
    return BIND_PICK.format(place=where, done=ui.BTN_DONE)


def bind_done(where: str, topics: str) -> str:
    if not topics:
        return BIND_DONE_NONE.format(place=where)
    return BIND_DONE.format(place=where, topics=topics)


def chats_header(active: int, total: int, page: int, pages: int) -> str:
    return CHATS_HEADER.format(
        active=ui.counted(active, "активный", "активных", "активных"),
        total=ui.number(total),
        page=page,
        pages=pages,
    )


def ask_welcome(where: str, current: str | None) -> str:
    text = WELCOME_ASK.format(place=where)
    if current:
        text += "\n\n" + WELCOME_NOW.format(welcome=current)
    return ui.fit([text])


def chat_line(
    title: str,
    *,
    active: bool,
    is_forum: bool,
    can_post: bool,
    can_pin: bool,
    member_count: int | None,
    last_post: str | None,
    topics: str,
    error: str | None,
    chat_id: int | None = None,
) -> str:
    mark = "✅" if active and can_post else ("⚠️" if active else "⛔")
    shown = ui.escape(ui.shorten(title, 80)) if title else "без названия"
    parts = [f"{mark} <b>{shown}</b>" + (" (форум)" if is_forum else "")]
    if not active:
        parts.append(f"неактивен: {ui.escape(error or 'бот удалён')}")
    else:
        parts.append(
            f"писать {'да' if can_post else 'нет'}, закреплять {'да' if can_pin else 'нет'}"
        )
    if member_count is not None:
        parts.append(f"участников: {ui.number(member_count)}")
    parts.append(f"последний пост: {last_post or CHAT_NEVER_POSTED}")
    parts.append(f"направления: {topics or CHAT_NO_TOPICS}")
    if chat_id is not None:
        # The id is what STAFF_CHAT_ID needs.
        parts.append(f"id: <code>{chat_id}</code>")
    if active and error:
        parts.append(f"последняя ошибка: {ui.escape(error)}")
    return "\n   ".join(parts)
