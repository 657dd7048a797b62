"""Word families beyond inflection: derivations, adjective and noun, fleeting vowels."""

from __future__ import annotations

import pytest

from catalog.search import Vocabulary
from storage.catalog import CatalogRepo
from tests.conftest import title_ids


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
