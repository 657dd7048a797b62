"""Every Russian string of the materials feature, and the functions that format them. Values
typed by people are cut with ``ui.shorten`` first and escaped second; every number next to a
noun goes through ``ui.counted``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot import ui
from catalog.model import AUDIENCES, KIND_TITLES, MAX_TITLE, Kind
from catalog.pdscan import Finding

# -- adding ----------------------------------------------------------------------------------------

ADD_ASK_SOURCE = (
    "📎 <b>Новый материал</b>\n"
    "Пришлите файл (документ, видео или фото) или ссылку на материал в облаке (https://…)."
)
ADD_SOURCE_INVALID = "Нужен файл (документ, видео или фото) или ссылка, начинающаяся с https://."
DUPLICATE_FILE = "Этот файл уже есть в каталоге — вот его карточка. Новую запись не создаю."
DUPLICATE_URL = "Материал с этой ссылкой уже есть в каталоге — вот его карточка."
FILE_TOO_BIG = (
    "Файл больше {limit} МБ: Telegram не даст боту его скачать. Сожмите или разделите его."
)
ASK_TITLE = "Название материала: «{title}».\nПришлите другое название или нажмите «Оставить»."
ASK_TITLE_EMPTY = "Пришлите название материала (от 3 до 200 символов)."
TITLE_INVALID = "Название должно быть от 3 до 200 символов."
ASK_DESCRIPTION = "Пришлите краткое описание: о чём материал, для кого. Или нажмите «Пропустить»."
ASK_DESCRIPTION_KEPT = "Описание сейчас: «{description}».\nПришлите новое или нажмите «Оставить»."
DESCRIPTION_TOO_LONG = "Описание длиннее 2000 символов. Пришлите, пожалуйста, короче."
ASK_TOPICS = "Выберите от 1 до 3 направлений и нажмите «Готово»."
ASK_KIND = "Какой это материал?"
ASK_AUDIENCE = "Для кого материал? Отметьте нужных и нажмите «Готово» (можно никого — для всех)."
ASK_TAGS = (
    "Пришлите ключевые слова через запятую (например: «ЭЛН, продление, ВК») "
    "или нажмите «Пропустить»."
)
ASK_URL = "Ссылка сейчас: {url}\nПришлите новую ссылку (https://…)."
URL_INVALID = "Ссылка должна начинаться с http:// или https://."
ASK_NEW_FILE = "Пришлите новый файл: он станет новой версией, прежняя уйдёт в архив."
NEW_FILE_INVALID = "Нужен файл: документ, видео или фото."
NEW_FILE_SAME = "Этот файл уже есть в каталоге. Пришлите другой файл."
NOT_AN_ANSWER = (
    "Команды и кнопки меню не подходят как ответ. Пришлите текст или нажмите «✖️ Отмена»."
)
TOPICS_NEED_ONE = "Выберите хотя бы одно направление."
TOPICS_TOO_MANY = "Не больше трёх направлений."
KIND_UNKNOWN = "Выберите вид кнопкой."
PREVIEW_HEADER = "<b>Проверьте перед сохранением</b>\n\n"
RESUMED = "📝 Продолжаем с того места, где вы остановились."
SAVED = "✅ Материал сохранён."
UPDATED = "✅ Изменения сохранены."
NEW_VERSION_SAVED = "✅ Новая версия сохранена, прежняя перенесена в архив."
ALREADY_SAVED = "Этот материал уже сохранён."
SAVE_FAILED = "Не получилось сохранить: {reason}."
BTN_KEEP = "Оставить"
BTN_SAVE = "💾 Сохранить"

# -- editing and the archive -----------------------------------------------------------------------

EDIT_MENU = "✏️ Что изменить в материале «{title}»?"
EDIT_MENU_HINT = "Можно изменить несколько полей подряд: сохранятся все вместе."
FIELD_TITLES = {
    "title": "Название",
    "description": "Описание",
    "topics": "Направления",
    "kind": "Вид",
    "audience": "Аудитория",
    "tags": "Ключевые слова",
    "url": "Ссылка",
}
BTN_EDIT = ui.BTN_EDIT
BTN_ARCHIVE = ui.BTN_ARCHIVE
BTN_ARCHIVE_YES = "🗄 Да, в архив"
BTN_RESTORE = ui.BTN_RESTORE
BTN_NEW_FILE = "📎 Новая версия файла"
ARCHIVE_ASK = (
    "Перенести «{title}» в архив?\nЕго перестанут находить и выдавать. Вернуть можно кнопкой "
    "«♻️ Вернуть из архива» на карточке."
)
ARCHIVED = "🗄 Материал перенесён в архив и больше не выдаётся."
RESTORED = "♻️ Материал снова доступен."
MATERIAL_GONE = "Этот материал удалён или больше не доступен."
EDIT_IN_PRIVATE = "Изменять материалы можно в личном чате с ботом."

# -- personal data ---------------------------------------------------------------------------------

BTN_PD_FORCE = "⚠️ Опубликовать всё равно"
BTN_PD_HOLD = "📨 Передать администраторам"
BTN_PD_KEEP = "🗄 Оставить в архиве"
PD_HEADER = "⚠️ <b>Похоже, в материале есть персональные данные</b>"
PD_RULE = "Материалы не должны содержать персональных данных пациентов и сотрудников."
PD_ADMIN_CHOICE = (
    "Если это не персональные данные (например, вымышленный пример), нажмите «Опубликовать всё "
    "равно». Иначе отмените и исправьте материал."
)
PD_METHODIST_CHOICE = (
    "Опубликовать такой материал может только администратор. Исправьте материал или нажмите "
    "«Передать администраторам»: материал сохранится в архиве и будет ждать решения."
)
PD_UNREAD = "Текст файла прочитать не удалось ({reason}): проверьте его сами."
PD_ONLY_ADMIN = (
    "Опубликовать материал с возможными персональными данными может только администратор."
)
PD_HELD = "Материал №{id} сохранён в архиве и ждёт решения администратора."
PD_CARD = "🛡 <b>Материал №{id} задержан</b>: возможны персональные данные.\n«{title}»\nОт: {person}"
PD_FROM_IMPORT = "импорт"
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

# -- import and export -----------------------------------------------------------------------------

IMPORT_ASK_FILE = (
    "📥 <b>Импорт каталога</b>\nПришлите файл CSV или XLSX со столбцами: id, title, description, "
    "kind, topics, audience, tags, url, published_at."
)
IMPORT_NEED_TABLE = "Нужен файл .csv или .xlsx."
IMPORT_STARTED = "⏳ Импорт начался…"
IMPORT_PROGRESS = "⏳ Импорт: обработано {done} из {total}…"
IMPORT_FAILED = "Не удалось прочитать файл: {reason}."
IMPORT_DONE = "✅ Импорт завершён: новых {created}, обновлено {updated}, с ошибками {bad}."
IMPORT_PROBLEM = "• строка {row}, {field}: {message}"
IMPORT_MORE = (
    "…и ещё {count} с ошибками — исправьте их и загрузите файл снова: верные строки не задвоятся."
)
EXPORT_CAPTION = "Каталог на {date}: {count}."
EXPORT_STATUS_COLUMN = "статус"
EXPORT_DOWNLOADS_COLUMN = "скачиваний"
EXPORT_STATUS = {
    "active": "опубликован",
    "archived": "в архиве",
    "held": "задержан: возможны персональные данные",
}

# -- directions (admins) ---------------------------------------------------------------------------

TOPICS_HEADER = "<b>Направления</b> (код — название: материалов)"
TOPIC_USAGE = (
    "Добавить или переименовать направление: <code>/topic код Название</code>, например "
    "<code>/topic onco Онкология</code>. Код — латинские буквы и цифры, до 16 символов."
)
TOPIC_ADDED = "Направление «{title}» добавлено (код {code})."
TOPIC_RENAMED = "Направление {code} теперь называется «{title}»."


def materials(count: int) -> str:
    return ui.counted(count, "материал", "материала", "материалов")


def rows_of(count: int) -> str:
    """«из 21 строки», «из 5 строк»: the genitive after «из»."""
    return ui.counted(count, "строки", "строк", "строк")


def audience_titles(codes: Sequence[str]) -> str:
    return ", ".join(AUDIENCES.get(c, c) for c in codes) or "все"


def _date(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%d.%m.%Y")
    except ValueError:
        return iso


def ask_title(title: str) -> str:
    if not title:
        return ASK_TITLE_EMPTY
    return ASK_TITLE.format(title=ui.escape(ui.shorten(title, MAX_TITLE)))


def ask_description(description: str) -> str:
    if not description:
        return ASK_DESCRIPTION
    return ASK_DESCRIPTION_KEPT.format(description=ui.escape(ui.shorten(description, 300)))


def ask_url(url: str) -> str:
    return ASK_URL.format(url=ui.escape(ui.shorten(url, 300)) or "—")


def edit_menu(title: str) -> str:
    return EDIT_MENU.format(title=ui.escape(ui.shorten(title, 120))) + "\n" + EDIT_MENU_HINT


def draft_lines(
    *,
    title: str,
    kind: Kind,
    topics: Sequence[str],
    audience: Sequence[str],
    tags: Sequence[str],
    description: str,
    file_name: str,
    url: str,
) -> list[str]:
    """A material as people read it: title, kind and directions, audience, tags, description
    and what it is made of (a file or a link). ``topics`` are titles already."""
    lines = [
        f"<b>{ui.escape(ui.shorten(title, MAX_TITLE))}</b>",
        f"📄 {KIND_TITLES[kind]} · " + ui.escape(ui.shorten(", ".join(topics), 300)),
        f"👥 {audience_titles(audience)}",
    ]
    if tags:
        lines.append("🏷 " + ui.escape(ui.shorten(", ".join(tags), 300)))
    if description:
        lines += ["", ui.escape(ui.shorten(description, 1500))]
    if file_name:
        lines.append(f"\n📎 {ui.escape(ui.shorten(file_name, 200))}")
    if url:
        lines.append(f"🔗 {ui.escape(ui.shorten(url, 300))}")
    return lines


def preview(lines: list[str]) -> str:
    return PREVIEW_HEADER + "\n".join(lines)


def card(
    lines: list[str], *, published: str, version: int, downloads: int, status: str, held: bool
) -> str:
    """The material as methodologists manage it, after saving or archiving."""
    out = [*lines, ""]
    dated = f"📅 {_date(published)}"
    if version > 1:
        dated += f" · версия {version}"
    out.append(dated)
    out.append("📥 " + ui.counted(downloads, "скачивание", "скачивания", "скачиваний"))
    if held:
        out.append("\n🛡 Ждёт решения администратора: возможны персональные данные.")
    elif status != "active":
        out.append(f"\n{ARCHIVED}")
    return ui.fit(out)


def archive_ask(title: str) -> str:
    return ARCHIVE_ASK.format(title=ui.escape(ui.shorten(title, 120)))


def saved(mode: str) -> str:
    return {"edit": UPDATED, "version": NEW_VERSION_SAVED}.get(mode, SAVED)


def pd_lines(findings: Sequence[Finding]) -> list[str]:
    """What was found, masked already, and where, as bullet lines."""
    return [
        f"• {f.title}: {ui.escape(f.shown)} ({ui.escape(ui.shorten(f.where, 60))})"
        for f in findings
    ]


def pd_warning(findings: Sequence[Finding], admin: bool, unread: str) -> str:
    lines = [PD_HEADER, *pd_lines(findings), "", PD_RULE]
    if unread:
        lines.append(PD_UNREAD.format(reason=ui.escape(ui.shorten(unread, 200))))
    lines.append(PD_ADMIN_CHOICE if admin else PD_METHODIST_CHOICE)
    return ui.fit(lines)


def pd_card(material_id: int, title: str, who: str, findings: Sequence[Finding]) -> str:
    """The held material for the admins; ``who`` is HTML already (ui.person)."""
    head = PD_CARD.format(id=material_id, title=ui.escape(ui.shorten(title, 200)), person=who)
    return ui.fit([head, *pd_lines(findings)])


def pd_to_author(published: bool, title: str) -> str:
    note = PD_TO_AUTHOR_PUBLISHED if published else PD_TO_AUTHOR_KEPT
    return note.format(title=ui.escape(ui.shorten(title, 200)))


def import_progress(done: int, total: int) -> str:
    return IMPORT_PROGRESS.format(done=ui.number(done), total=rows_of(total))


def import_report(
    created: int, updated: int, problems: Sequence[tuple[int, str, str]], held_rows: Sequence[int]
) -> str:
    lines = []
    if held_rows:
        rows = ", ".join(str(row) for row in held_rows[:50])
        lines += [PD_IMPORT_HELD.format(rows=rows), ""]
    lines.append(IMPORT_DONE.format(created=created, updated=updated, bad=len(problems)))
    shown = problems[:30]
    lines += [
        IMPORT_PROBLEM.format(
            row=r, field=ui.escape(ui.shorten(f, 40) or "—"), message=ui.escape(ui.shorten(m, 200))
        )
        for r, f, m in shown
    ]
    if len(problems) > len(shown):
        more = len(problems) - len(shown)
        lines.append(IMPORT_MORE.format(count=ui.counted(more, "строка", "строки", "строк")))
    return ui.fit(lines)


def export_caption(day: str, count: int) -> str:
    return EXPORT_CAPTION.format(date=day, count=materials(count))


def topics_list(rows: Sequence[tuple[str, str, int]]) -> str:
    lines = [TOPICS_HEADER]
    lines += [
        f"<code>{code}</code> — {ui.escape(ui.shorten(title, 80))}: {materials(count)}"
        for code, title, count in rows
    ]
    lines += ["", TOPIC_USAGE]
    return ui.fit(lines)


def topic_saved(created: bool, code: str, title: str) -> str:
    template = TOPIC_ADDED if created else TOPIC_RENAMED
    return template.format(code=code, title=ui.escape(ui.shorten(title, 80)))
