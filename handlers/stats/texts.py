"""Every Russian string of /stats, the charts, the exports and the Monday digest, with the
functions that format them. User-supplied values (titles, queries, МО names) are cut with
``ui.shorten`` first and escaped second; every number next to a noun agrees with it."""

from __future__ import annotations

from datetime import date, timedelta

from bot.ui import counted, escape, fit, number, shorten

# -- buttons ----------------------------------------------------------------------------------

PERIOD_TITLES = {"w": "Неделя", "m": "Месяц", "q": "Квартал", "y": "Год"}
BTN_EARLIER = "◀️ Раньше"
BTN_LATER = "Позже ▶️"
BTN_CUSTOM = "📅 Свой период"
BTN_SECTIONS = {
    "d": "📥 Скачивания",
    "s": "🔎 Не нашли",
    "n": "📭 Не скачивали",
    "t": "🎓 Обучение",
}
BTN_CHART = "📈 График"
BTN_EXPORT = "📤 Выгрузка XLSX/CSV"
BTN_DIGEST_ON = "🔔 Дайджест по понедельникам: включён"
BTN_DIGEST_OFF = "🔕 Дайджест по понедельникам: выключен"
BTN_DIGEST_STOP = "🔕 Не присылать дайджест"
BTN_CHART_ALL = "Весь каталог"
BTN_CHART_METHODS = {"3": "По 3 точкам", "5": "По 5 точкам", "5w": "Взвешенная по 5"}
BTN_ONE_DAY = "Только этот день"
BTN_TILL_TODAY = "По сегодня"

CHANNEL_TITLES = {
    "private": "в личном чате",
    "group": "в группах",
    "inline": "инлайн",
    "deeplink": "по ссылке на материал",
    "link": "облачные ссылки",
}
FORMAT_TITLES = {
    "webinar": "онлайн-вебинар",
    "vks": "ВКС",
    "desant": "выездной «МЦТ-десант»",
    "centre": "в учебном центре МЦТ",
}

# -- the custom period form -------------------------------------------------------------------

PERIOD_HEAD = "📅 <b>Свой период</b>"
ASK_PERIOD = (
    "Выберите в календаре первый день периода или пришлите период текстом: "
    "«{example_range}», «{example_month}» или «{example_year}»."
)
ASK_END = (
    "Начало: <b>{start}</b>. Выберите в календаре последний день периода "
    "(не позже сегодняшнего и не дальше трёх лет от начала) или пришлите период текстом."
)
BAD_PERIOD = (
    "Не понял период. Примеры: «{example_range}», «{example_month}», «{example_year}». "
    "Период — не длиннее трёх лет."
)
NOT_TEXT = "Пришлите период текстом или выберите дни в календаре."
DAY_OUT_OF_RANGE = "Этот день выбрать нельзя: период идёт от начала до сегодняшнего дня."

# -- views ------------------------------------------------------------------------------------

NO_DATA = "За этот период данных нет: скачиваний не было."
NO_FAILED = "За этот период все поиски что-нибудь нашли. 👍"
NO_NEVER = "За этот период каждый материал скачали хотя бы раз. 👍"
NO_TRAINING = "За этот период занятий не было."
CHART_PICK = "📈 <b>График скачиваний по неделям</b>\nЧто показать?"
CHART_EMPTY = "Для графика нет данных: за эти недели скачиваний не было."
CHART_BUSY = "График уже строится, подождите несколько секунд."
CHART_PRIVATE = "График придёт в личный чат с ботом: откройте бота и нажмите «Запустить»."
EXPORT_EMPTY = "Выгружать нечего: за этот период нет ни скачиваний, ни занятий."
EXPORT_BUSY = "Выгрузка уже готовится, подождите."
EXPORT_WORKING = "Готовлю выгрузку…"
PRIVATE_ONLY = "Это делается в личном чате с ботом: /stats."
IN_GROUP = "Статистика открывается в личном чате с ботом: напишите ему /stats."
BAD_BUTTON = "Эта кнопка устарела. Откройте статистику заново: /stats."
DIGEST_TURNED_ON = "Дайджест включён: каждый понедельник в 09:00."
DIGEST_TURNED_OFF = "Дайджест выключен. Включить снова — в /stats."

# The longest lists a view shows; the rest is in the export.
TOPICS_SHOWN = 8

# -- exports ----------------------------------------------------------------------------------

SHEET_SUMMARY = "Сводка"
SHEET_ORGS = "Обучение по МО"
SHEET_DOWNLOADS = "Скачивания"
SHEET_SESSIONS = "Занятия"
SUMMARY_HEADER = ("Раздел", "Показатель", "Значение")
ORGS_HEADER = ("МО", "Занятий", "Обучено, чел.", "Ак. часов", "Штат", "Охват, %")
DOWNLOADS_HEADER = (
    "Дата и время",
    "ID материала",
    "Материал",
    "Вид",
    "Направления",
    "Канал",
)
SESSIONS_HEADER = (
    "№", "Дата и время", "Направление", "МО", "Формат", "Обучено, чел.", "Ак. часов",
    "План, ч", "Заявка №",
)  # fmt: skip

# -- charts -----------------------------------------------------------------------------------

CHART_BARS = "Скачивания за неделю"
CHART_RUNNING_BAR = "Текущая неделя (ещё идёт)"
CHART_TREND = "Линейный тренд"
CHART_Y = "Скачиваний за неделю"
CHART_X = "Неделя (понедельник)"


def downloads_word(value: int) -> str:
    return counted(value, "скачивание", "скачивания", "скачиваний")


def queries_word(value: int) -> str:
    return counted(value, "запрос", "запроса", "запросов")


def times_word(value: int) -> str:
    return counted(value, "раз", "раза", "раз")


def materials_word(value: int) -> str:
    return counted(value, "материал", "материала", "материалов")


def directions_word(value: int) -> str:
    return counted(value, "направление", "направления", "направлений")


def events_word(value: int) -> str:
    return counted(value, "событие", "события", "событий")


def examples(today: date) -> dict[str, str]:
    """Example periods computed from today, so a prompt never offers one in the future: the
    last three whole months, the last month, the last year."""
    end = today.replace(day=1) - timedelta(days=1)
    index = end.year * 12 + end.month - 1 - 2
    start = date(index // 12, index % 12 + 1, 1)
    return {
        "example_range": f"{start:%d.%m.%Y}-{end:%d.%m.%Y}",
        "example_month": f"{MONTHS[end.month - 1]} {end.year}",
        "example_year": str(today.year - 1),
    }


MONTHS = (
    "январь", "февраль", "март", "апрель", "май", "июнь",
    "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
)  # fmt: skip


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",") + " %"


def hours(value: float | None) -> str:
    return "—" if value is None else f"{value:g}".replace(".", ",")


def change(now: int, before: int, span: str = "") -> str:
    """« (было 10, +20 %)» against the previous period; with ``span``, the part of it that is
    compared: « (за 01.11–05.11 было 10, +20 %)»."""
    if before == 0:
        return ""
    delta = round((now - before) / before * 100)
    where = f"за {span} " if span else ""
    return f" ({where}было {number(before)}, {delta:+d} %)"


def period_dates(start: date, end: date) -> str:
    return f"{start:%d.%m.%Y} – {end:%d.%m.%Y}"


def short_span(start: date, end: date) -> str:
    return f"{start:%d.%m}" if start == end else f"{start:%d.%m}–{end:%d.%m}"


def heading(label: str, dates: str, through: date | None = None) -> str:
    """The view's title; ``through`` for a period still running: the day its data end."""
    text = f"📊 <b>Статистика: {escape(label)}</b>"
    if through is not None:
        return f"{text}\n<i>{dates}; период ещё идёт, данные по {through:%d.%m.%Y}</i>"
    return text if dates == label else f"{text}\n<i>{dates}</i>"


def _collapsed(rows: list[tuple[str, int]], shown: int) -> list[str]:
    lines = [f"• {escape(shorten(t, 60))} — {number(n)}" for t, n in rows[:shown]]
    if len(rows) > shown:
        rest = rows[shown:]
        lines.append(
            f"…и ещё {directions_word(len(rest))}: {downloads_word(sum(n for _, n in rest))}"
        )
    return lines


def downloads_view(
    head: str,
    total: int,
    users: int,
    previous: int,
    span: str,
    top: list[tuple[str, int]],
    by_topic: list[tuple[str, int]],
    by_kind: list[tuple[str, int]],
    by_channel: list[tuple[str, int]],
    never: int,
) -> str:
    lines = [
        head,
        "",
        f"📥 Скачиваний: <b>{number(total)}</b>{change(total, previous, span)}",
        f"👤 Скачивали: <b>{number(users)}</b> чел.",
        "",
        "<b>Топ-10 материалов</b>",
    ]
    lines += [f"{i}. {escape(shorten(t, 70))} — {number(n)}" for i, (t, n) in enumerate(top, 1)]
    lines += ["", "<b>По направлениям</b>", *_collapsed(by_topic, TOPICS_SHOWN)]
    lines += ["", "<b>По видам</b>"]
    lines += [f"• {escape(shorten(t, 60))} — {number(n)}" for t, n in by_kind]
    lines += ["", "<b>По каналам</b>"]
    lines += [f"• {CHANNEL_TITLES.get(c, escape(c))} — {number(n)}" for c, n in by_channel]
    if never:
        lines += ["", f"📭 Ни разу не скачали: {number(never)} — кнопка «Не скачивали»."]
    return fit(lines)


def failed_view(head: str, rows: list[tuple[str, int, int]], total: int) -> str:
    lines = [head, "", f"🔎 <b>Искали и не нашли</b>: {queries_word(total)}", ""]
    lines += [
        f"{i}. «{escape(shorten(q, 80))}» — {times_word(n)}, {number(u)} чел."
        for i, (q, n, u) in enumerate(rows, 1)
    ]
    lines += ["", "<i>Это подсказка, какие материалы сделать следующими.</i>"]
    return fit(lines)


def never_view(head: str, titles: list[str], total: int) -> str:
    lines = [head, "", f"📭 <b>Ни разу не скачали</b>: {materials_word(total)}", ""]
    lines += [f"• {escape(shorten(t, 90))}" for t in titles]
    if total > len(titles):
        rest = materials_word(total - len(titles))
        lines += ["", f"…и ещё {rest}: полный список — в выгрузке."]
    return fit(lines)


def training_view(
    head: str,
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
        head,
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
            f"• {FORMAT_TITLES.get(f, escape(f))}: {number(s)} зан., {number(p)} чел., "
            f"{hours(round(h, 1))} ак. ч"
            for f, s, p, h in by_format
        ]
    if by_org:
        lines += ["", "<b>По МО</b> (охват = обучено ÷ штат × 100)"]
        lines += [
            f"• {escape(shorten(name, 60))}: {number(p)} чел., {number(s)} зан., охват {percent(c)}"
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
    return fit(lines)


def chart_caption(title: str, label: str, total: int, note: str, running: bool) -> str:
    text = (
        f"📈 <b>{escape(shorten(title, 200))}</b>\n{escape(label)}: {downloads_word(total)}.\n"
        "Столбцы — неделя, линия — скользящая средняя, пунктир — линейный тренд."
    )
    if running:
        text += (
            "\nПоследняя неделя ещё идёт: её столбец заштрихован, в среднюю и тренд она не входит."
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
            "\nСобытий больше, чем помещается в выгрузку: "
            f"в листе — первые {events_word(downloads)}."
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
        f"📥 Скачиваний: <b>{number(total)}</b>{change(total, previous)}, людей: {number(users)}",
    ]
    if top:
        lines.append(
            "Чаще всего: " + "; ".join(f"{escape(shorten(t, 50))} — {number(n)}" for t, n in top)
        )
    if failed:
        lines.append(
            "Не нашли: " + "; ".join(f"«{escape(shorten(q, 30))}» — {number(n)}" for q, n in failed)
        )
    lines.append(f"🎓 Занятий: {number(sessions)}, обучено: {number(people)} чел.")
    lines.append("Подробнее — /stats.")
    return fit(lines, limit=1024)
