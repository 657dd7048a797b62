"""The glossary: synonyms inside phrases, a phrase short of an inner word, no over-broad lines."""

from __future__ import annotations

from catalog.glossary import Glossary
from catalog.model import Kind, MaterialInput
from catalog.search import Vocabulary, plan
from catalog.text import stems
from storage.catalog import CatalogRepo
from storage.db import Database


def concepts(glossary: Glossary, text: str) -> set[str]:
    return glossary.concept_tokens(stems(text))


def test_a_synonym_inside_a_phrase_still_matches_it() -> None:
    glossary = Glossary(["вызов врача на дом = вызов на дом", "врач = доктор"])
    assert "g_вызов_врач_дом" in concepts(glossary, "вызов доктора на дом")


def test_a_phrase_with_one_inner_word_left_out_matches_partly() -> None:
    glossary = Glossary(["ЕГИСЗ = единая государственная информационная система здравоохранения"])
    (span,) = [
        s
        for s in glossary.spans(stems("единая информационная система здравоохранения"))
        if s.end - s.start > 1
    ]
    assert span.concepts == {"g_егисз"}
    assert span.partial
    # the first and the last word are never left out
    assert concepts(glossary, "государственная информационная система здравоохранения") == set()


def test_a_full_phrase_beats_another_phrase_short_of_a_word() -> None:
    glossary = Glossary(
        [
            "МСС = медицинское свидетельство о смерти",
            "МСПС = медицинское свидетельство о перинатальной смерти",
        ]
    )
    assert concepts(glossary, "медицинское свидетельство о смерти") == {"g_мсс"}
    assert concepts(glossary, "свидетельство о перинатальной смерти") == set()
    assert concepts(glossary, "медицинское свидетельство о перинатальной смерти") == {"g_мспс"}


def test_the_shipped_glossary_has_no_over_broad_lines() -> None:
    glossary = Glossary.load()
    dashboard = concepts(glossary, "дашборд")
    assert dashboard
    assert not dashboard & concepts(glossary, "мониторинг бригад")
    # a discharge summary is not a prescription written out
    assert not concepts(glossary, "выписной эпикриз") & concepts(glossary, "выписка рецептов")
    # a scanner is not a barcode, a manual is not an instruction
    assert not concepts(glossary, "сканер") & concepts(glossary, "штрихкод")
    assert not concepts(glossary, "руководство") & concepts(glossary, "инструкция")


def test_a_related_concept_keeps_its_own_token() -> None:
    glossary = Glossary(["ОКС = острый коронарный синдром ~ инфаркт = инфаркт миокарда"])
    assert concepts(glossary, "острый коронарный синдром") == {"g_окс"}
    assert concepts(glossary, "инфаркт миокарда") == {"g_инфаркт"}
    assert glossary.related["g_окс"] == {"g_инфаркт"}
    assert glossary.related["g_инфаркт"] == {"g_окс"}


async def test_a_related_concept_is_found_below_the_concept_itself(db: Database) -> None:
    repo = CatalogRepo(db, glossary=Glossary(["ОКС = острый коронарный синдром ~ инфаркт"]))
    ids = [
        await repo.create(
            MaterialInput(
                title=title,
                kind=Kind.MEMO,
                topics=[],
                url=f"https://x.example/r/{n}",
                published_at="2024-01-01",
            )
        )
        for n, title in enumerate(("Передача документов по ОКС", "Реабилитация после инфаркта"))
    ]
    assert (await repo.search("острый коронарный синдром")).ids == tuple(ids)
    assert (await repo.search("инфаркт")).ids == tuple(ids[::-1])


def test_the_shipped_glossary_knows_the_catalogs_abbreviations_and_colloquialisms() -> None:
    glossary = Glossary.load()
    for short, full in (
        ("ковид", "новая коронавирусная инфекция COVID-19"),
        ("ЦАОП", "центр амбулаторной онкологической помощи"),
        ("ЭП", "электронная подпись"),
        ("МНН", "международное непатентованное наименование"),
        ("ЕРЗ", "единый регистр застрахованных лиц"),
        ("ЗОЖ", "здоровый образ жизни"),
        ("медосмотр", "медицинский осмотр"),
    ):
        assert concepts(glossary, short) & concepts(glossary, full), short
    # a screenshot is no X-ray, though both are «снимки»: asked for, the longer phrase wins
    asked = plan("снимок экрана", Vocabulary({}, 1), glossary)
    required = {a.term for g in asked.groups if not g.soft for a in g.alternatives}
    assert not required & concepts(glossary, "снимок")
    # a patient's card is related to the electronic one, not the same
    assert concepts(glossary, "ЭМК") == {"g_эмк"}
    assert "g_эмк" in glossary.related[next(iter(concepts(glossary, "карта пациента")))]


async def test_a_phrase_is_found_by_its_words_apart_below_the_phrase(db: Database) -> None:
    lines = ["главврач = главный врач ~ руководитель мо", "МО = медицинская организация"]
    repo = CatalogRepo(db, glossary=Glossary(lines))
    ids = [
        await repo.create(
            MaterialInput(
                title=title,
                kind=Kind.MEMO,
                topics=[],
                url=f"https://x.example/a/{n}",
                published_at="2024-01-01",
            )
        )
        for n, title in enumerate(
            (
                "Памятка руководителю МО",
                "Панели для руководителей медицинских организаций",
                "Руководитель проекта",
            )
        )
    ]
    # no other material says «руководитель МО», but one has both its words
    assert (await repo.search("руководитель мо")).ids == tuple(ids[:2])
