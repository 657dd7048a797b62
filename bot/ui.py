"""The few texts, buttons and helpers every feature shares: the main menu and its labels, the
wording of Back and Cancel, the common refusals, and how user text is cut, escaped and counted.

Everything user-facing is Russian. Anything interpolated from users is cut with ``shorten``
first and escaped with ``escape`` second, so no entity or tag is ever split; a long list of
HTML lines is shortened with ``fit``, which counts what people see.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum
from html import escape as escape  # re-exported: features escape through ui
from html import unescape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    CallbackQuery,
    InaccessibleMessage,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)
from aiogram.utils.callback_answer import CallbackAnswer

from storage.users import Role, UserRecord

# -- Telegram's limits, counted as people see the text (after its HTML is parsed) -----------

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
ALERT_LIMIT = 200

# -- roles -----------------------------------------------------------------------------------

ROLE_TITLES: dict[Role, str] = {
    Role.ADMIN: "администратор",
    Role.METHODOLOGIST: "методист",
    Role.TUTOR: "тьютор МО",
    Role.STAFF: "сотрудник",
}

# -- the main menu: its labels are matched exactly by the features' routers ----------------

BTN_SEARCH_HINT = "🔎 Поиск"
BTN_CATALOG = "📚 Каталог"
BTN_SUBSCRIPTIONS = "🔔 Подписки"
BTN_REQUEST = "📝 Заявка на обучение"
BTN_MY_REQUESTS = "📋 Мои заявки"
BTN_STATS = "📊 Статистика"
BTN_ROLES = "👥 Роли"
BTN_HELP = "❓ Помощь"

MENU_BUTTONS = frozenset(
    {
        BTN_SEARCH_HINT,
        BTN_CATALOG,
        BTN_SUBSCRIPTIONS,
        BTN_REQUEST,
        BTN_MY_REQUESTS,
        BTN_STATS,
        BTN_ROLES,
        BTN_HELP,
    }
)

# -- one wording across the bot ---------------------------------------------------------------

BTN_BACK = "◀️ Назад"
BTN_CANCEL = "✖️ Отмена"
BTN_DONE = "✅ Готово"
BTN_SKIP = "Пропустить"
BTN_NEXT = "Далее ▶️"
YES, NO = "да", "нет"

APOLOGY = "Извините, что-то пошло не так. Мы уже разбираемся — попробуйте ещё раз чуть позже."
REFUSED = "Извините, это действие доступно только сотрудникам с ролью «{role}»."
THROTTLED = "Слишком много запросов подряд. Подождите {seconds} с и попробуйте снова."
STALE_BUTTON = "Эта кнопка устарела. Откройте меню заново: /start."
CANCELLED = "Действие отменено."
NOTHING_TO_CANCEL = "Отменять нечего. Меню — /start."
BUTTONS_EXPECTED = "Выберите вариант кнопками под сообщением выше или нажмите «✖️ Отмена»."
TEXT_EXPECTED = "Пожалуйста, пришлите текст или нажмите «✖️ Отмена»."
UNKNOWN_COMMAND = "Такой команды нет. Список команд — /help."
TEXT_NOT_UNDERSTOOD = "Не понял сообщение. Список команд — /help."
BAD_DEEPLINK = "Эта ссылка устарела или повреждена. Вот главное меню."

# -- text helpers -----------------------------------------------------------------------------


def html_to_plain(text: str) -> str:
    """Our HTML as plain text, for places that show no markup (callback alerts)."""
    return unescape(re.sub(r"<[^>]+>", "", text))


def shorten(value: str, limit: int) -> str:
    """A user-supplied value cut to ``limit`` characters at a word, with «…»; cut before it is
    escaped, so no entity or tag is ever split."""
    value = " ".join(value.split())
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:—-") + "…"


def fit(parts: Sequence[str], limit: int = MESSAGE_LIMIT, sep: str = "\n") -> str:
    """HTML parts (lines, each a whole piece of markup) joined, with the last ones dropped and
    «…» put instead while people would see more than ``limit`` characters."""
    text = sep.join(parts)
    if len(html_to_plain(text)) <= limit:
        return text
    kept = list(parts)
    while kept and len(html_to_plain(sep.join([*kept, "…"]))) > limit:
        kept.pop()
    return sep.join([*kept, "…"])


def number(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def plural(value: int, one: str, few: str, many: str) -> str:
    """The word for ``value`` in the right form: 1 материал, 3 материала, 11 материалов."""
    tens, units = abs(value) % 100, abs(value) % 10
    if units == 1 and tens != 11:
        return one
    if 2 <= units <= 4 and not 12 <= tens <= 14:
        return few
    return many


def counted(value: int, one: str, few: str, many: str) -> str:
    """«1 запрос», «3 запроса», «11 запросов»: the number and the word in the right form."""
    return f"{number(value)} {plural(value, one, few, many)}"


def person(user: UserRecord | None, user_id: int) -> str:
    """How we name someone to admins and methodologists: name, username and id, escaped."""
    if user is None or not (user.first_name or user.username):
        return f"<code>{user_id}</code>"
    handle = f" (@{escape(user.username)})" if user.username else ""
    return f"{escape(user.display_name)}{handle}, id <code>{user_id}</code>"


# -- keyboards --------------------------------------------------------------------------------


class Buttons:
    """The one inline keyboard builder: ``button``, ``adjust`` (row sizes, the last repeated)
    and ``as_markup``. Every call makes new button objects: aiogram's are mutable, so none is
    ever shared between two messages."""

    def __init__(self) -> None:
        self._buttons: list[InlineKeyboardButton] = []
        self._sizes: tuple[int, ...] = (8,)

    def button(
        self, *, text: str, callback_data: CallbackData | str | None = None, url: str | None = None
    ) -> None:
        data = callback_data.pack() if isinstance(callback_data, CallbackData) else callback_data
        self._buttons.append(InlineKeyboardButton(text=text, callback_data=data, url=url))

    def adjust(self, *sizes: int) -> None:
        self._sizes = sizes or (1,)

    def __len__(self) -> int:
        return len(self._buttons)

    def rows(self) -> list[list[InlineKeyboardButton]]:
        out: list[list[InlineKeyboardButton]] = []
        index = 0
        sizes = list(self._sizes)
        while index < len(self._buttons):
            size = max(sizes.pop(0) if len(sizes) > 1 else sizes[0], 1)
            out.append(self._buttons[index : index + size])
            index += size
        return out

    def as_markup(self) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(inline_keyboard=self.rows())


def alert(answer: CallbackAnswer, text: str) -> None:
    """The press's answer becomes an alert: CallbackAnswerMiddleware sends it once, after the
    handler (answering the query ourselves too would be refused by Telegram)."""
    answer.text, answer.show_alert = shorten(text, ALERT_LIMIT), True


def message_of(callback: CallbackQuery) -> Message | None:
    """The message a button is under, unless Telegram no longer lets us touch it."""
    if callback.message is None or isinstance(callback.message, InaccessibleMessage):
        return None
    return callback.message


def main_menu_kb(role: Role) -> ReplyKeyboardMarkup:
    """The reply keyboard under the input field; it grows with the person's role."""
    labels = [BTN_SEARCH_HINT, BTN_CATALOG, BTN_SUBSCRIPTIONS]
    if role.at_least(Role.TUTOR):
        labels += [BTN_REQUEST, BTN_MY_REQUESTS]
    if role.at_least(Role.METHODOLOGIST):
        labels.append(BTN_STATS)
    if role.at_least(Role.ADMIN):
        labels.append(BTN_ROLES)
    labels.append(BTN_HELP)
    rows = [labels[i : i + 2] for i in range(0, len(labels), 2)]
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=label) for label in row] for row in rows],
        resize_keyboard=True,
        is_persistent=True,
    )


# -- a material card's management buttons ------------------------------------------------------
# The card is drawn by search, its buttons are handled by the materials and stats features: the
# callback data lives here once, so no feature imports another. Prefixes and values are those of
# buttons already in people's chats.

BTN_EDIT = "✏️ Изменить"
BTN_ARCHIVE = "🗄 В архив"
BTN_RESTORE = "♻️ Вернуть из архива"
BTN_MATERIAL_CHART = "📈 График скачиваний"


class EditAction(StrEnum):
    MENU = "mn"
    FIELD = "fd"  # a field button of the old edit menu, still on screens from before
    ARCHIVE = "ar"  # asks first
    ARCHIVE_YES = "ay"
    RESTORE = "rs"
    NEW_FILE = "nf"
    CARD = "cd"  # back from the question to the card


class EditCallback(CallbackData, prefix="e"):
    action: EditAction
    id: int
    field: str = ""


class StatsAction(StrEnum):
    VIEW = "v"
    CUSTOM = "c"
    CHARTS = "g"  # pick what to chart
    CHART = "p"
    EXPORT = "x"
    DIGEST = "d"


class StatsCallback(CallbackData, prefix="st"):
    """A /stats view. The period travels as dates (YYYYMMDD), so a button pressed weeks later
    still shows the period it was made for; the handler checks them, never trusts them."""

    a: StatsAction
    k: str = "m"  # catalog.stats.PeriodKind
    s: int = 0
    e: int = 0
    v: str = "d"  # the section: d, s, n, t
    t: str = ""  # chart scope: "" the catalog, a topic code, or "#<material id>"
    m: str = "3"  # catalog.stats.Method
