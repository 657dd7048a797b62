"""The search engine through real storage, on the shipped demo catalog."""

from __future__ import annotations

import pytest

from catalog.glossary import Glossary
from catalog.search import Vocabulary, damerau, plan
from catalog.text import en_to_ru, normalise, ru_to_en
from storage.catalog import CatalogRepo
from tests.harness import title_ids


async def top(repo: CatalogRepo, query: str, n: int = 3) -> list[int]:
    return list((await repo.search(query)).ids[:n])


@pytest.mark.parametrize(
    ("query", "title"),
    [
        # plain words
        ("протокол описания КТ", "Протокол описания КТ и МРТ"),
        # other word forms
        ("продления листков нетрудоспособности", "Открытие и продление ЭЛН"),
        ("постовым медсестрам капельницы", "Назначение капельниц"),
        # abbreviation -> full form and full form -> abbreviation
        ("мчд", "Машиночитаемая доверенность"),
        ("центральный архив медицинских изображений", "Отправка исследования в ЦАМИ"),
        ("медико-социальная экспертиза", "Направление на МСЭ"),
        ("больничный по уходу", "ЭЛН по уходу"),
        ("госуслуги запись", "Запись на приём через Госуслуги"),
        # typed on the wrong layout
        ("abibyu", "Фишинговые письма"),
        ("ljdthtyyjcnm", "Машиночитаемая доверенность"),
        # typos
        ("фишинговые писма", "Фишинговые письма"),
        ("реабилитацыя", "Медицинская реабилитация"),
        # prefixes
        ("вакцин", "Прививочный кабинет"),
        ("реабилит", "Медицинская реабилитация"),
        # a question with stop words
        ("как отправить снимок в цами", "Отправка исследования в ЦАМИ"),
        ("почему результат анализа не пришел", "Почему результат анализа"),
    ],
)
async def test_finds_the_right_material_first(
    demo_catalog: CatalogRepo, query: str, title: str
) -> None:
    (wanted,) = await title_ids(demo_catalog, title)
    assert (await top(demo_catalog, query, 3))[0] == wanted


async def test_abbreviation_finds_every_material_on_the_topic(demo_catalog: CatalogRepo) -> None:
    wanted = set(
        await title_ids(
            demo_catalog, "Открытие и продление ЭЛН", "ЭЛН по уходу", "Ошибки обмена ЭЛН"
        )
    )
    assert wanted <= set(await top(demo_catalog, "элн", 5))


async def test_layout_switch_and_typo_are_reported_in_the_plan(demo_catalog: CatalogRepo) -> None:
    switched = await demo_catalog.plan("infnyjt abibyu")
    assert switched.layout_switched
    assert switched.normalised == "штатное фишинг"
    # A word the index does not know in either layout is left as typed.
    assert (await demo_catalog.plan("qwzx")).normalised == "qwzx"
    fixed = await demo_catalog.plan("фишинговые писма")
    assert fixed.corrected == "фишинговые письма"


async def test_ties_go_to_the_more_popular_then_the_newer(demo_catalog: CatalogRepo) -> None:
    from catalog.model import Kind, MaterialInput

    def twin(published: str, n: int) -> MaterialInput:
        # Identical text, so the engine's score ties and only popularity and date can decide.
        return MaterialInput(
            title="Памятка по глюкометрам",
            kind=Kind.MEMO,
            topics=["base"],
            url=f"https://x.example/twin/{n}",
            published_at=published,
        )

    old = await demo_catalog.create(twin("2023-01-01", 1))
    new = await demo_catalog.create(twin("2024-06-01", 2))
    assert (await demo_catalog.search("глюкометр")).ids == (
        new,
        old,
    )
    await demo_catalog.record_download(old, 1, 1, "private")
    # Recent results are cached; popularity reorders ties once they expire (RESULTS_TTL), as
    # it does at once for a repository with caches of its own.
    assert (await demo_catalog.search("глюкометр")).ids == (
        new,
        old,
    )
    fresh = CatalogRepo(demo_catalog.db, Glossary.load())
    assert (await fresh.search("глюкометр")).ids == (
        old,
        new,
    )


async def test_archived_materials_are_hidden_unless_asked(demo_catalog: CatalogRepo) -> None:
    (phishing,) = await title_ids(demo_catalog, "Фишинговые письма")
    await demo_catalog.set_status(phishing, "archived")
    assert phishing not in (await demo_catalog.search("фишинг")).ids
    assert phishing in (await demo_catalog.search("фишинг", include_archived=True)).ids


async def test_edits_reach_the_index(demo_catalog: CatalogRepo) -> None:
    (phishing,) = await title_ids(demo_catalog, "Фишинговые письма")
    material = await demo_catalog.get(phishing)
    assert material is not None
    from catalog.model import MaterialInput

    await demo_catalog.update(
        phishing,
        MaterialInput(
            title="Антивирусная защита рабочего места",
            kind=material.kind,
            topics=list(material.topics),
            url=material.url,
        ),
    )
    assert phishing not in (await demo_catalog.search("фишинг")).ids
    assert (await top(demo_catalog, "антивирусная защита", 1)) == [phishing]
    assert await demo_catalog.reindex() == 36
    assert (await top(demo_catalog, "антивирус", 1)) == [phishing]


HOSTILE = [
    "",
    "   ",
    '"',
    '"ЭЛН',
    "ЭЛН*",
    "*",
    "AND",
    "ЭЛН AND OR NOT NEAR(",
    "NEAR(ЭЛН ЦАМИ, 2)",
    "title:ЭЛН",
    "^ЭЛН",
    "(((",
    ")) OR ((",
    "{ЭЛН}",
    "💉🏥 вакцинация 🤒",
    "\u200b\u200f\u202e ЭЛН \u2066",
    "'; DROP TABLE materials; --",
    "<b>ЭЛН</b>",
    "ЭЛН " * 3000,
    "я" * 10_000,
    "\x00\x01\x02",
]


@pytest.mark.parametrize("query", HOSTILE)
async def test_hostile_queries_never_raise(demo_catalog: CatalogRepo, query: str) -> None:
    result = await demo_catalog.search(query)
    assert isinstance(result.ids, tuple)
    assert len(result.plan.fts_query()) < 4000
    assert await demo_catalog.count() == 36


async def test_fts_operators_are_plain_words(demo_catalog: CatalogRepo) -> None:
    assert (await demo_catalog.search("ЭЛН AND OR NEAR")).ids == (
        await demo_catalog.search("ЭЛН")
    ).ids


def test_normalise_and_layouts() -> None:
    assert normalise("  Ёлка,  «ЭЛН»!!! ") == "елка элн"
    assert en_to_ru("ghbdtn") == "привет"
    assert en_to_ru(",.;'[]`") == "бюжэхъё"
    assert en_to_ru('<>:"{}~') == "БЮЖЭХЪЁ"
    assert ru_to_en("вшсщь") == "dicom"


def test_damerau_distance() -> None:
    assert damerau("наркалог", "нарколог", 2) == 1
    assert damerau("писма", "письма", 2) == 1
    assert damerau("ab", "ba", 1) == 1
    assert damerau("abcdef", "uvwxyz", 2) == 3


def test_plan_needs_no_database() -> None:
    glossary = Glossary(["ЭЛН = электронный листок нетрудоспособности"])
    vocab = Vocabulary({"электрон": 1, "листок": 1, "нетрудоспособн": 1, "g_элн": 1}, 1)
    query_plan = plan("элн", vocab, glossary)
    assert [a.term for g in query_plan.groups for a in g.alternatives] == ["элн", "g_элн"]
    assert plan("как и где", vocab, glossary).empty
