"""The glossary: synonyms inside phrases, a phrase short of an inner word, no over-broad lines."""

from __future__ import annotations

from catalog.glossary import Glossary
from catalog.text import stems


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
