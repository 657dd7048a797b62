"""Every Russian string of the search feature, and how its messages are put together.

User-supplied values (queries, titles, names) are cut with ``ui.shorten`` first and escaped
second; every number next to a noun goes through ``ui.counted`` or ``ui.plural``.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.ui import counted, escape, plural, shorten
from catalog.model import KIND_TITLES, Kind
from catalog.smalltalk import SmallTalk

# How much of a user-supplied value each place shows.
SHOWN_QUERY = 100
ALERT_QUERY = 60
BUTTON_QUERY = 40
LIST_TITLE = 150
BUTTON_TITLE = 40
CARD_TITLE = 200
INLINE_TITLE = 100
NAME = 40
DESCRIPTION = 3000

SEARCH_HINT = (
    "Напишите, что ищете, обычными словами: «больничный по уходу», «элн», "
    "«как отправить снимок в цами». Можно с опечатками и в английской раскладке."
)
SEARCH_EMPTY_QUERY = "Запрос пустой. Напишите хотя бы одно слово, например «ЭЛН» или «вакцинация»."
FIND_USAGE = "Напишите запрос после команды, например: <code>/find больничный</code>"
NOTHING_FOUND = "По запросу «{query}» ничего не нашлось."
DID_YOU_MEAN = "Возможно, вы имели в виду: «{query}»."
NOTHING_FOUND_HELP = (
    "Попробуйте другие слова или загляните в каталог по направлениям. "
    "Если нужного материала нет — попросите методистов его подготовить."
)
# In a group the directions are not offered: browsing there would be everyone's.
NOTHING_FOUND_HELP_GROUP = (
    "Попробуйте другие слова. Если нужного материала нет — попросите методистов его подготовить."
)
BTN_TRY = "🔎 Искать «{query}»"
BTN_TOPICS = "📚 Направления"
BTN_WISH = "🙋 Попросить материал"
BTN_PREV = "◀️ стр. {page}"
BTN_NEXT = "стр. {page} ▶️"
WISH_THANKS = "Спасибо! Передали методистам, что нужен материал по запросу «{query}»."
WISH_TO_METHODISTS = "🙋 Просят материал: «{query}»\nОт: {person}"
SEARCH_NOT_YOURS = "Это чужой поиск: кнопки работают только у того, кто искал. Найдите своё: /find"
RESULTS_SHOWN_FOR = "Показаны результаты для «{query}»."
PAGE_OF = "стр. {page} из {pages}"

SMALL_TALK: dict[SmallTalk, str] = {
    SmallTalk.THANKS: "Пожалуйста! Понадобится что-то ещё — просто напишите, что ищете.",
    SmallTalk.GREETING: (
        "Здравствуйте, {name}! Напишите, что ищете, обычными словами: например, "
        "«больничный по уходу» или «как отправить снимок в цами»."
    ),
    SmallTalk.OTHER: "🙂 Когда понадобится материал, просто напишите, что ищете.",
}
FORWARDED = "Пересланные сообщения я не ищу. Напишите, что нужно найти, своими словами."
FORWARDED_ADMIN = "Чтобы выдать роль автору, ответьте на пересланное сообщение командой /grant."

MATERIAL_GONE = "Этот материал удалён или больше не доступен."
MATERIAL_GONE_MENU = (
    "Этот материал удалён или больше не доступен. Найдите другой: напишите, что ищете, "
    "или откройте «📚 Каталог» в меню."
)
MATERIAL_ARCHIVED = "Материал перенесён в архив и больше не выдаётся."
MATERIAL_SUPERSEDED = "Есть новая версия этого материала — показываем её."
BTN_GET = "📥 Получить"
BTN_SHARE = "↗️ Поделиться"
BTN_OPEN_LINK = "🔗 Открыть"
BTN_OPEN_IN_BOT = "▶️ Смотреть в боте"
BTN_GET_IN_BOT = "📥 Получить в чате с ботом"
LINK_MESSAGE = "🔗 <b>{title}</b>\n{url}"
DOWNLOADS = "📥 Скачиваний: {count}"
DOWNLOADS_30 = " (за 30 дней: {count})"
SENT_PRIVATELY = "Отправил материал вам в личный чат с ботом."
OPEN_BOT = "{name}, чтобы получить материал, откройте чат с ботом: кнопка ниже."
OPEN_BOT_ALERT = "Бот пока не может вам написать: откройте чат с ним по кнопке в группе."

CATALOG_TOPICS = "📚 <b>Каталог</b>: выберите направление."
CATALOG_EMPTY = "Каталог пока пуст."
CATALOG_KINDS = "📚 <b>{topic}</b>: что показать?"
CATALOG_ALL_KINDS = "Все материалы"
CATALOG_LIST_EMPTY = "Здесь пока нет материалов."

INLINE_OPEN_BOT = "Открыть бота"
KIND_ICONS: dict[Kind, str] = {
    Kind.VIDEO: "🎬",
    Kind.MANUAL: "📘",
    Kind.INSTRUCTION: "📋",
    Kind.PRESENTATION: "📊",
    Kind.MEMO: "📝",
    Kind.FAQ: "❓",
    Kind.CHECKLIST: "✅",
}


def materials(count: int) -> str:
    """«1 материал», «3 материала», «12 материалов»."""
    return counted(count, "материал", "материала", "материалов")


def page_of(page: int, pages: int) -> str:
    """« · стр. 2 из 5» for a list of several pages, nothing for one."""
    return f" · {PAGE_OF.format(page=page + 1, pages=pages)}" if pages > 1 else ""


def quoted(query: str, limit: int = SHOWN_QUERY) -> str:
    return escape(shorten(query, limit))


def meta(kind: Kind, topic_titles: Sequence[str]) -> str:
    """«Памятка · ЭЛН, РМИС»: plain text, escaped where it is put into HTML."""
    kind_title = KIND_TITLES[kind]
    return " · ".join([kind_title, ", ".join(topic_titles)]) if topic_titles else kind_title


def results(
    query: str,
    total: int,
    page: int,
    pages: int,
    first_number: int,
    items: Sequence[tuple[str, Kind, Sequence[str]]],
    shown_for: str | None,
) -> str:
    """A page of results: ``items`` are (title, kind, direction titles)."""
    found = plural(total, "Нашёлся", "Нашлось", "Нашлось")
    header = f"🔎 {found} {materials(total)} по запросу «{quoted(query)}»{page_of(page, pages)}:"
    lines = [header]
    if shown_for:
        lines.append(RESULTS_SHOWN_FOR.format(query=quoted(shown_for)))
    lines.append("")
    for n, (title, kind, topics) in enumerate(items, first_number):
        lines.append(
            f"{n}. <b>{escape(shorten(title, LIST_TITLE))}</b>\n    {escape(meta(kind, topics))}"
        )
    return "\n".join(lines)


def nothing_found(query: str, suggestion: str | None, in_group: bool) -> str:
    lines = [NOTHING_FOUND.format(query=quoted(query))]
    if suggestion:
        lines.append(DID_YOU_MEAN.format(query=quoted(suggestion)))
    lines.append(NOTHING_FOUND_HELP_GROUP if in_group else NOTHING_FOUND_HELP)
    return "\n\n".join(lines)


def numbered_button(number: int, title: str) -> str:
    """«1. Инструкция по оформлению ЭЛН…»: a result's button names its material."""
    return f"{number}. {shorten(title, BUTTON_TITLE)}"


def material_card(
    *,
    title: str,
    kind: Kind,
    topic_titles: Sequence[str],
    published: str,
    version: int,
    description: str,
    downloads: int,
    downloads_30: int | None,
    archived: bool,
) -> str:
    lines = [
        f"<b>{escape(shorten(title, CARD_TITLE))}</b>",
        f"📄 {escape(meta(kind, topic_titles))}",
    ]
    date_line = f"📅 {published}"
    if version > 1:
        date_line += f" · версия {version}"
    lines.append(date_line)
    if description:
        # A card must fit one message (4096 characters) whatever the description.
        lines += ["", escape(shorten(description, DESCRIPTION))]
    count = DOWNLOADS.format(count=downloads)
    if downloads_30 is not None:
        count += DOWNLOADS_30.format(count=downloads_30)
    lines += ["", count]
    if archived:
        lines.append(f"\n⚠️ {MATERIAL_ARCHIVED}")
    return "\n".join(lines)


def caption(title: str, limit: int) -> str:
    return escape(shorten(title, limit))


def link_message(title: str, url: str) -> str:
    return LINK_MESSAGE.format(title=escape(shorten(title, CARD_TITLE)), url=escape(url))


def browse_list(
    topic: str,
    kind: Kind | None,
    total: int,
    page: int,
    pages: int,
    first_number: int,
    titles: Sequence[str],
) -> str:
    kind_title = KIND_TITLES[kind] if kind else CATALOG_ALL_KINDS.lower()
    header = (
        f"📚 <b>{escape(shorten(topic, LIST_TITLE))}</b> · {escape(kind_title)}: "
        f"{materials(total)}{page_of(page, pages)}"
    )
    if not titles:
        return f"{header}\n\n{CATALOG_LIST_EMPTY}"
    lines = [header, ""]
    lines += [
        f"{n}. <b>{escape(shorten(title, LIST_TITLE))}</b>"
        for n, title in enumerate(titles, first_number)
    ]
    return "\n".join(lines)


def small_talk(kind: SmallTalk, name: str) -> str:
    return SMALL_TALK[kind].format(name=escape(shorten(name, NAME)))


def open_bot(name: str) -> str:
    return OPEN_BOT.format(name=escape(shorten(name, NAME)))


def inline_title(title: str, kind: Kind) -> str:
    return f"{KIND_ICONS[kind]} {shorten(title, INLINE_TITLE)}"
