"""Every Russian string of the МО directory, and the functions that format them."""

from __future__ import annotations

from bot.ui import counted, escape, shorten
from storage.organisations import Organisation

FIELDS = {
    "name": "полное название",
    "short_name": "краткое название",
    "district": "район",
    "staff": "численность персонала",
}
TYPE_TITLES = {
    "crb": "центральная районная больница",
    "hospital": "больница",
    "polyclinic": "поликлиника",
    "dental": "стоматологическая поликлиника",
    "smp": "станция скорой помощи",
    "maternity": "родильный дом",
    "blood": "станция переливания крови",
    "dispensary": "диспансер",
    "centre": "центр",
    "mse": "бюро МСЭ",
    "other": "другое",
}

BTN_IMPORT = "📤 Загрузить файл"
BTN_EXPORT = "📥 Выгрузить"
ASK_FILE = (
    "Пришлите файл .csv или .xlsx со справочником: колонки name, short_name, district, type, "
    "staff. Справочник заменится целиком: МО, которых нет в файле, будут скрыты."
)
NEED_TABLE = "Нужен файл .csv или .xlsx."
FILE_TOO_BIG = "Файл больше {limit} МБ. Разделите его или уберите лишнее."
IMPORT_FAILED = "Не удалось прочитать файл: {reason}."
IMPORT_REFUSED = "Справочник не изменён: в файле ошибки. Исправьте их и загрузите снова."
IMPORT_PROBLEM = "• строка {row}, {field}: {message}"
NONE = "МО по запросу «{query}» не найдена."
FOUND = "Нашлось по запросу «{query}» — выберите МО:"
ASK_VALUE = "{card}\n\n✏️ Новое значение поля «{field}»:"
ASK_VALUE_OPTIONAL = "{card}\n\n✏️ Новое значение поля «{field}» или «-», чтобы очистить:"
VALUE_INVALID = "Не подходит: {reason}."
SAVED = "✅ Сохранено."
GONE = "Такой МО нет."
REASONS = {
    "name": "от 3 до 250 символов",
    "short_name": "от 2 до 60 символов",
    "district": "до 100 символов",
    "staff": "целое число от 1 до {max} или «-»",
    "taken": "такое краткое название уже есть",
}


def header(active: int) -> str:
    shown = counted(active, "организация", "организации", "организаций")
    return (
        f"🏥 <b>Справочник МО</b>: {shown} в работе.\nНайти и поправить МО — "
        "<code>/mo часть названия</code>. Заменить весь справочник — файлом CSV или XLSX."
    )


def card(org: Organisation) -> str:
    staff = counted(org.staff, "человек", "человека", "человек") if org.staff is not None else "—"
    lines = (
        f"🏥 <b>{escape(shorten(org.name, 250))}</b>",
        f"Кратко: {escape(shorten(org.short_name, 60))}",
        f"Район: {escape(shorten(org.district, 100)) or '—'}",
        f"Тип: {TYPE_TITLES.get(org.type.value, org.type.value)}",
        f"Численность персонала: {staff}",
    )
    return "\n".join(lines)


def imported(created: int, updated: int, hidden: int) -> str:
    each = ("МО", "МО", "МО")
    return (
        f"✅ Справочник обновлён. Добавлено: {counted(created, *each)}, "
        f"обновлено: {counted(updated, *each)}, скрыто: {counted(hidden, *each)}."
    )


def query_echo(query: str) -> str:
    return escape(shorten(query, 50))
