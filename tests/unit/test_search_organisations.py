"""The МО lookup of the request form: wrong layout, typos, and the query as understood."""

from __future__ import annotations

import pytest

from catalog.organisations import TermIndex, search_terms
from storage.db import Database
from storage.organisations import OrgRepo


@pytest.fixture
async def orgs(db: Database) -> OrgRepo:
    repo = OrgRepo(db)
    await repo.ensure_seeded()
    return repo


@pytest.mark.parametrize(
    ("typed", "understood", "short_name"),
    [
        # typed on the QWERTY layout
        ("cjrjkmcrfz", "Сокольская", "Сокольская ЦРБ"),
        ("cjrjkmcrfz wh,", "Сокольская ЦРБ", "Сокольская ЦРБ"),
        # a one-letter typo in a name
        ("сакольская црб", "Сокольская црб", "Сокольская ЦРБ"),
        # a dropped letter in a long district name
        ("великоустюская", "Великоустюгская", "Великоустюгская ЦРБ"),
        # a typo in a word still being typed
        ("тотемс црб", "тотемс црб", "Тотемская ЦРБ"),
        ("тетемс", "Тотемская", "Тотемская ЦРБ"),
    ],
)
async def test_the_form_finds_the_organisation_and_echoes_what_it_understood(
    orgs: OrgRepo, typed: str, understood: str, short_name: str
) -> None:
    found = await orgs.find_understood(typed)
    assert short_name in [o.short_name for o in found.orgs]
    assert found.understood == understood


async def test_a_correct_query_is_echoed_as_typed(orgs: OrgRepo) -> None:
    found = await orgs.find_understood("сокольская")
    assert found.understood == "сокольская"
    assert not found.changed("сокольская")
    assert (await orgs.find_understood("cjrjkmcrfz")).changed("cjrjkmcrfz")


async def test_find_keeps_its_old_shape(orgs: OrgRepo) -> None:
    found = await orgs.find("cjrjkmcrfz", limit=1)
    assert len(found) == 1
    assert "Сокольская" in found[0].name
    assert await orgs.find("несуществующая больница") == []


def test_a_word_the_directory_knows_is_not_corrected() -> None:
    index = TermIndex(
        [search_terms("Никольская ЦРБ", "Никольский округ"), search_terms("Сокольская ЦРБ")]
    )
    assert index.fixes("никольская") == ()
    assert index.fixes("сокольская") == ()
    # the nearest spelling only: «сакольская» is one letter from «сокольская», two from
    # «никольская»
    assert index.fixes("сакольская") == ("сокольская",)
