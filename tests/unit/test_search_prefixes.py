"""Bare prefixes: searched as typed, not rewritten into shorter stems or far corrections."""

from __future__ import annotations

from catalog.glossary import Glossary
from catalog.model import Kind, MaterialInput
from catalog.search import Vocabulary, plan
from storage.catalog import CatalogRepo
from storage.db import Database


def material(title: str, n: int) -> MaterialInput:
    return MaterialInput(
        title=title,
        kind=Kind.MEMO,
        topics=[],
        url=f"https://x.example/p/{n}",
        published_at="2024-01-01",
    )


async def catalog(db: Database, *titles: str) -> tuple[CatalogRepo, list[int]]:
    repo = CatalogRepo(db)
    ids = [await repo.create(material(t, n)) for n, t in enumerate(titles)]
    return repo, ids


async def test_a_prefix_is_searched_as_typed_not_as_its_shorter_stem(db: Database) -> None:
    repo, ids = await catalog(
        db,
        "Приём пациента в поликлинике",
        "Приём сотрудника на работу",
        "Учёт прививок и карта профилактических прививок",
        "Прививочный кабинет",
    )
    # Snowball cuts «привив» to «прив», whose shorter relative «при» is the stem of «приём»
    assert set((await repo.search("привив")).ids) == {ids[2], ids[3]}


async def test_a_prefix_is_not_replaced_by_a_far_correction(db: Database) -> None:
    repo, ids = await catalog(
        db,
        "Онкологический консилиум",
        "ВИМИС «Онкология»",
        "Школа экономиста. Занятие 1",
        "Школа пациента",
    )
    # «онкол» is two edits from «школ»: the prefix's completions are what was asked for
    assert set((await repo.search("онкол")).ids) == {ids[0], ids[1]}


def test_a_five_letter_word_is_no_two_edit_typo_of_a_shorter_one() -> None:
    vocab = Vocabulary({"вид": 9, "код": 5, "повод": 1, "covid": 2}, 20)
    assert vocab.corrections("ковид") == []
    # one edit and a cheap confusion still are
    vocab = Vocabulary({"рецепт": 3}, 10)
    assert [t for t, _ in vocab.corrections("рицпт")] == ["рецепт"]


def test_the_stem_of_a_real_word_is_no_prefix() -> None:
    vocab = Vocabulary({"просмотр": 3, "просроч": 2, "парол": 4, "подключен": 2}, 10)
    found = plan("просят пароль", vocab, Glossary([]))
    assert not any(a.prefix for g in found.groups for a in g.alternatives)
    # its family still stands for it: «подключить» finds «подключение»
    found = plan("подключить", vocab, Glossary([]))
    assert [a.term for g in found.groups for a in g.alternatives] == ["подключен"]


async def test_a_fragment_that_is_also_a_stem_is_still_a_prefix(db: Database) -> None:
    repo, ids = await catalog(
        db,
        "Рентген в поликлинике",
        "Протокол описания рентгенографии",
        "Памятка рентгенолаборанту",
        "Кадры и приказы",
    )
    # «рентг» is the stem of «рентген», and the start of the other two
    assert (await repo.search("рентг")).ids[0] == ids[0]
    assert set((await repo.search("рентг")).ids) == set(ids[:3])
    # a real word is not: «кадр» is no start of «кадровик»
    assert not any(a.prefix for g in (await repo.plan("кадры")).groups for a in g.alternatives)


async def test_a_prefix_with_few_completions_stands_for_their_concepts(db: Database) -> None:
    from catalog.glossary import Glossary

    repo = CatalogRepo(db, glossary=Glossary(["вакцинация = прививка = иммунизация"]))
    ids = [
        await repo.create(material(t, n))
        for n, t in enumerate(("Прививки и их учёт", "Иммунизация детей", "Привязка сертификата"))
    ]
    # «привив» completes to «прививк», whose concept finds «иммунизация»
    assert (await repo.search("привив")).ids == tuple(ids[:2])
