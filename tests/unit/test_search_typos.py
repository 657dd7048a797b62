"""Typo correction: one and two edits, a valid word left alone, likelier spellings first."""

from __future__ import annotations

import pytest

from catalog.glossary import Glossary
from catalog.search import Vocabulary, plan
from catalog.typos import TypoIndex, spelling_cost
from storage.catalog import CatalogRepo
from tests.harness import title_ids


@pytest.mark.parametrize(
    ("query", "title"),
    [
        # two substitutions in one word
        ("лоборатарные направления", "Лабораторные направления и штрихкоды в ЛИС"),
        ("диспансиризацыя взрослых", "Диспансеризация взрослого населения"),
        # a deletion plus a substitution
        ("рабилитацыя", "Медицинская реабилитация"),
        # a swap plus a substitution
        ("дсипансеризацыя", "Диспансеризация взрослого населения"),
        # one edit in each of two words
        ("машиночитаимая даверенность", "Машиночитаемая доверенность"),
    ],
)
async def test_two_edit_typos_find_the_material_first(
    demo_catalog: CatalogRepo, query: str, title: str
) -> None:
    (wanted,) = await title_ids(demo_catalog, title)
    assert (await demo_catalog.search(query)).ids[0] == wanted


async def test_the_corrected_words_are_shown(demo_catalog: CatalogRepo) -> None:
    assert (await demo_catalog.plan("лоборатарные")).corrected == "лабораторные"


def test_a_valid_word_is_not_corrected_into_another() -> None:
    vocab = Vocabulary({"отказ": 3, "показ": 1, "заказ": 9}, 10)
    found = plan("показ", vocab, Glossary([]))
    assert [a.term for g in found.groups for a in g.alternatives] == ["показ"]
    assert found.corrected is None


def test_short_words_get_one_edit_and_longer_ones_two() -> None:
    vocab = Vocabulary({"карт": 1, "регистратур": 1}, 2)
    assert [t for t, _ in vocab.corrections("корт")] == ["карт"]
    assert vocab.corrections("кирп") == []  # two edits in a four-letter word: too far
    assert [t for t, _ in vocab.corrections("ригестратур")] == ["регистратур"]


def test_the_index_finds_every_kind_of_two_edits() -> None:
    index = TypoIndex(["диспансеризац", "госпитализац", "лаборатор", "реабилитац"])
    for typed, term in [
        ("диспансиризацы", "диспансеризац"),  # substitution plus insertion
        ("гсопиталезац", "госпитализац"),  # swap plus substitution
        ("лоборатар", "лаборатор"),  # two substitutions, one past the prefix
        ("рабилитаця", "реабилитац"),  # deletion plus insertion
    ]:
        found = dict(index.candidates(typed, 2))
        assert term in found, typed
    assert index.candidates("диспансеризац", 2) == []  # the term itself is no correction


def test_usual_confusions_cost_less_than_random_letters() -> None:
    assert spelling_cost("диспансиризацыя", "диспансеризация") == 1.0
    assert spelling_cost("лекарственых", "лекарственных") == 0.5
    assert spelling_cost("дкспансеризабия", "диспансеризация") == 2.0


def test_a_real_word_the_index_lacks_is_not_corrected_into_another() -> None:
    from catalog.lexicon import is_word

    assert is_word("перевести")
    assert is_word("елка")  # the dictionary spells «ёлка»
    assert not is_word("наркалогия")
    vocab = Vocabulary({"перенест": 2, "пациент": 5}, 10)
    found = plan("перевести пациента", vocab, Glossary([]))
    assert "перенест" not in [a.term for g in found.groups for a in g.alternatives]
    assert found.corrected is None
    # a misspelt word still is
    assert plan("перенесьти", vocab, Glossary([])).corrected == "перенест"


def test_a_three_letter_word_is_no_typo_target_but_for_a_doubled_letter() -> None:
    vocab = Vocabulary({"сэмд": 4, "сем": 6, "элн": 9}, 20)
    assert [t for t, _ in vocab.corrections("семд")] == ["сэмд"]
    assert [t for t, _ in vocab.corrections("элнн")] == ["элн"]
