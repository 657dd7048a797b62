"""Ranking: rarity-weighted coverage, hyphenated compounds, ties broken by match quality."""

from __future__ import annotations

from catalog.model import Kind, MaterialInput
from catalog.search import Vocabulary
from storage.catalog import CatalogRepo
from storage.db import Database


def material(title: str, n: int, description: str = "", kind: Kind = Kind.MEMO) -> MaterialInput:
    return MaterialInput(
        title=title,
        description=description,
        kind=kind,
        topics=[],
        url=f"https://x.example/m/{n}",
        published_at="2024-01-01",
    )


async def catalog(db: Database, *titles: str) -> tuple[CatalogRepo, list[int]]:
    repo = CatalogRepo(db)
    ids = [await repo.create(material(t, n)) for n, t in enumerate(titles)]
    return repo, ids


async def test_the_rare_decisive_word_outweighs_two_common_ones(db: Database) -> None:
    common = [f"Направление врача: случай {n}" for n in range(10)]
    repo, ids = await catalog(db, "Глюкометр в процедурном кабинете", *common)
    found = (await repo.search("направление врача глюкометр")).ids
    assert found[0] == ids[0]


async def test_a_hyphenated_compound_matches_the_word_written_solid(db: Database) -> None:
    repo, ids = await catalog(db, "Сканирование штрихкодов пробирок", "Код услуги и штраф")
    assert (await repo.search("штрих-код")).ids[0] == ids[0]


async def test_a_solid_word_matches_the_compound_written_hyphenated(db: Database) -> None:
    repo, ids = await catalog(db, "Код врача", "Печать штрих-кодов")
    assert (await repo.search("штрихкоды")).ids == (ids[1],)


async def test_a_problem_question_prefers_the_answers_to_problems(db: Database) -> None:
    repo = CatalogRepo(db)
    video = await repo.create(material("Запись через Госуслуги", 1, kind=Kind.VIDEO))
    faq = await repo.create(material("Запись через Госуслуги: частые вопросы", 2, kind=Kind.FAQ))
    assert (await repo.search("не работает запись через госуслуги")).ids[0] == faq
    assert (await repo.search("почему запись через госуслуги")).ids[0] == faq
    # Asked plainly, the closer title wins.
    assert (await repo.search("запись через госуслуги")).ids[0] == video


async def test_a_negation_is_kept_as_a_signal(db: Database) -> None:
    repo = CatalogRepo(db)
    when = await repo.create(material("Когда приходит результат анализа", 1))
    missing = await repo.create(material("Результат анализа не приходит в РМИС", 2))
    assert (await repo.search("почему не приходит результат анализа")).ids == (
        missing,
        when,
    )
    plan = await repo.plan("результат не приходит")
    assert plan.problem
    assert not (await repo.plan("результат анализа")).problem


async def test_equal_scores_go_to_the_closer_title_before_the_newer(db: Database) -> None:
    repo = CatalogRepo(db)
    old = MaterialInput(
        title="Глюкометры",
        kind=Kind.MEMO,
        topics=[],
        url="https://x.example/g/1",
        published_at="2022-01-01",
    )
    new = MaterialInput(
        title="Глюкометры, тест-полоски и расходные материалы отделения",
        kind=Kind.MEMO,
        topics=[],
        url="https://x.example/g/2",
        published_at="2025-01-01",
    )
    closer = await repo.create(old)
    newer = await repo.create(new)
    assert (await repo.search("глюкометр")).ids == (
        closer,
        newer,
    )


def test_a_common_word_is_left_out_of_the_broad_tier_only() -> None:
    from catalog.glossary import Glossary
    from catalog.search import Vocabulary, plan

    vocab = Vocabulary({"рмис": 9000, "глюкометр": 3}, 10_000)
    found = plan("рмис глюкометр", vocab, Glossary([]))
    # «any word» would hand FTS5 nine materials in ten to rank: the rare word finds them
    assert found.fts_query() == '"глюкометр"'
    # every word, and the ranking, still count it
    assert found.fts_query_all() == '("рмис") AND ("глюкометр")'
    # where every word is in thousands of materials, those with all of them in the title first
    assert found.fts_query_all(titles=True) == '{title} : ("рмис") AND {title} : ("глюкометр")'
    assert found.rows_any() == 3
    assert plan("рмис", vocab, Glossary([])).fts_query() == '"рмис"'


def test_a_match_through_a_common_relative_counts_its_own_rarity() -> None:
    from catalog.glossary import Glossary
    from catalog.search import plan

    # «оформить» is rare as typed, but its noun «оформление» is in half the catalog
    vocab = Vocabulary({"оформ": 1, "оформлен": 50, "инвалидн": 2}, 100)
    (word, _) = plan("оформить инвалидность", vocab, Glossary([])).groups
    idf = {a.term: a.idf for a in word.alternatives}
    assert idf["оформлен"] < idf["оформ"] == word.idf


async def test_words_naming_a_kind_prefer_that_kind_and_are_not_the_topic(db: Database) -> None:
    repo = CatalogRepo(db)
    faq = await repo.create(material("Иммунизация: частые вопросы", 1, kind=Kind.FAQ))
    manual = await repo.create(material("Иммунизация: руководство", 2, kind=Kind.MANUAL))
    await repo.create(material("ЦАМИ: частые вопросы", 3, kind=Kind.FAQ))
    await repo.create(material("Регистратура: ответы на частые вопросы", 4, kind=Kind.FAQ))
    assert (await repo.search("иммунизация частые вопросы")).ids == (faq, manual)
    assert (await repo.search("иммунизация руководство")).ids == (manual, faq)
    # a kind asked alone is what is asked for
    assert len((await repo.search("частые вопросы")).ids) == 3


def test_a_problem_lifts_an_answer_as_much_as_it_is_about_the_situation() -> None:
    from catalog.glossary import Glossary
    from catalog.search import PROBLEM_MARK, Candidate, plan, rank

    vocab = Vocabulary({"техподдержк": 5, "парол": 5, "звонк": 2}, 100)
    asked = plan("почему звонки техподдержки пароль", vocab, Glossary([]))
    assert asked.problem

    def score(kind: str, title: str) -> float:
        cand = Candidate(1, title, "", PROBLEM_MARK, 0, "2024-01-01", kind)
        (ranked,) = rank(asked, [cand])
        return ranked.score

    everything = "звонк техподдержк парол"
    assert score("faq", everything) / score("video", everything) > 1.25
    # a FAQ that shares one word of the situation is lifted a little only
    assert score("faq", "техподдержк") / score("video", "техподдержк") < 1.15


def test_function_words_of_a_question_are_no_topic() -> None:
    from catalog.glossary import Glossary
    from catalog.search import plan

    vocab = Vocabulary({"передач": 9, "отправк": 3, "друг": 4, "отделен": 5, "записа": 2}, 20)
    found = plan("что проверить перед отправкой в другое отделение", vocab, Glossary([]))
    # «перед» is a preposition, not the stem of «передача»; «другое» says nothing of the topic
    assert [g.text for g in found.groups] == ["проверить", "отправкой", "отделение"]
    assert plan("нельзя записать пациента", vocab, Glossary([])).problem


def test_words_asked_together_and_found_together_rank_first() -> None:
    from catalog.glossary import Glossary
    from catalog.search import Candidate, plan, rank

    vocab = Vocabulary({"подписан": 5, "приказ": 5, "документ": 9, "кадр": 4}, 100)
    asked = plan("подписание приказов", vocab, Glossary([]))
    apart = Candidate(1, "", "", "подписан документ кадр приказ", 9, "2025-01-01")
    together = Candidate(2, "", "", "документ подписан приказ кадр", 0, "2020-01-01")
    # the more popular and newer one would win a tie
    assert [r.id for r in rank(asked, [apart, together])] == [2, 1]
