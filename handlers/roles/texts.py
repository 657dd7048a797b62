"""What admins read when they manage roles, and what a person is told of theirs."""

from __future__ import annotations

from bot.ui import ROLE_TITLES, counted, fit, person
from storage.users import Role, UserRecord

ROLE_NAMES = "администратор, методист, тьютор, сотрудник"
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
}

ASK_PERSON = (
    "Кому выдать роль? Пришлите числовой id или @username, либо перешлите сюда любое сообщение "
    "этого человека."
)
PERSON_INVALID = (
    "Не получилось понять, о ком речь. Пришлите числовой id, @username или перешлите "
    "сообщение человека."
)
UNKNOWN_USERNAME = (
    "Пользователь @{username} ещё не писал боту, поэтому я не знаю его id. Попросите его нажать "
    "/start или пришлите числовой id."
)
USERNAME_STALE = (
    "@{username} давно не писал боту, а имя пользователя могло перейти к другому человеку. "
    "Перешлите сюда сообщение этого человека или пришлите его числовой id."
)
HIDDEN_FORWARD = (
    "Этот человек скрыл свой аккаунт в пересылке. Пришлите его числовой id или попросите "
    "написать боту /start и укажите @username."
)
UNKNOWN_ROLE = "Неизвестная роль «{role}». Роли: " + ROLE_NAMES + "."
PICK_ROLE = "Какую роль выдать: {person}?"
CONFIRM_ADMIN = (
    "Выдать роль «администратор»: {person}? Администратор выдаёт и снимает роли и видит всю "
    "статистику."
)
BTN_CONFIRM_ADMIN = "Да, сделать администратором"
DONE = "Готово: {person} теперь {role}."
DONE_UNTOLD = (
    "Готово: {person} теперь {role}. Сообщить человеку не удалось: он ещё не писал боту или "
    "заблокировал его. Роль начнёт действовать, как только он нажмёт /start."
)
UNCHANGED = "У пользователя {person} уже роль «{role}». Ничего не изменилось."
CONFIG_ADMIN = (
    "{person} — администратор из настройки ADMIN_IDS. Чтобы снять роль, уберите id из ADMIN_IDS "
    "и перезапустите бота."
)
SELF_DEMOTE = "Нельзя понизить самого себя: попросите другого администратора."
YOU_GOT_ROLE = "Вам назначена роль «{role}». Меню ниже обновлено."
USAGE = (
    "Как выдать роль:\n"
    "• <code>/grant 123456789 методист</code>\n"
    "• <code>/grant @username тьютор</code>\n"
    "• ответьте командой <code>/grant</code> на пересланное сообщение человека\n"
    "• или просто <code>/grant</code> — и бот спросит\n\n"
    "Роли: " + ROLE_NAMES + "."
)
REVOKE_USAGE = (
    "Как снять роль: <code>/revoke 123456789</code>, <code>/revoke @username</code> или "
    "ответьте командой <code>/revoke</code> на пересланное сообщение человека."
)
ROLES_EMPTY = "Пока ни у кого нет особых ролей, кроме администраторов из ADMIN_IDS."
ROLES_HEADER = "<b>Роли</b>"
ROLES_FOOTER = "Всего знакомых боту людей: {total}. Выдать роль — /grant, снять — /revoke."
BTN_GRANT = "➕ Выдать роль"


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
    people_count = counted(total, "человек", "человека", "человек")
    lines.append("\n" + ROLES_FOOTER.format(total=people_count))
    return fit(lines)


def done(who: str, role: Role, *, told: bool) -> str:
    return (DONE if told else DONE_UNTOLD).format(person=who, role=ROLE_TITLES[role])
