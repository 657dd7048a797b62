"""Every user-facing string, in Russian. Anything interpolated from users is escaped here."""

from __future__ import annotations

import re
from html import escape as escape  # re-exported: handlers escape through texts
from html import unescape

from storage.users import Role, UserRecord

ROLE_TITLES: dict[Role, str] = {
    Role.ADMIN: "администратор",
    Role.METHODOLOGIST: "методист",
    Role.TUTOR: "тьютор МО",
    Role.STAFF: "сотрудник",
}

ROLE_BUTTONS: dict[Role, str] = {
    Role.ADMIN: "Администратор",
    Role.METHODOLOGIST: "Методист",
    Role.TUTOR: "Тьютор МО",
    Role.STAFF: "Сотрудник",
}

ROLE_TITLES_PLURAL: dict[Role, str] = {
    Role.ADMIN: "Администраторы",
    Role.METHODOLOGIST: "Методисты",
    Role.TUTOR: "Тьюторы МО",
    Role.STAFF: "Сотрудники",
}

# Menu buttons. The router matches these exact strings, so they live in one place.
BTN_HELP = "❓ Помощь"
BTN_ROLES = "👥 Роли"

APOLOGY = "Извините, что-то пошло не так. Мы уже разбираемся — попробуйте ещё раз чуть позже."
REFUSED = "Извините, это действие доступно только сотрудникам с ролью «{role}»."
NOTHING_TO_CANCEL = "Отменять нечего. Меню — /start."
CANCELLED = "Действие отменено."
UNKNOWN_COMMAND = "Такой команды нет. Список команд — /help."
TEXT_NOT_UNDERSTOOD = "Не понял сообщение. Список команд — /help."
BAD_DEEPLINK = "Эта ссылка устарела или повреждена. Вот главное меню."
TEXT_EXPECTED = "Пожалуйста, пришлите текстовое сообщение или нажмите /cancel."
TOO_LONG = "Сообщение слишком длинное. Пришлите, пожалуйста, короче."
STALE_BUTTON = "Эта кнопка устарела. Откройте меню заново: /start."

GRANT_USAGE = (
    "Как выдать роль:\n"
    "• <code>/grant 123456789 methodologist</code>\n"
    "• <code>/grant @username tutor</code>\n"
    "• ответьте командой <code>/grant</code> на пересланное сообщение человека\n\n"
    "Роли: admin, methodologist, tutor, staff."
)
GRANT_ASK_PERSON = (
    "Кому выдать роль? Пришлите числовой id или @username, "
    "либо перешлите сюда любое сообщение этого человека. Отмена — /cancel."
)
GRANT_PERSON_INVALID = (
    "Не получилось понять, о ком речь. Пришлите числовой id, @username "
    "или перешлите сообщение человека. Отмена — /cancel."
)
GRANT_UNKNOWN_USERNAME = (
    "Пользователь @{username} ещё не писал боту, поэтому я не знаю его id. "
    "Попросите его нажать /start или пришлите числовой id."
)
GRANT_HIDDEN_FORWARD = (
    "Этот человек скрыл свой аккаунт в пересылке. Пришлите его числовой id "
    "или попросите написать боту /start и укажите @username."
)
GRANT_UNKNOWN_ROLE = "Неизвестная роль «{role}». Доступны: admin, methodologist, tutor, staff."
GRANT_PICK_ROLE = "Какую роль выдать пользователю {person}?"
GRANT_DONE = "Готово: {person} теперь {role}."
GRANT_UNCHANGED = "У пользователя {person} уже роль «{role}». Ничего не изменилось."
GRANT_CONFIG_ADMIN = (
    "{person} — администратор из настройки ADMIN_IDS. "
    "Чтобы снять роль, уберите id из ADMIN_IDS и перезапустите бота."
)
GRANT_SELF_DEMOTE = "Нельзя понизить самого себя: попросите другого администратора."
YOU_GOT_ROLE = "Вам назначена роль «{role}». Обновлённое меню — /start."
REVOKE_USAGE = "Как снять роль: <code>/revoke 123456789</code> или <code>/revoke @username</code>."
ROLES_EMPTY = "Пока ни у кого нет особых ролей, кроме администраторов из ADMIN_IDS."
ROLES_HEADER = "<b>Роли</b>"
ROLES_FOOTER = "Всего знакомых боту людей: {total}. Выдать роль — /grant, снять — /revoke."
BTN_CANCEL = "Отмена"

HELP_HEADER = "<b>Что я умею</b>"
HELP_ROLE = "Ваша роль: {role}."


def greeting(user: UserRecord) -> str:
    name = escape(user.first_name or "коллега")
    lines = [
        f"Здравствуйте, {name}!",
        "Я бот учебного центра БУ ВО «Медицинские цифровые технологии».",
        "Помогаю найти учебные материалы по РМИС и смежным системам, "
        "узнать о ВКС по средам в 8:38 и подать заявку на обучение.",
    ]
    if user.role is not Role.STAFF:
        lines.append(f"\nВаша роль: {ROLE_TITLES[user.role]}.")
    lines.append("\nВыберите действие в меню ниже или наберите /help.")
    return "\n".join(lines)


def person(user: UserRecord | None, user_id: int) -> str:
    """How we name someone in admin messages: name and id, escaped."""
    if user is None or not (user.first_name or user.username):
        return f"<code>{user_id}</code>"
    handle = f" (@{escape(user.username)})" if user.username else ""
    return f"{escape(user.display_name)}{handle}, id <code>{user_id}</code>"


def help_text(role: Role, commands: list[tuple[str, str]]) -> str:
    lines = [HELP_HEADER, ""]
    lines += [f"/{name} — {escape(description)}" for name, description in commands]
    lines += ["", HELP_ROLE.format(role=ROLE_TITLES[role])]
    return "\n".join(lines)


def roles_list(groups: dict[Role, list[UserRecord]], config_admins: set[int], total: int) -> str:
    lines = [ROLES_HEADER]
    for role in (Role.ADMIN, Role.METHODOLOGIST, Role.TUTOR):
        people = groups.get(role, [])
        if not people:
            continue
        lines.append(f"\n<b>{ROLE_TITLES_PLURAL[role]}</b> ({len(people)}):")
        for u in people:
            mark = " · из ADMIN_IDS" if u.id in config_admins else ""
            lines.append(f"• {person(u, u.id)}{mark}")
    if len(lines) == 1:
        lines.append(ROLES_EMPTY)
    lines.append("\n" + ROLES_FOOTER.format(total=total))
    return "\n".join(lines)


def html_to_plain(text: str) -> str:
    """Our HTML as plain text, for places that show no markup (callback alerts)."""
    return unescape(re.sub(r"<[^>]+>", "", text))


# -- catalog ---------------------------------------------------------------------------------

BTN_CATALOG = "📚 Каталог"
BTN_SEARCH_HINT = "🔎 Поиск"
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
BTN_TRY = "🔎 Искать «{query}»"
BTN_TOPICS = "📚 Направления"
BTN_WISH = "🙋 Попросить материал"
WISH_THANKS = "Спасибо! Передали методистам, что нужен материал по запросу «{query}»."
WISH_TO_METHODISTS = "🙋 Просят материал: «{query}»\nОт: {person}"
RESULTS_HEADER = "🔎 Нашлось {total} по запросу «{query}»:"
RESULTS_SHOWN_FOR = "Показаны результаты для «{query}»."
MATERIAL_GONE = "Этот материал удалён или больше не доступен."
MATERIAL_ARCHIVED = "Материал перенесён в архив и больше не выдаётся."
MATERIAL_SUPERSEDED = "Есть новая версия этого материала — показываем её."
BTN_GET = "📥 Получить"
BTN_SHARE = "↗️ Поделиться"
BTN_BACK = "⬅️ Назад"
BTN_OPEN_LINK = "🔗 Открыть"
LINK_MESSAGE = "🔗 <b>{title}</b>\n{url}"
DOWNLOADS = "📥 Скачиваний: {count}"
DOWNLOADS_30 = " (за 30 дней: {count})"
CATALOG_TOPICS = "📚 <b>Каталог</b>: выберите направление."
CATALOG_EMPTY = "Каталог пока пуст."
CATALOG_KINDS = "📚 <b>{topic}</b>: что показать?"
CATALOG_ALL_KINDS = "Все материалы"
CATALOG_LIST = "📚 <b>{topic}</b> · {kind}:"
CATALOG_LIST_EMPTY = "Здесь пока нет материалов."
INLINE_EMPTY_TITLE = "Ничего не нашлось"
INLINE_SWITCH_PM = "Открыть бота"


def results_list(
    query: str,
    total: int,
    first_number: int,
    items: list[tuple[str, str]],
    shown_for: str | None,
) -> str:
    lines = [RESULTS_HEADER.format(total=total, query=escape(query))]
    if shown_for:
        lines.append(RESULTS_SHOWN_FOR.format(query=escape(shown_for)))
    lines.append("")
    for n, (title, meta) in enumerate(items, first_number):
        lines.append(f"{n}. <b>{escape(title)}</b>\n    {escape(meta)}")
    return "\n".join(lines)


def material_meta(kind_title: str, topic_titles: list[str]) -> str:
    return " · ".join([kind_title, ", ".join(topic_titles)]) if topic_titles else kind_title


def material_card(
    *,
    title: str,
    kind_title: str,
    topic_titles: list[str],
    published: str,
    version: int,
    description: str,
    downloads: int,
    downloads_30: int | None,
    archived: bool,
) -> str:
    lines = [f"<b>{escape(title)}</b>", f"📄 {escape(material_meta(kind_title, topic_titles))}"]
    date_line = f"📅 {published}"
    if version > 1:
        date_line += f" · версия {version}"
    lines.append(date_line)
    if description:
        # A card must fit one message (4096 characters) whatever the description.
        lines += ["", escape(description[:3000])]
    count = DOWNLOADS.format(count=downloads)
    if downloads_30 is not None:
        count += DOWNLOADS_30.format(count=downloads_30)
    lines += ["", count]
    if archived:
        lines.append(f"\n⚠️ {MATERIAL_ARCHIVED}")
    return "\n".join(lines)


# -- methodologists: adding and editing materials ---------------------------------------------

ADD_ASK_SOURCE = (
    "Пришлите файл (документ, видео или фото) или ссылку на материал в облаке. Отмена — /cancel."
)
ADD_SOURCE_INVALID = "Нужен файл или ссылка, начинающаяся с https://. Отмена — /cancel."
DUPLICATE_FILE = "Этот файл уже есть в каталоге — вот его карточка. Новую запись не создаю."
DUPLICATE_URL = "Материал с этой ссылкой уже есть в каталоге — вот его карточка."
FILE_TOO_BIG = (
    "Файл больше {limit} МБ: Telegram не даст боту его скачать. Сожмите или разделите его."
)
ASK_TITLE = "Название материала: «{title}».\nПришлите другое название или нажмите «Оставить»."
ASK_TITLE_EMPTY = "Пришлите название материала (от 3 до 200 символов)."
ASK_DESCRIPTION = "Пришлите краткое описание: о чём материал, для кого. Или нажмите «Пропустить»."
ASK_TOPICS = "Выберите от 1 до 3 направлений и нажмите «Готово»."
ASK_KIND = "Какой это материал?"
ASK_AUDIENCE = "Для кого материал? Отметьте нужных и нажмите «Готово» (можно никого — для всех)."
ASK_TAGS = (
    "Пришлите ключевые слова через запятую (например: «ЭЛН, продление, ВК») "
    "или нажмите «Пропустить»."
)
ASK_URL = "Пришлите новую ссылку (https://…)."
ASK_NEW_FILE = "Пришлите новый файл: он станет новой версией, старая уйдёт в архив."
TOPICS_NEED_ONE = "Выберите хотя бы одно направление."
TOPICS_TOO_MANY = "Не больше трёх направлений."
PREVIEW_HEADER = "<b>Проверьте перед сохранением</b>\n\n"
SAVED = "✅ Материал сохранён."
UPDATED = "✅ Изменения сохранены."
NEW_VERSION_SAVED = "✅ Новая версия сохранена, прежняя перенесена в архив."
ARCHIVED = "🗄 Материал перенесён в архив и больше не выдаётся."
RESTORED = "♻️ Материал снова доступен."
DRAFT_EXPIRED = "Черновик не найден — начните заново: /add."
BTN_KEEP = "Оставить"
BTN_SKIP = "Пропустить"
BTN_DONE = "Готово"
BTN_SAVE = "💾 Сохранить"
BTN_EDIT = "✏️ Изменить"
BTN_ARCHIVE = "🗄 В архив"
BTN_RESTORE = "♻️ Вернуть из архива"
BTN_NEW_FILE = "📎 Новая версия файла"
EDIT_MENU = "Что изменить в материале «{title}»?"
FIELD_TITLES = {
    "title": "Название",
    "description": "Описание",
    "topics": "Направления",
    "kind": "Вид",
    "audience": "Аудитория",
    "tags": "Ключевые слова",
    "url": "Ссылка",
}
IMPORT_ASK_FILE = (
    "Пришлите файл CSV или XLSX со столбцами: id, title, description, kind, topics, audience, "
    "tags, url, published_at. Отмена — /cancel."
)
IMPORT_NEED_TABLE = "Нужен файл .csv или .xlsx. Отмена — /cancel."
IMPORT_PROGRESS = "⏳ Импорт: {done} из {total} строк…"
IMPORT_FAILED = "Не удалось прочитать файл: {reason}."
IMPORT_DONE = "✅ Импорт завершён: новых {created}, обновлено {updated}, с ошибками {bad}."
IMPORT_PROBLEM = "• строка {row}, {field}: {message}"
IMPORT_MORE = "…и ещё {count} — исправьте их и загрузите файл снова: верные строки не задвоятся."
EXPORT_CAPTION = "Каталог на {date}: {count} материалов."


def audience_titles(codes: list[str], titles: dict[str, str]) -> str:
    return ", ".join(titles.get(c, c) for c in codes) or "все"


def import_report(created: int, updated: int, problems: list[tuple[int, str, str]]) -> str:
    lines = [IMPORT_DONE.format(created=created, updated=updated, bad=len(problems))]
    shown = problems[:30]
    lines += [
        IMPORT_PROBLEM.format(row=r, field=escape(f or "—"), message=escape(m)) for r, f, m in shown
    ]
    if len(problems) > len(shown):
        lines.append(IMPORT_MORE.format(count=len(problems) - len(shown)))
    return "\n".join(lines)


# -- admins: the list of directions -----------------------------------------------------------

TOPICS_HEADER = "<b>Направления</b> (код — название, материалов):"
TOPIC_USAGE = (
    "Добавить или переименовать направление: <code>/topic код Название</code>, например "
    "<code>/topic onco Онкология</code>. Код — латинские буквы и цифры, до 16 символов."
)
TOPIC_ADDED = "Направление «{title}» добавлено (код {code})."
TOPIC_RENAMED = "Направление {code} теперь называется «{title}»."
