"""Word families beyond inflection: derivations, adjective and noun, fleeting vowels."""

from __future__ import annotations

import pytest

from catalog.model import Kind, MaterialInput
from catalog.search import Vocabulary
from storage.catalog import CatalogRepo
from storage.db import Database
from tests.harness import title_ids


@pytest.mark.parametrize(
    ("query", "title"),
    [
        # a verb finds its noun
        ("как продлить больничный", "Открытие и продление ЭЛН"),
        ("передать вызов", "АРМ диспетчера СМП: приём и передача вызовов"),
        # a noun finds its adjective
        ("направление в лабораторию", "Лабораторные направления и штрихкоды в ЛИС"),
        # a fleeting vowel
        ("справок", "Амбулаторный приём: талон пациента и справки"),
    ],
)
async def test_a_word_finds_its_family(demo_catalog: CatalogRepo, query: str, title: str) -> None:
    (wanted,) = await title_ids(demo_catalog, title)
    assert (await demo_catalog.search(query)).ids[0] == wanted


def test_family_links_and_their_weights() -> None:
    vocab = Vocabulary(
        {"продлен": 2, "выз": 3, "вызов": 1, "справк": 4, "госпитализац": 5, "справочник": 1},
        10,
    )
    assert dict(vocab.family("продл")) == {"продлен": 0.9}
    assert dict(vocab.family("выз")) == {"вызов": 0.9}
    assert dict(vocab.family("вызов")) == {"выз": 0.9}
    assert dict(vocab.family("справок")) == {"справк": 0.9}
    assert dict(vocab.family("госпитализирова")) == {"госпитализац": 0.7}
    # «справка» is no «справочник»: five letters in common are not a family
    assert "справочник" not in dict(vocab.family("справк"))


def test_a_verb_finds_its_noun_by_the_usual_derivations() -> None:
    vocab = Vocabulary(
        {"обращен": 1, "выписк": 1, "регистрац": 1, "проведен": 1, "формирован": 1}, 10
    )
    assert "обращен" in dict(vocab.family("обраща"))  # обращаться / обращение
    assert "выписк" in dict(vocab.family("выписа"))  # выписать / выписка
    assert "регистрац" in dict(vocab.family("зарегистрирова"))  # зарегистрировать
    assert "проведен" in dict(vocab.family("провест"))  # провести / проведение
    assert "формирован" in dict(vocab.family("сформирова"))  # сформировать / формирование


def test_a_noun_keeps_its_root_in_every_form() -> None:
    from catalog.text import stem

    # Snowball reads these as verb forms and cuts into the root; the dictionary knows better
    for forms in (
        ("запись", "записи", "записью"),
        ("приём", "приема", "приему"),
        ("вызов", "вызова"),
        ("подпись", "подписи"),
        ("архив", "архива"),
    ):
        assert len({stem(w) for w in forms}) == 1, forms
    assert stem("запись") == "запис"
    # Snowball's own stems stand where it cut no deeper than the dictionary's ending
    assert stem("новый") == "нов"
    assert stem("направление") == "направлен"


def test_the_other_aspect_of_a_verb_is_the_same_word() -> None:
    vocab = Vocabulary(
        {"подписан": 2, "заполн": 1, "оформ": 1, "продл": 1, "выда": 1, "установ": 1}, 10
    )
    assert dict(vocab.family("подписыван")).get("подписан") == 0.9  # подписывание / подписание
    assert dict(vocab.family("заполня")).get("заполн") == 0.9  # заполнять / заполнить
    assert dict(vocab.family("оформля")).get("оформ") == 0.9  # оформлять / оформить
    assert dict(vocab.family("продлева")).get("продл") == 0.9  # продлевать / продлить
    assert dict(vocab.family("выдава")).get("выда") == 0.9  # выдавать / выдать
    assert dict(vocab.family("устанавлива")).get("установ") == 0.9  # устанавливать


def test_a_verb_finds_the_noun_its_root_alternates_into() -> None:
    vocab = Vocabulary(
        {"вход": 3, "переход": 2, "перевод": 2, "перенос": 1, "прием": 5, "выдач": 1}, 10
    )
    assert "вход" in dict(vocab.family("войт"))  # войти / вход
    assert "переход" in dict(vocab.family("перейт"))  # перейти / переход
    assert "перевод" in dict(vocab.family("перевест"))  # перевести / перевод
    assert "перенос" in dict(vocab.family("перенест"))  # перенести / перенос
    assert "прием" in dict(vocab.family("приня"))  # принять / приём
    assert "прием" in dict(vocab.family("принима"))  # принимать / приём
    assert "выдач" in dict(vocab.family("выда"))  # выдать / выдача


def test_a_corrected_typo_finds_the_forms_of_the_word_it_was_read_as() -> None:
    from catalog.glossary import Glossary
    from catalog.search import plan

    vocab = Vocabulary({"лаборатор": 3, "лабораторн": 5, "результат": 4}, 20)
    found = plan("лабаратория", vocab, Glossary([]))
    terms = {a.term: a.weight for g in found.groups for a in g.alternatives}
    assert "лаборатор" in terms
    assert 0 < terms["лабораторн"] < terms["лаборатор"]


async def test_questions_with_a_verb_find_the_noun(db: Database) -> None:
    repo = CatalogRepo(db)
    ids = []
    for n, title in enumerate(
        (
            "Первый вход в РМИС и выбор места работы",
            "Перевод пациента между отделениями",
            "Приём сотрудника на работу",
            "Подписание приказов в системе ЭДО",
            "Приказы по личному составу",
        )
    ):
        ids.append(
            await repo.create(
                MaterialInput(
                    title=title,
                    kind=Kind.MEMO,
                    topics=[],
                    url=f"https://x.example/v/{n}",
                    published_at="2024-01-01",
                )
            )
        )
    assert (await repo.search("как войти в рмис")).ids[0] == ids[0]
    assert (await repo.search("как перевести пациента")).ids[0] == ids[1]
    assert (await repo.search("как принять сотрудника")).ids[0] == ids[2]
    assert (await repo.search("подписывание приказов")).ids[0] == ids[3]


def test_a_compound_with_a_combining_form_stands_for_the_word_inside() -> None:
    from catalog.glossary import Glossary
    from catalog.search import plan

    vocab = Vocabulary({"онкоконсилиум": 1, "консилиум": 3, "осмотр": 9, "лог": 2}, 20)
    terms = {
        a.term: a.weight
        for g in plan("онкоконсилиум", vocab, Glossary([])).groups
        for a in g.alternatives
    }
    assert terms == {"онкоконсилиум": 1.0, "консилиум": 0.5}
    # a misspelt compound too, below the word it was read as
    terms = {
        a.term: a.weight
        for g in plan("онкоконсилум", vocab, Glossary([])).groups
        for a in g.alternatives
    }
    assert 0 < terms["консилиум"] < terms["онкоконсилиум"]
    # what is left must be a word of its own: «онколог» is no «лог»
    found = plan("онколог", vocab, Glossary([]))
    assert "лог" not in {a.term for g in found.groups for a in g.alternatives}
    # nor is the name of a science a compound: «онкологический» is no «логический»
    vocab = Vocabulary({"онкологическ": 2, "логическ": 3}, 20)
    found = plan("онкологическим", vocab, Glossary([]))
    assert "логическ" not in {a.term for g in found.groups for a in g.alternatives}


def test_a_noun_in_ik_finds_its_adjective_in_icheskiy() -> None:
    vocab = Vocabulary({"наркотическ": 2, "статистик": 3}, 10)
    assert "наркотическ" in dict(vocab.family("наркотик"))  # наркотики / наркотические
    assert "статистик" in dict(vocab.family("статистическ"))  # статистический / статистика
