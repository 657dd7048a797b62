"""What the bot says when someone starts it, asks for help or cancels."""

from __future__ import annotations

from bot.ui import ROLE_TITLES, escape
from storage.users import Role, UserRecord

HELP_HEADER = "<b>Как пользоваться ботом</b>"
HELP_JUST_TYPE = (
    "Просто напишите, что ищете, обычными словами: «больничный по уходу», «элн», «как "
    "отправить снимок в цами». Можно с опечатками и в английской раскладке."
)
HELP_INLINE = (
    "В любом чате наберите <code>@{bot} запрос</code> — и отправьте найденный материал прямо "
    "туда. В группах ищите командой <code>/find запрос</code>."
)
HELP_COMMANDS = "<b>Команды</b>"
HELP_ROLE = "Ваша роль: {role}."
GROUP_HELLO = (
    "Здравствуйте! Я бот учебного центра МЦТ. Найти материал в этом чате — "
    "<code>/find запрос</code>, всё остальное — в личном чате со мной: {link}"
)
CANCELLED = "Действие отменено."
NOTHING_TO_CANCEL = "Отменять нечего. Меню — /start."
DEMO_OFFER = (
    "Каталог пока пуст. Загрузить демонстрационный каталог (36 материалов), чтобы посмотреть, "
    "как работает поиск? Его можно заменить своим в любой момент: /import."
)
BTN_LOAD_DEMO = "📥 Загрузить демо-каталог"
DEMO_LOADED = "Демо-каталог загружен: {count}. Попробуйте найти «больничный»."
DEMO_NOT_EMPTY = "Каталог уже не пуст: демо-каталог не нужен."


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
    lines.append("\nНапишите, что ищете, или выберите действие в меню ниже.")
    return "\n".join(lines)


def help_text(
    role: Role, commands: list[tuple[str, str]], bot_username: str, *, in_group: bool
) -> str:
    """First what one can simply do (type what one needs, or use the bot inline), then the
    commands; the person's role only in private, where nobody else reads it."""
    lines = [HELP_HEADER, "", HELP_JUST_TYPE]
    if bot_username:
        lines += ["", HELP_INLINE.format(bot=escape(bot_username))]
    lines += ["", HELP_COMMANDS]
    lines += [f"/{name} — {escape(description)}" for name, description in commands]
    if not in_group:
        lines += ["", HELP_ROLE.format(role=ROLE_TITLES[role])]
    return "\n".join(lines)
