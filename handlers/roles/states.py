"""The role-granting form: whom, which role, and a confirmation for the admin role."""

from aiogram.fsm.state import State, StatesGroup


class GrantStates(StatesGroup):
    waiting_for_person = State()
    waiting_for_role = State()
    confirming_admin = State()
