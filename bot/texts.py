"""Every user-facing string, in Russian. Anything interpolated from users is escaped here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from math import ceil

# Re-exported while the features move to bot.ui.
from bot.ui import (
    ALERT_LIMIT as ALERT_LIMIT,
)
from bot.ui import (
    CAPTION_LIMIT as CAPTION_LIMIT,
)
from bot.ui import (
    MESSAGE_LIMIT as MESSAGE_LIMIT,
)
from bot.ui import (
    counted as counted,
)
from bot.ui import (
    escape as escape,
)
from bot.ui import (
    fit as fit,
)
from bot.ui import (
    html_to_plain as html_to_plain,
)
from bot.ui import (
    number as number,
)
from bot.ui import (
    person as person,
)
from bot.ui import (
    shorten as shorten,
)
from catalog.schedule import MONTHS_GENITIVE, Slot, human_date
from storage.announcements import Announcement, ReportLine
from storage.users import Role, UserRecord
from storage.vks import VksDate

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
BTN_STATS = "📊 Статистика"
BTN_SUBSCRIPTIONS = "🔔 Подписки"

APOLOGY = "Извините, что-то пошло не так. Мы уже разбираемся — попробуйте ещё раз чуть позже."
REFUSED = "Извините, это действие доступно только сотрудникам с ролью «{role}»."
NOTHING_TO_CANCEL = "Отменять нечего. Меню — /start."
CANCELLED = "Действие отменено."
UNKNOWN_COMMAND = "Такой команды нет. Список команд — /help."
TEXT_NOT_UNDERSTOOD = "Не понял сообщение. Список команд — /help."
BAD_DEEPLINK = "Эта ссылка устарела или повреждена. Вот главное меню."
TEXT_EXPECTED = "Пожалуйста, пришлите текстовое сообщение или нажмите /cancel."
TOO_LONG = "Сообщение слишком длинное. Пришлите, пожалуйста, короче."
BACKUP_FAILED = "⚠️ Ночная резервная копия не создана: {reason}. Проверьте место на диске и журнал."
THROTTLED = "Слишком много запросов подряд. Подождите {seconds} с и попробуйте снова."
STALE_BUTTON = "Эта кнопка устарела. Откройте меню заново: /start."
BUTTONS_EXPECTED = "Выберите вариант кнопками под сообщением выше или нажмите /cancel."

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
GRANT_USERNAME_STALE = (
    "@{username} давно не писал боту, а имя пользователя могло перейти к другому человеку. "
    "Перешлите сюда сообщение этого человека или пришлите его числовой id."
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
SEARCH_NOT_YOURS = "Это чужой поиск: кнопки работают только у того, кто искал. Найдите своё: /find"
FORGOTTEN_NOTICE = "(данные удалены по просьбе пользователя)"
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
        lines += ["", escape(shorten(description, 3000))]
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
    return fit(lines)


# -- admins: the list of directions -----------------------------------------------------------

TOPICS_HEADER = "<b>Направления</b> (код — название, материалов):"
TOPIC_USAGE = (
    "Добавить или переименовать направление: <code>/topic код Название</code>, например "
    "<code>/topic onco Онкология</code>. Код — латинские буквы и цифры, до 16 символов."
)
TOPIC_ADDED = "Направление «{title}» добавлено (код {code})."
TOPIC_RENAMED = "Направление {code} теперь называется «{title}»."


# -- chats ------------------------------------------------------------------------------------

CHAT_ADDED = (
    "Здравствуйте! Я бот учебного центра МЦТ. Методист может привязать этот чат к направлениям "
    "обучения командой /bind — тогда сюда будут приходить анонсы ВКС 8.38 и объявления."
)
CHAT_LOST = "⚠️ Бот больше не может писать в чат «{title}»: {reason}. Чат помечен неактивным."
CHAT_REMOVED_REASON = "бота удалили из чата"
NOTICE_REPEATED = "🔁 За последний час это повторилось ещё {count}. Последнее:\n\n{text}"
CHATS_EMPTY = "Бот пока не добавлен ни в один чат. Добавьте его в группу — она появится здесь."
CHATS_HEADER = "<b>Чаты</b> ({active} активных из {total}), стр. {page} из {pages}:"
CHAT_NEVER_POSTED = "ещё не было"
BIND_PICK = "Направления для {place}: отметьте нужные и нажмите «Готово»."
BIND_PLACE_CHAT = "чата «{title}»"
BIND_PLACE_THREAD = "темы {thread} чата «{title}»"
BIND_DONE = "Готово. {place} привязан(а) к: {topics}."
BIND_NONE = "ни к одному направлению"
BIND_GROUP_ONLY = "Команда /bind работает внутри группы. В личном чате откройте /chats."
BTN_CHATS_BACK = "⬅️ К списку чатов"
BTN_BIND = "🏷 Направления"
BTN_WELCOME = "👋 Приветствие"
BTN_WELCOME_OFF = "🚫 Выключить приветствие"
BTN_REFRESH = "🔄 Обновить"
WELCOME_ASK = (
    "Пришлите текст приветствия для новых участников: правила чата и что здесь обсуждают. "
    "Ссылку на каталог я добавлю сам. Отмена — /cancel."
)
WELCOME_SAVED = "Приветствие сохранено. Так его увидят новые участники:"
WELCOME_OFF = "Приветствие выключено."
WELCOME_TOO_LONG = "Слишком длинно: приветствие должно быть до 1000 символов."
WELCOME_TAIL = "\n\n📚 Материалы учебного центра: {link}"
WELCOME_HELLO = "👋 {names}, добро пожаловать!\n\n"
CHAT_GONE = "Этот чат не найден в реестре."


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
    shown = escape(shorten(title, 80)) if title else "без названия"
    parts = [f"{mark} <b>{shown}</b>" + (" (форум)" if is_forum else "")]
    if not active:
        parts.append(f"неактивен: {escape(error or 'бот удалён')}")
    else:
        parts.append(
            f"писать {'да' if can_post else 'нет'}, закреплять {'да' if can_pin else 'нет'}"
        )
    if member_count is not None:
        parts.append(f"участников: {member_count}")
    parts.append(f"последний пост: {last_post or CHAT_NEVER_POSTED}")
    parts.append(f"направления: {topics or 'не привязан'}")
    if chat_id is not None:
        # The id is what STAFF_CHAT_ID needs.
        parts.append(f"id: <code>{chat_id}</code>")
    if active and error:
        parts.append(f"последняя ошибка: {escape(error)}")
    return "\n   ".join(parts)


# -- subscriptions ----------------------------------------------------------------------------

SUBSCRIBE_PICK = (
    "Выберите направления: анонсы ВКС 8.38 и объявления по ним я буду присылать вам сюда. "
    "Нажмите ещё раз, чтобы отписаться."
)
SUBSCRIBE_DONE = "Подписки: {topics}."
SUBSCRIBE_NONE = "вы ни на что не подписаны"

# -- VKS 8.38 ---------------------------------------------------------------------------------

VKS_LIST = (
    "<b>ВКС 8.38</b>: {slot} (время {tz}).\nНапоминания: {offsets}.\n"
    "Выберите дату. Изменить день и время — <code>/vksslot ср 08:38</code>, "
    "напоминания — <code>/vksremind 1д 15:00, 30м</code>."
)
VKS_SLOT_USAGE = (
    "Как изменить слот: <code>/vksslot ср 08:38</code> или <code>/vksslot среда 8:38 60</code> "
    "(день недели, время начала, длительность в минутах 15–240)."
)
VKS_SLOT_SET = "Готово: ВКС теперь {slot}, {minutes} мин. Напоминания пересчитаны."
VKS_REMIND_USAGE = (
    "Как задать напоминания: <code>/vksremind 1д 15:00, 30м</code> — накануне в 15:00 и за 30 "
    "минут до начала. Можно до 5 через запятую: «2д 10:00», «0д 08:00», «2ч», «45м»."
)
VKS_REMIND_SET = "Готово: напоминания {offsets}."
VKS_HOLIDAY = "🎉 праздник"
VKS_CANCELLED = "❌ отменена"
VKS_NO_TOPIC = "⚠️ нет темы"
VKS_READY = "✅"
VKS_FIELD_TITLES = {"topic": "Тема", "link": "Ссылка", "speaker": "Спикер"}
VKS_ASK_FIELD = {
    "topic": "Пришлите тему ВКС (от 3 до 200 символов).",
    "link": "Пришлите ссылку на подключение (https://…) или «-», чтобы убрать.",
    "speaker": "Пришлите имя спикера и должность (до 150 символов) или «-», чтобы убрать.",
}
VKS_FIELD_INVALID = {
    "topic": "Тема должна быть от 3 до 200 символов. Пришлите ещё раз или /cancel.",
    "link": "Ссылка должна начинаться с https://. Пришлите ещё раз, «-» или /cancel.",
    "speaker": "Не длиннее 150 символов. Пришлите ещё раз, «-» или /cancel.",
}
VKS_DIRECTIONS_PICK = (
    "Кому напоминать о ВКС {day}: отметьте направления. Без отметок — во все активные чаты."
)
VKS_ASK_RECORDING = (
    "Пришлите запись ВКС: видео, файл или ссылку https://…. Она попадёт в каталог, "
    "а в чаты уйдёт объявление. Отмена — /cancel."
)
VKS_RECORDING_INVALID = "Нужно видео, файл или ссылка https://…. Отмена — /cancel."
VKS_RECORDING_NEEDS_TOPIC = "Сначала задайте тему этой ВКС: по ней будет назван материал."
VKS_RECORDING_DONE = "Запись добавлена в каталог (№{id}), объявление поставлено в очередь: {count}."
VKS_ATTEND_ON = "Отметили: вы будете участвовать."
VKS_ATTEND_OFF = "Отметку сняли."
VKS_ATTEND_CLOSED = "Эта ВКС уже прошла."
VKS_ASK_TOPIC = (
    "⚠️ Пора напоминать о ВКС 8.38 {day}, но тема не задана — напоминание не отправлено. "
    "Задайте тему: /vks"
)
VKS_REMINDER_MISSED = (
    "⚠️ Напоминание о ВКС, назначенное на {when}, не отправлено: бот был недоступен, "
    "а время уже прошло."
)
BROADCAST_MISSED = (
    "⚠️ Объявление №{id}, запланированное на {when}, не отправлено: бот был недоступен "
    "слишком долго. Откройте /broadcasts, чтобы отправить его заново."
)
BTN_ATTEND = "🙋 Буду участвовать ({count})"
BTN_CALENDAR = "📅 В календарь"
BTN_OPEN_IN_BOT = "▶️ Смотреть в боте"
BTN_VKS_CANCEL = "❌ Отменить ВКС"
BTN_VKS_RESTORE = "↩️ Вернуть ВКС"
BTN_VKS_RECORDING = "🎬 Запись ВКС"
BTN_VKS_PREVIEW = "👁 Предпросмотр"
BTN_VKS_DIRECTIONS = "🏷 Направления"
BTN_VKS_BACK = "⬅️ К датам"
VKS_CANCELLED_DONE = "ВКС {day} отменена: напоминаний не будет."
VKS_RESTORED_DONE = "ВКС {day} снова в расписании."
VKS_ICS_CAPTION = "Откройте файл, чтобы добавить ВКС 8.38 {day} в календарь телефона."
VKS_ICS_UNKNOWN = "Для этой даты ВКС не запланирована."
VKS_SUMMARY = "ВКС 8.38: {topic}"
VKS_DAY_INVALID = "Эта дата недоступна. Откройте /vks заново."


def vks_card(
    day_title: str,
    *,
    topic: str | None,
    link: str | None,
    speaker: str | None,
    directions: str,
    cancelled: bool,
    holiday: bool,
    attending: int,
    reminders: list[str],
) -> str:
    lines = [f"<b>ВКС 8.38 — {day_title}</b>"]
    if holiday:
        lines.append("🎉 Нерабочий праздничный день: напоминаний не будет.")
    if cancelled:
        lines.append("❌ ВКС отменена: напоминаний не будет.")
    lines.append(f"Тема: {escape(topic) if topic else '— не задана'}")
    lines.append(f"Ссылка: {escape(link) if link else '—'}")
    lines.append(f"Спикер: {escape(speaker) if speaker else '—'}")
    lines.append(f"Кому: {directions}")
    lines.append(f"Будут участвовать: {attending}")
    if reminders:
        lines.append("Напоминания:\n" + "\n".join(f"• {r}" for r in reminders))
    return "\n".join(lines)


VKS_OUTCOMES = {
    "sent": "отправлено",
    "skipped_holiday": "пропущено (праздник)",
    "skipped_cancelled": "пропущено (отменена)",
    "asked_topic": "не отправлено: не было темы",
    "missed": "пропущено: бот был недоступен",
}


def vks_announcement(vks: VksDate, slot: Slot, start: datetime, now: datetime) -> str:
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
    lines.append(f"Длительность: до {slot.minutes} мин.")
    return "\n".join(lines)


def recording_announcement(day: str, topic: str) -> str:
    return f"🎬 <b>Запись ВКС 8.38 от {day}</b>\n{escape(topic)}\n\nСмотрите и скачивайте в боте:"


# -- broadcasts -------------------------------------------------------------------------------

BROADCAST_ASK_CONTENT = (
    "Пришлите текст объявления (форматирование сохранится) или фото/документ с подписью. "
    "Отмена — /cancel."
)
BROADCAST_CONTENT_INVALID = "Нужен текст, фото или документ. Отмена — /cancel."
BROADCAST_CAPTION_TOO_LONG = "Подпись длиннее 1024 символов: Telegram её не примет. Сократите."
BROADCAST_TARGETS = (
    "Кому отправить?\n• Все чаты: {all}\n• Направления: {topics}\n• Выбранные чаты: {chats}\n"
    "• Подписчики в личных сообщениях: {subs}"
)
BROADCAST_PICK_TOPICS = "Отметьте направления: объявление уйдёт в привязанные к ним чаты."
BROADCAST_PICK_CHATS = "Отметьте чаты."
BROADCAST_NO_TARGETS = "Не выбрано ни одного получателя."
BROADCAST_PREVIEW = (
    "👆 Так увидят объявление. Получателей: {count}.\nЗакрепить в чатах: {pin}.\n"
    "Отправить сейчас или запланировать?"
)
BROADCAST_ASK_TIME = (
    "Когда отправить? Например: <code>25.11 10:00</code>, <code>25.11.2026 10:00</code> или "
    "<code>завтра 9:00</code> (время {tz})."
)
BROADCAST_TIME_INVALID = (
    "Не понял дату и время. Пример: <code>25.11 10:00</code> или <code>завтра 9:00</code>."
)
BROADCAST_TIME_PAST = "Это время уже прошло. Укажите время в будущем (до года вперёд)."
BROADCAST_QUEUED = "📤 Объявление №{id} отправляется: получателей {count}. Пришлю отчёт."
BROADCAST_SCHEDULED = "🕒 Объявление №{id} запланировано на {when}. Список — /broadcasts."
BROADCAST_DISCARDED = "Объявление не отправлено."
BROADCASTS_EMPTY = "Объявлений пока не было. Создать — /broadcast."
BROADCASTS_HEADER = "<b>Объявления</b> (последние {count}):"
BROADCAST_CANCELLED = "Объявление №{id} отменено."
BROADCAST_CANNOT_CANCEL = "Это объявление уже нельзя отменить."
BROADCAST_RECALL_ASK = "Удалить объявление №{id} из всех чатов, куда оно доставлено ({count})?"
BROADCAST_RECALLING = "Удаляю объявление №{id}: сообщений {count}."
BROADCAST_CANNOT_RECALL = "Отзывать нечего: объявление не доставлено или уже отозвано."
BROADCAST_GONE = "Объявление не найдено."
BTN_ALL_CHATS = "Все чаты"
BTN_BY_TOPICS = "По направлениям"
BTN_BY_CHATS = "Выбрать чаты"
BTN_SUBSCRIBERS = "Подписчики: {state}"
BTN_NEXT = "Далее ➡️"
BTN_PIN = "📌 Закрепить: {state}"
BTN_SEND_NOW = "📤 Отправить сейчас"
BTN_SCHEDULE = "🕒 Запланировать"
BTN_TARGETS = "👥 Получатели"
BTN_DISCARD = "✖️ Не отправлять"
BTN_CANCEL_BROADCAST = "❌ Отменить"
BTN_RECALL = "🗑 Отозвать"
BTN_RECALL_YES = "Да, удалить"
BTN_REPORT = "📊 Отчёт"
YES, NO = "да", "нет"
STATUS_TITLES = {
    "scheduled": "🕒 запланировано",
    "queued": "📤 отправляется",
    "done": "✅ отправлено",
    "cancelled": "❌ отменено",
    "missed": "⚠️ пропущено",
    "recalled": "🗑 отозвано",
}
DELIVERY_FORBIDDEN_CHAT = "бот удалён из чата или не может в нём писать"
DELIVERY_FORBIDDEN_USER = "пользователь заблокировал бота"
DELIVERY_REJECTED = "Telegram отклонил сообщение: {reason}"
DELIVERY_INTERNAL = "внутренняя ошибка ({reason})"
DELIVERY_NOT_PINNED = "доставлено, но не закреплено: нет права закреплять"
RECALL_FAILED = "не удалось удалить: {reason}"
RECALL_UNKNOWN = (
    "⚠️ Могли остаться {count}: Telegram не ответил на отправку, и номер сообщения неизвестен —"
    " такие копии бот удалить не может."
)
DELIVERY_RETRY_HINT = "Недоставленные можно отправить ещё раз кнопкой ниже."
BTN_RETRY_FAILED = "🔁 Повторить недоставленные ({count})"
BROADCAST_RETRYING = "Объявление №{id}: отправляю заново недоставленные ({count})."
BROADCAST_NOTHING_TO_RETRY = "Недоставленных нет: повторять нечего."
ROW_STATUS = {
    "pending": "⏳",
    "sending": "⏳",
    "sent": "✅",
    "failed": "❌",
    "cancelled": "➖",
    "recalling": "⏳",
    "recalled": "🗑",
}


def broadcast_line(
    number: int, status: str, when: str, preview: str, counts: dict[str, int]
) -> str:
    total = sum(counts.values())
    sent = counts.get("sent", 0) + counts.get("recalled", 0) + counts.get("recalling", 0)
    tail = f" · доставлено {sent} из {total}" if total else ""
    return f"№{number} · {STATUS_TITLES.get(status, status)} · {when}{tail}\n   {preview}"


def delivery_report(announcement: Announcement, rows: list[ReportLine]) -> str:
    """Per chat: delivered or failed and why; private subscribers summed up in one line; for a
    recall, how many copies went and how many could not."""
    chats = [r for r in rows if r.chat_id < 0]
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
    for r in chats:
        reason = f" — {escape(r.error)}" if r.error else ""
        thread = f" (тема {r.thread_id})" if r.thread_id else ""
        out.append(
            f"{ROW_STATUS.get(r.status, '•')} {escape(r.title or str(r.chat_id))}{thread}{reason}"
        )
    if people:
        ok = sum(1 for r in people if r.status in ("sent", "recalled", "recalling"))
        out.append(f"👤 Подписчикам: доставлено {ok} из {len(people)}.")
        reasons: dict[str, int] = {}
        for r in people:
            if r.status == "failed":
                key = r.error or "ошибка"
                reasons[key] = reasons.get(key, 0) + 1
        out += [f"   ❌ {escape(k)}: {v}" for k, v in reasons.items()]
    if failed:
        out.append(DELIVERY_RETRY_HINT)
    return fit(out)


def recall_lines(rows: list[ReportLine]) -> list[str]:
    copies = sum(r.copies for r in rows)
    deleted = sum(r.deleted for r in rows)
    unknown = sum(r.unknown for r in rows)
    waiting = sum(1 for r in rows if r.status == "recalling")
    out = [f"🗑 Удалено {deleted} из {counted(copies, 'сообщения', 'сообщений', 'сообщений')}."]
    if waiting:
        out.append(f"⏳ Ещё удаляется: {counted(waiting, 'чат', 'чата', 'чатов')}.")
    elif copies > deleted:
        out.append(f"❌ Не удалось удалить: {copies - deleted} (причина — у чата ниже).")
    if unknown:
        out.append(RECALL_UNKNOWN.format(count=counted(unknown, "копия", "копии", "копий")))
    return out


# -- training requests ------------------------------------------------------------------------

BTN_REQUEST = "📝 Заявка на обучение"
BTN_MY_REQUESTS = "📋 Мои заявки"
BTN_KEEP_ORG = "Оставить: {org}"
BTN_NO_COMMENT = "Без комментария"
BTN_ONE_DAY = "Только этот день"
BTN_SUBMIT = "📨 Отправить"
BTN_RESUBMIT = "📨 Отправить снова"
BTN_FIX = "✏️ Исправить заявку №{id}"

MENU_BUTTONS = frozenset(
    {
        BTN_SEARCH_HINT,
        BTN_CATALOG,
        BTN_SUBSCRIPTIONS,
        BTN_ROLES,
        BTN_STATS,
        BTN_HELP,
        BTN_REQUEST,
        BTN_MY_REQUESTS,
    }
)

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
REQUEST_STATUS = {
    "new": "🆕 новая",
    "taken": "👀 в работе",
    "changes": "✏️ на исправлении",
    "approved": "✅ утверждена",
    "rejected": "⛔ отклонена",
}
REQUEST_ACTIONS = {
    "created": "подана",
    "taken": "взята в работу",
    "approved": "утверждена",
    "changes": "возвращена на исправление",
    "rejected": "отклонена",
    "resubmitted": "исправлена и отправлена снова",
    "sla_reminder": "напоминание методистам: долго без движения",
    "erased": "контакты удалены по просьбе пользователя",
    "held": "записаны итоги занятия",
}
REQUEST_STEPS = 8
REQ_STEP = "📝 <b>Заявка на обучение</b> · шаг {step} из {total}\n\n"
REQ_ASK_ORG = (
    "Напишите часть названия вашей медицинской организации: «Сокольская», «поликлиника 1»."
)
REQ_ASK_ORG_REMEMBERED = "Ваша МО: <b>{org}</b>. Оставьте её или напишите часть названия другой."
REQ_ORG_PICK = "Выберите МО из найденных по запросу «{query}»:"
REQ_ORG_NONE = (
    "Не нашёл МО по запросу «{query}». Попробуйте другое слово из названия, район или номер, "
    "например «Кирилловская» или «поликлиника 2»."
)
REQ_ASK_TOPIC = "Выберите направление обучения:"
REQ_ASK_FORMAT = "Выберите формат обучения:"
REQ_ASK_AUDIENCE = "Кто будет учиться? Отметьте всех и нажмите «Готово»."
REQ_AUDIENCE_EMPTY = "Отметьте хотя бы одну группу слушателей."
REQ_ASK_PARTICIPANTS = "Сколько человек будет учиться? Напишите число от 1 до 500."
REQ_PARTICIPANTS_INVALID = "Нужно число участников от 1 до 500, например 25."
REQ_ASK_DATES = (
    "Когда удобно провести обучение? Выберите в календаре первый день, затем последний, "
    "или напишите: «с 1 по 5 декабря», «15.12», «на следующей неделе», «в январе»."
)
REQ_DATES_END = "Начало: <b>{start}</b>. Выберите последний день или нажмите «Только этот день»."
REQ_DATES_INVALID = (
    "Не понял даты. Напишите, например, «с 1 по 5 декабря», «15.12», «на следующей неделе» "
    "или выберите в календаре. Подходят даты с завтрашнего дня и не дальше чем на год вперёд, "
    "период — до трёх месяцев."
)
REQ_DATES_UNDERSTOOD = "📅 Понял так: <b>{dates}</b>."
REQ_ASK_CONTACT = (
    "Контактное лицо и телефон одним сообщением, например: «Иванова Мария Петровна, "
    "+7 921 123-45-67»."
)
REQ_CONTACT_INVALID = (
    "Нужны имя и российский номер телефона, например: «Иванова Мария, 8 921 123-45-67». "
    "Городской номер — с кодом: «8 8172 12-34-56»."
)
REQ_ASK_COMMENT = (
    "Комментарий для методистов: что важно учесть, какие вопросы разобрать. "
    "Или нажмите «Без комментария»."
)
REQ_TEXT_TOO_LONG = "Слишком длинно: не больше {limit} символов. Сократите, пожалуйста."
REQ_SUMMARY_HEADER = "📝 <b>Проверьте заявку</b>\n\n"
REQ_CONSENT = (
    "🔒 Нажимая «Отправить», вы соглашаетесь на обработку контактных данных из заявки учебным "
    "центром МЦТ для организации обучения. Удалить их можно командой /forget."
)
REQ_EDIT_HINT = "Чтобы изменить поле, нажмите на него ниже."
REQ_SUBMITTED = (
    "✅ Заявка №{id} отправлена методистам. Статус — в «Мои заявки»; о каждом изменении "
    "мы напишем сюда."
)
REQ_RESUBMITTED = "✅ Исправленная заявка №{id} снова у методистов."
REQ_DRAFT_LOST = "Черновик заявки не найден — начните заново: /request."
REQ_NOT_FIXABLE = "Эту заявку сейчас нельзя исправить: её уже рассматривают или она закрыта."
REQ_FIX_STARTED = "✏️ Исправляем заявку №{id}. Комментарий методиста: «{comment}»"
REQ_TOPICS_EMPTY = "Направления обучения ещё не заведены. Попробуйте позже."
REQ_ORGS_EMPTY = "Справочник МО пуст. Сообщите, пожалуйста, администратору."
MY_REQUESTS_EMPTY = "У вас пока нет заявок. Подать — кнопка «📝 Заявка на обучение» или /request."
MY_REQUESTS_HEADER = "📋 <b>Ваши заявки</b>"

REQ_NOTE_TAKEN = "👀 Заявку №{id} ({topic}) взял в работу методист {who}."
REQ_NOTE_APPROVED = (
    "✅ Заявка №{id} ({topic}) утверждена.\n📅 {when}\n🎓 {format}\n📍 {place}\n⏱ {hours} ак. ч."
)
REQ_NOTE_CHANGES = (
    "✏️ Заявку №{id} ({topic}) просят исправить.\nНажмите кнопку ниже: откроется ваша заявка, "
    "поправьте нужное и отправьте снова."
)
REQ_NOTE_REJECTED = "⛔ Заявка №{id} ({topic}) отклонена."
REQ_NOTE_COMMENT = "\n💬 Комментарий методиста: {comment}"
REQ_NOTE_TOMORROW = (
    "🔔 Напоминаем: завтра, {when}, обучение по заявке №{id}.\n📚 {topic}\n🎓 {format}\n📍 {place}"
)

REVIEW_NEW = "📥 Новая заявка на обучение"
REVIEW_RESUBMITTED = "📥 Заявка исправлена тьютором"
REVIEW_SLA = "⏰ Заявка ждёт действий больше {days} раб. дн."
REVIEW_TAKEN = "Заявка ваша."
REVIEW_TOO_LATE = "Заявку уже обработали — показываю, как она выглядит сейчас."
REVIEW_GONE = "Такой заявки нет."
REVIEW_DM_FAILED = "Не могу написать вам в личные сообщения. Откройте бота и нажмите /start."
REVIEW_GO_PRIVATE = "Продолжим в личных сообщениях с ботом."
REVIEW_ASK_REASON = "Заявка №{id}: напишите причину отказа — её получит тьютор."
REVIEW_ASK_CHANGES = "Заявка №{id}: напишите, что исправить — это получит тьютор."
REVIEW_COMMENT_INVALID = "Нужен текст от 3 до 1000 символов."
REVIEW_REJECTED = "⛔ Заявка №{id} отклонена, тьютор получил причину."
REVIEW_CHANGES_SENT = "✏️ Заявка №{id} возвращена тьютору на исправление."
REVIEW_APPROVED = "✅ Заявка №{id} утверждена, занятие №{session} создано, тьютор извещён."
REVIEW_ANNOUNCED = "📣 Анонс поставлен в очередь: чатов — {count}."
REVIEW_NO_CHATS = "К направлению не привязан ни один чат — анонсировать некуда. Привязка — /bind."
REVIEW_ALREADY_ANNOUNCED = "Это занятие уже анонсировано."
REVIEW_HISTORY = "🧾 <b>История заявки №{id}</b>"

SCHEDULE_TITLE_APPROVE = "🗓 <b>Утверждение заявки №{id}</b>\n"
SCHEDULE_TITLE_NEW = "🗓 <b>Новое занятие</b>\n"
SCHEDULE_ASK_TOPIC = "Направление занятия:"
SCHEDULE_ASK_ORG = "Для какой МО занятие? Напишите часть названия или нажмите «Для всех МО»."
SCHEDULE_ASK_DATE = "Дата занятия: выберите в календаре или напишите, например, «10.12»."
SCHEDULE_ASK_TIME = "Время начала (по Москве): выберите или напишите, например, «09:30»."
SCHEDULE_TIME_INVALID = "Нужно время в виде ЧЧ:ММ, например 09:30."
SCHEDULE_DATE_INVALID = "Нужна дата в виде ДД.ММ, не раньше 60 дней назад и не дальше года вперёд."
SCHEDULE_ASK_FORMAT = "Формат занятия:"
SCHEDULE_ASK_PLACE = "Ссылка на подключение или адрес (до 300 символов):"
SCHEDULE_PLACE_INVALID = "Нужна ссылка или адрес, от 3 до 300 символов."
SCHEDULE_ASK_HOURS = "Сколько академических часов запланировано? Выберите или напишите число."
SCHEDULE_HOURS_INVALID = "Нужно число академических часов от 0,5 до 80, например 2."
SCHEDULE_ASK_COMMENT = "Комментарий для тьютора или «Без комментария»:"
SCHEDULE_FOR_ALL = "Для всех МО"
SCHEDULE_SAVED = "✅ Занятие №{id} записано."
SCHEDULE_CHECK = "Проверьте и нажмите «Сохранить»."

SESSIONS_HEADER = "📅 <b>Занятия</b>"
SESSIONS_TOTAL = "Проведено: {sessions} занятий, обучено {people} чел., {hours} ак. ч."
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
RESULTS_SAVED = "✅ Итоги занятия №{id}: {people} чел., {hours} ак. ч."

REQUESTS_HEADER = "📋 <b>Заявки</b> · {filters}\nНайдено: {total}"
REQUESTS_EMPTY = "Заявок с такими условиями нет."
REQUESTS_FILTER_ALL = "все"
REQUESTS_ORG_UNKNOWN = "МО «{query}» не нашлась — показываю без фильтра по МО."
REQUESTS_PICK_TOPIC = "Выберите направление для фильтра:"
REQUESTS_EXPORT_CAPTION = "Заявки и занятия на {date}: заявок {requests}, занятий {sessions}."
BTN_FILTER_MINE = "Мои"
BTN_FILTER_NOBODY = "Ничьи"
BTN_FILTER_ANYONE = "Все исполнители"
BTN_FILTER_TOPIC = "📚 Направление"
BTN_FILTER_RESET = "Сбросить фильтры"
BTN_TAKE = "🙋 Взять себе"
BTN_APPROVE = "✅ Утвердить"
BTN_CHANGES = "✏️ На исправление"
BTN_REJECT = "⛔ Отклонить"
BTN_HISTORY = "🧾 История"
BTN_ANNOUNCE = "📣 Анонсировать в чатах"
BTN_FOR_ALL = "Для всех МО"

FORGET_DONE = (
    "Готово: ваше имя и контакты удалены, в заявках ({count}) контактные данные обезличены. "
    "Число обученных и даты занятий остались в статистике без персональных данных."
)

ORG_HEADER = (
    "🏥 <b>Справочник МО</b>: {active} действующих.\nНайти и поправить МО — "
    "<code>/mo часть названия</code>. Заменить весь справочник — файлом CSV или XLSX с "
    "колонками name, short_name, district, type, staff."
)
BTN_ORG_IMPORT = "📤 Загрузить файл"
BTN_ORG_EXPORT = "📥 Выгрузить"
ORG_ASK_FILE = "Пришлите файл .csv или .xlsx со справочником. Отмена — /cancel."
ORG_IMPORT_DONE = "✅ Справочник обновлён: новых {created}, обновлено {updated}, скрыто {hidden}."
ORG_IMPORT_REFUSED = "Справочник не изменён: в файле ошибки. Исправьте их и загрузите снова."
ORG_NONE = "МО по запросу «{query}» не найдена."
ORG_CARD = (
    "🏥 <b>{name}</b>\nКратко: {short_name}\nРайон: {district}\nТип: {type}\n"
    "Численность персонала: {staff}"
)
ORG_ASK_VALUE = "Новое значение поля «{field}»:"
ORG_VALUE_INVALID = "Не подходит: {reason}."
ORG_SAVED = "✅ Сохранено."
ORG_FIELDS = {
    "name": "полное название",
    "short_name": "краткое название",
    "district": "район",
    "staff": "численность персонала",
}


# "с пятницы, 4 декабря, по воскресенье, 6 декабря": the weekday follows the preposition.
WEEKDAYS_FROM = (
    "понедельника", "вторника", "среды", "четверга", "пятницы", "субботы", "воскресенья",
)  # fmt: skip
WEEKDAYS_TO = (
    "понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье",
)  # fmt: skip


def date_range(start: date, end: date) -> str:
    if start == end:
        return f"{human_date(start)} {start.year}"
    if start.year != end.year:
        return f"с {start:%d.%m.%Y} по {end:%d.%m.%Y}"
    since = f"{WEEKDAYS_FROM[start.weekday()]}, {start.day} {MONTHS_GENITIVE[start.month - 1]}"
    until = f"{WEEKDAYS_TO[end.weekday()]}, {end.day} {MONTHS_GENITIVE[end.month - 1]}"
    # «со вторника», «со среды»: two consonants after «с».
    preposition = "со" if start.weekday() in (1, 2) else "с"
    return f"{preposition} {since}, по {until} {end.year}"


def audience(codes: tuple[str, ...] | list[str]) -> str:
    return ", ".join(AUDIENCE_TITLES.get(c, c) for c in codes) or "—"


def hours(value: float | None) -> str:
    return "—" if value is None else f"{value:g}".replace(".", ",")


@dataclass(frozen=True, slots=True)
class RequestView:
    """A request's fields as people read them; the handlers resolve ids to names."""

    organisation: str
    topic: str
    format: str
    audience: tuple[str, ...]
    participants: int | None
    dates: str
    contact_name: str | None
    contact_phone: str | None
    comment: str


def request_fields(view: RequestView, *, contacts: bool = True) -> list[str]:
    """The body of a summary or a card, every user-typed value escaped."""
    dash = "—"
    lines = [
        f"🏥 МО: {escape(view.organisation) or dash}",
        f"📚 Направление: {escape(view.topic) or dash}",
        f"🎓 Формат: {FORMAT_TITLES.get(view.format, dash)}",
        f"👥 Слушатели: {audience(view.audience)}",
        f"🔢 Участников: {view.participants or dash}",
        f"📅 Даты: {escape(view.dates) or dash}",
    ]
    if contacts:
        if view.contact_name is None and view.contact_phone is None:
            lines.append("☎️ Контакт: удалён по просьбе пользователя")
        else:
            lines.append(
                f"☎️ Контакт: {escape(view.contact_name or dash)}, {view.contact_phone or dash}"
            )
    lines.append(f"💬 Комментарий: {escape(view.comment) or dash}")
    return lines


def request_summary(view: RequestView) -> str:
    body = "\n".join(request_fields(view))
    return f"{REQ_SUMMARY_HEADER}{body}\n\n{REQ_CONSENT}\n\n{REQ_EDIT_HINT}"


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
        lines.append(f"👤 Исполнитель: {escape(assignee)}")
    if created:
        lines.append(f"🕓 Подана: {created}")
    if session:
        lines.append(session)
    return fit(lines)


def request_line(number: int, status: str, topic: str, dates: str, extra: str = "") -> str:
    tail = f" · {escape(extra)}" if extra else ""
    return f"№{number} · {REQUEST_STATUS.get(status, status)} · {escape(topic)} · {dates}{tail}"


def request_history(number: int, events: list[tuple[str, str, str, str]]) -> str:
    """``events``: (when, who, action code, comment)."""
    lines = [REVIEW_HISTORY.format(id=number)]
    for when, who, action, comment in events:
        line = f"• {when} — {escape(who) or 'бот'}: {REQUEST_ACTIONS.get(action, action)}"
        if comment:
            line += f" («{escape(shorten(comment, 300))}»)"
        lines.append(line)
    return fit(lines)


def session_line(
    number: int,
    when: str,
    organisation: str,
    topic: str,
    fmt: str,
    planned: float,
    people: int | None,
    actual: float | None,
) -> str:
    done = f" · итог: {people} чел., {hours(actual)} ч" if people is not None else ""
    return (
        f"№{number} · {when} · {escape(organisation or SCHEDULE_FOR_ALL)} · {escape(topic)} · "
        f"{FORMAT_TITLES.get(fmt, fmt)} · план {hours(planned)} ч{done}"
    )


def schedule_draft(lines: list[tuple[str, str]]) -> str:
    return "\n".join(f"{title}: {escape(value)}" for title, value in lines)


# -- statistics -------------------------------------------------------------------------------

STATS_PERIOD_TITLES = {"w": "Неделя", "m": "Месяц", "q": "Квартал", "y": "Год"}
BTN_STATS_EARLIER = "◀️ Раньше"
BTN_STATS_LATER = "Позже ▶️"
BTN_STATS_CUSTOM = "📅 Свой период"
BTN_STATS_SECTIONS = {
    "d": "📥 Скачивания",
    "s": "🔎 Не нашли",
    "n": "📭 Не скачивали",
    "t": "🎓 Обучение",
}
BTN_STATS_CHART = "📈 График"
BTN_STATS_EXPORT = "📤 Выгрузка XLSX/CSV"
BTN_DIGEST_ON = "🔔 Дайджест по понедельникам: включён"
BTN_DIGEST_OFF = "🔕 Дайджест по понедельникам: выключен"
BTN_DIGEST_STOP = "🔕 Не присылать дайджест"
BTN_CHART_ALL = "Весь каталог"
BTN_CHART_METHODS = {"3": "По 3 точкам", "5": "По 5 точкам", "5w": "Взвешенная по 5"}
BTN_MATERIAL_CHART = "📈 График скачиваний"

CHANNEL_TITLES = {
    "private": "в личном чате",
    "group": "в группах",
    "inline": "инлайн",
    "deeplink": "по ссылке на материал",
    "link": "облачные ссылки",
}

STATS_ASK_PERIOD = (
    "Пришлите период: «01.09.2026-30.11.2026», «1.09-30.11», «сентябрь 2026» или «2025». "
    "Отмена — /cancel."
)
STATS_BAD_PERIOD = (
    "Не понял период. Примеры: «01.09.2026-30.11.2026», «сентябрь 2026», «2025». "
    "Период — не длиннее трёх лет. Отмена — /cancel."
)
STATS_NOT_TEXT = "Пришлите период текстом, например «01.09.2026-30.11.2026». Отмена — /cancel."
STATS_NO_DATA = "За этот период данных нет: скачиваний не было."
STATS_NO_FAILED = "За этот период все поиски что-нибудь нашли. 👍"
STATS_NO_NEVER = "За этот период каждый материал скачали хотя бы раз. 👍"
STATS_NO_TRAINING = "За этот период занятий не было."
STATS_CHART_PICK = "📈 <b>График скачиваний по неделям</b>\nЧто показать?"
STATS_CHART_EMPTY = "Для графика нет данных: за эти недели скачиваний не было."
STATS_CHART_BUSY = "График уже строится, подождите несколько секунд."
STATS_EXPORT_EMPTY = "Выгружать нечего: за этот период нет ни скачиваний, ни занятий."
STATS_EXPORT_BUSY = "Выгрузка уже готовится, подождите."
STATS_EXPORT_WORKING = "Готовлю выгрузку…"
STATS_BAD_BUTTON = "Эта кнопка устарела. Откройте статистику заново: /stats."
DIGEST_TURNED_ON = "Дайджест включён: каждый понедельник в 09:00."
DIGEST_TURNED_OFF = "Дайджест выключен. Включить снова — в /stats."
REPORT_SHEET_SUMMARY = "Сводка"
REPORT_SHEET_ORGS = "Обучение по МО"
REPORT_SHEET_DOWNLOADS = "Скачивания"
REPORT_SHEET_SESSIONS = "Занятия"
REPORT_SUMMARY_HEADER = ("Раздел", "Показатель", "Значение")
REPORT_ORGS_HEADER = ("МО", "Занятий", "Обучено, чел.", "Ак. часов", "Штат", "Охват, %")
REPORT_DOWNLOADS_HEADER = (
    "Дата и время",
    "ID материала",
    "Материал",
    "Вид",
    "Направления",
    "Канал",
)
REPORT_SESSIONS_HEADER = (
    "№", "Дата и время", "Направление", "МО", "Формат", "Обучено, чел.", "Ак. часов",
    "План, ч", "Заявка №",
)  # fmt: skip


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",") + " %"


def _change(now: int, before: int) -> str:
    if before == 0:
        return ""
    delta = round((now - before) / before * 100)
    return f" (было {number(before)}, {delta:+d} %)"


def _fit(lines: list[str]) -> str:
    """Join lines into one message, dropping whole lines from the end to stay under 4096."""
    text = "\n".join(lines)
    while len(text) > 4000 and len(lines) > 1:
        lines = [*lines[:-2], "…"]
        text = "\n".join(lines)
    return text


def period_dates(start: date, end: date) -> str:
    return f"{start:%d.%m.%Y} – {end:%d.%m.%Y}"


def stats_heading(label: str, dates: str) -> str:
    heading = f"📊 <b>Статистика: {escape(label)}</b>"
    return heading if dates == label else f"{heading}\n<i>{dates}</i>"


def stats_downloads(
    heading: str,
    total: int,
    users: int,
    previous: int,
    top: list[tuple[str, int]],
    by_topic: list[tuple[str, int]],
    by_kind: list[tuple[str, int]],
    by_channel: list[tuple[str, int]],
    never: int,
) -> str:
    lines = [
        heading,
        "",
        f"📥 Скачиваний: <b>{number(total)}</b>{_change(total, previous)}",
        f"👤 Скачивали: <b>{number(users)}</b> чел.",
        "",
        "<b>Топ-10 материалов</b>",
    ]
    lines += [f"{i}. {escape(shorten(t, 70))} — {number(n)}" for i, (t, n) in enumerate(top, 1)]
    lines += ["", "<b>По направлениям</b>"]
    lines += [f"• {escape(t)} — {number(n)}" for t, n in by_topic]
    lines += ["", "<b>По видам</b>"]
    lines += [f"• {escape(t)} — {number(n)}" for t, n in by_kind]
    lines += ["", "<b>По каналам</b>"]
    lines += [f"• {CHANNEL_TITLES.get(c, c)} — {number(n)}" for c, n in by_channel]
    if never:
        lines += ["", f"📭 Ни разу не скачали: {number(never)} — кнопка «Не скачивали»."]
    return _fit(lines)


def stats_failed(heading: str, rows: list[tuple[str, int, int]], total: int) -> str:
    lines = [
        heading,
        "",
        f"🔎 <b>Искали и не нашли</b>: {counted(total, 'запрос', 'запроса', 'запросов')}",
        "",
    ]
    lines += [
        f"{i}. «{escape(shorten(q, 80))}» — {counted(n, 'раз', 'раза', 'раз')}, {number(u)} чел."
        for i, (q, n, u) in enumerate(rows, 1)
    ]
    lines += ["", "<i>Это подсказка, какие материалы сделать следующими.</i>"]
    return _fit(lines)


def stats_never(heading: str, titles: list[str], total: int) -> str:
    lines = [
        heading,
        "",
        f"📭 <b>Ни разу не скачали</b>: {counted(total, 'материал', 'материала', 'материалов')}",
        "",
    ]
    lines += [f"• {escape(shorten(t, 90))}" for t in titles]
    if total > len(titles):
        lines += ["", f"…и ещё {number(total - len(titles))}: полный список — в выгрузке."]
    return _fit(lines)


def stats_training(
    heading: str,
    sessions: int,
    people: int,
    hours_total: float,
    awaiting: int,
    by_format: list[tuple[str, int, int, float]],
    by_org: list[tuple[str, int, int, float | None]],
    more_orgs: int,
    untrained: int,
    open_sessions: tuple[int, int],
    years: list[tuple[int, float]],
    smoothed: list[float] | None,
    note: str,
) -> str:
    lines = [
        heading,
        "",
        f"🎓 Проведено занятий: <b>{number(sessions)}</b>",
        f"👥 Обучено: <b>{number(people)}</b> чел.",
        f"⏱ Академических часов: <b>{hours(round(hours_total, 1))}</b>",
    ]
    if awaiting:
        lines.append(f"⏳ Ждут итогов: {number(awaiting)} (в цифры выше не вошли)")
    if by_format:
        lines += ["", "<b>По форматам</b>"]
        lines += [
            f"• {FORMAT_TITLES.get(f, f)}: {number(s)} зан., {number(p)} чел., "
            f"{hours(round(h, 1))} ак. ч"
            for f, s, p, h in by_format
        ]
    if by_org:
        lines += ["", "<b>По МО</b> (охват = обучено ÷ штат × 100)"]
        lines += [
            f"• {escape(name)}: {number(p)} чел., {number(s)} зан., охват {percent(c)}"
            for name, s, p, c in by_org
        ]
        if more_orgs:
            lines.append(f"…и ещё {number(more_orgs)} МО с занятиями — в выгрузке.")
    if untrained:
        lines.append(f"Без занятий за период: {number(untrained)} МО (список — в выгрузке).")
    if open_sessions[0]:
        lines.append(
            f"• Открытые занятия для всех МО: {number(open_sessions[1])} чел., "
            f"{number(open_sessions[0])} зан. (в охват МО не входят)"
        )
    if years:
        lines += ["", "<b>Охват по региону по годам</b>"]
        lines.append(" · ".join(f"{y}: {percent(v)}" for y, v in years))
        if smoothed is not None:
            lines.append("Сглаженный (по 3 точкам): " + " · ".join(percent(v) for v in smoothed))
        elif note:
            lines.append(f"<i>{escape(note)}</i>")
    return _fit(lines)


def chart_caption(title: str, label: str, total: int, note: str) -> str:
    text = (
        f"📈 <b>{escape(shorten(title, 200))}</b>\n{escape(label)}: "
        f"{counted(total, 'скачивание', 'скачивания', 'скачиваний')}.\n"
        "Столбцы — неделя, линия — скользящая средняя, пунктир — линейный тренд."
    )
    if note:
        text += f"\n<i>{escape(note)}</i>"
    return text


def export_caption(label: str, downloads: int, truncated: bool, sessions: int) -> str:
    text = (
        f"📤 Статистика: {escape(label)}. "
        f"Скачиваний: {number(downloads)}, занятий: {number(sessions)}."
    )
    if truncated:
        text += (
            f"\nСобытий больше, чем помещается в выгрузку: в листе — первые {number(downloads)}."
        )
    return text


def digest(
    label: str,
    total: int,
    previous: int,
    users: int,
    top: list[tuple[str, int]],
    failed: list[tuple[str, int]],
    sessions: int,
    people: int,
) -> str:
    lines = [
        f"🗓 <b>Итоги недели: {escape(label)}</b>",
        f"📥 Скачиваний: <b>{number(total)}</b>{_change(total, previous)}, людей: {number(users)}",
    ]
    if top:
        lines.append("Чаще всего: " + "; ".join(f"{escape(shorten(t, 50))} — {n}" for t, n in top))
    if failed:
        lines.append(
            "Не нашли: " + "; ".join(f"«{escape(shorten(q, 30))}» — {n}" for q, n in failed)
        )
    lines.append(f"🎓 Занятий: {number(sessions)}, обучено: {number(people)} чел.")
    lines.append("Подробнее — /stats.")
    text = "\n".join(lines)
    # A photo caption holds 1024 characters.
    while len(text) > 1024 and len(lines) > 3:
        lines.pop(2)
        text = "\n".join(lines)
    return text


# -- personal data in materials ---------------------------------------------------------------

BTN_PD_FORCE = "⚠️ Опубликовать всё равно"
BTN_PD_HOLD = "📨 Передать администратору"
BTN_PD_KEEP = "🗄 Оставить в архиве"
PD_HEADER = "⚠️ <b>Похоже, в материале есть персональные данные</b>"
PD_RULE = "Материалы не должны содержать персональных данных пациентов и сотрудников."
PD_ADMIN_CHOICE = (
    "Если это не персональные данные (например, вымышленный пример), нажмите «Опубликовать всё "
    "равно». Иначе отмените и исправьте материал."
)
PD_METHODIST_CHOICE = (
    "Опубликовать такой материал может только администратор. Исправьте материал или нажмите "
    "«Передать администратору»: материал сохранится в архиве и будет ждать решения."
)
PD_UNREAD = "Текст файла прочитать не удалось ({reason}): проверьте его сами."
PD_ONLY_ADMIN = (
    "Опубликовать материал с возможными персональными данными может только администратор."
)
PD_HELD = "Материал №{id} сохранён в архиве и ждёт решения администратора."
PD_CARD = "🛡 <b>Материал №{id} задержан</b>: возможны персональные данные.\n«{title}»\nОт: {person}"
PD_PUBLISHED = "Опубликовано: материал №{id} снова в каталоге."
PD_KEPT = "Материал №{id} остаётся в архиве."
PD_DECIDED = "По этому материалу уже приняли решение."
PD_TO_AUTHOR_PUBLISHED = "Администратор опубликовал материал «{title}»."
PD_TO_AUTHOR_KEPT = (
    "Администратор оставил материал «{title}» в архиве: уберите из него персональные данные и "
    "загрузите снова."
)
PD_IMPORT_HELD = (
    "🛡 Задержаны в архиве (возможны персональные данные), строки: {rows}. "
    "Администраторы получили их на решение."
)


def pd_lines(findings: list[tuple[str, str, str]]) -> list[str]:
    """(what, masked excerpt, where) as bullet lines; excerpts are masked already."""
    return [f"• {what}: {escape(shown)} ({escape(where)})" for what, shown, where in findings]


def pd_warning(findings: list[tuple[str, str, str]], admin: bool, unread: str) -> str:
    lines = [PD_HEADER, *pd_lines(findings), "", PD_RULE]
    if unread:
        lines.append(PD_UNREAD.format(reason=escape(shorten(unread, 200))))
    lines.append(PD_ADMIN_CHOICE if admin else PD_METHODIST_CHOICE)
    return "\n".join(lines)
