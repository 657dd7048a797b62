"""Number agreement, checked against a Russian dictionary rather than against our own rule.

Every counted phrase in the bot goes through ``ui.plural``/``ui.counted`` with its three word
forms written out. This test finds every such call in the code, walks the counts 0–200 through
each one and compares the word with what pymorphy3 says agrees with that number. It also looks
for the mistakes that bypass the helper: a number pasted before a noun in a template, and
«привязан(а)»-style endings.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pymorphy3
import pytest

from bot import ui

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "catalog", "storage")
COUNTS = range(0, 201)

# Russian counts people with the form «человек» (5 человек); the dictionary's genitive plural of
# «человек» is «людей», which is right for «нет людей» but not after a number.
COUNTING_FORMS = {"людей": "человек"}

# A placeholder before a noun that is not a count: a name, a title, a fixed unit abbreviation.
NOT_COUNTS = {
    ("thread", "чата"),  # «темы 12 чата "…"»: the topic's id, then the chat
    ("title", "заявка"),
    ("short_name", "район"),
    ("district", "тип"),
    ("type", "численность"),
    ("bot", "запрос"),  # «@{bot} запрос»: the inline way, the bot's name then the query
    ("need", "точек"),  # «не меньше 3 точек»: only ever 3 or 5, pinned by catalog's tests
    ("quarter", "квартал"),  # «3 квартал»: ordinals
    ("year", "год"),
}
ABBREVIATIONS = {"мин", "мб", "кб", "гб", "раб", "чел", "стр", "шт", "ч", "с"}


@dataclass(frozen=True)
class Phrase:
    where: str
    forms: tuple[str, str, str]


@cache
def sources() -> tuple[tuple[str, ast.Module], ...]:
    """Every module of our packages, parsed once for all the checks below."""
    return tuple(
        (str(path.relative_to(ROOT)), ast.parse(path.read_text(encoding="utf-8")))
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    )


def callee(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def counted_phrases() -> tuple[list[Phrase], list[str]]:
    phrases: list[Phrase] = []
    unreadable: list[str] = []
    for where, tree in sources():
        # A helper that forwards its own parameters (counted calling plural) is no phrase.
        forwarded = {
            id(call)
            for function in ast.walk(tree)
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
            for call in ast.walk(function)
            if isinstance(call, ast.Call)
            and all(
                isinstance(w, ast.Name) and w.id in {a.arg for a in function.args.args}
                for w in call.args[1:]
            )
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or callee(node) not in {"plural", "counted"}:
                continue
            if len(node.args) != 4 or id(node) in forwarded:
                continue
            words = node.args[1:]
            place = f"{where}:{node.lineno}"
            if all(isinstance(w, ast.Constant) and isinstance(w.value, str) for w in words):
                one, few, many = (w.value for w in words if isinstance(w, ast.Constant))
                phrases.append(Phrase(place, (one, few, many)))
            else:
                unreadable.append(place)
    return phrases, unreadable


@cache
def morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


def agreeing(parse: pymorphy3.analyzer.Parse, n: int) -> str | None:
    """The form of ``parse`` that goes with ``n``, in the case ``parse`` is in."""
    case = parse.tag.case
    if case in {"nomn", "accs"}:
        form = parse.make_agree_with_number(n)
    else:
        # After a preposition (из 21 сообщения, по 5 материалам) the case stays; only the number
        # follows the count.
        last = n % 10 == 1 and n % 100 != 11
        form = parse.inflect({"sing" if last else "plur", case})
    if form is None:
        return None
    return COUNTING_FORMS.get(form.word, form.word) if "plur" in form.tag else form.word


def dictionary_agrees(forms: tuple[str, str, str]) -> str | None:
    """None if some reading of the first form gives exactly our three forms for 0–200; else the
    first count where every reading disagrees, for the failure message."""
    one, few, many = (f.lower() for f in forms)
    ours = {n: ui.plural(n, one, few, many) for n in COUNTS}
    # A noun (12 материалов) or an adjective standing for one (1 активный из 3).
    readings = [
        p for p in morph().parse(one) if p.tag.POS in {"NOUN", "ADJF"} and p.tag.number == "sing"
    ]
    if not readings:
        # A verb or short participle agreeing with a count (нашёлся 1 / нашлось 5): singular
        # of the noun's gender for one, neuter singular or plural otherwise, same lexeme.
        verbs = [p for p in morph().parse(one) if p.tag.POS in {"VERB", "PRTS"}]
        for verb in verbs:
            lexeme = {f.word for f in verb.lexeme}
            others = {few, many}
            if others <= lexeme and all(
                any(f.word == w and ("neut" in f.tag or "plur" in f.tag) for f in verb.lexeme)
                for w in others
            ):
                return None
        return f"«{one}» is neither a noun nor a verb the dictionary knows"
    for reading in readings:
        wrong = [n for n in COUNTS if agreeing(reading, n) != ours[n]]
        if not wrong:
            return None
    n = wrong[0]
    return f"{n}: ours «{ours[n]}», the dictionary «{agreeing(readings[0], n)}»"


PHRASES, UNREADABLE = counted_phrases()


def test_every_counted_phrase_is_found() -> None:
    # The walk below is only as good as this list: every feature counts something, and a phrase
    # whose forms are not written out at the call cannot be checked.
    assert len(PHRASES) >= 35, [p.where for p in PHRASES]  # 40 when this was written
    assert not UNREADABLE, f"forms not written out at the call: {UNREADABLE}"


@pytest.mark.parametrize("phrase", PHRASES, ids=lambda p: f"{p.forms[0]}@{p.where}")
def test_counts_0_to_200_agree(phrase: Phrase) -> None:
    assert dictionary_agrees(phrase.forms) is None, (phrase.where, dictionary_agrees(phrase.forms))


def test_the_dictionary_check_catches_swapped_forms() -> None:
    assert dictionary_agrees(("материал", "материала", "материалов")) is None
    assert dictionary_agrees(("материал", "материалов", "материала")) is not None
    assert dictionary_agrees(("сообщения", "сообщений", "сообщений")) is None  # из 21 сообщения
    assert dictionary_agrees(("человек", "человека", "человек")) is None
    assert dictionary_agrees(("человек", "человека", "людей")) is not None
    assert dictionary_agrees(("Нашёлся", "Нашлось", "Нашлось")) is None
    assert dictionary_agrees(("активный", "активных", "активных")) is None
    assert dictionary_agrees(("активный", "активного", "активных")) is not None


PLACEHOLDER = re.compile(r"\{(\w*)(?:[!:][^}]*)?\}\s+([А-Яа-яЁё]+)")
PAREN_ENDING = re.compile(r"[а-яё]\((?:а|о|ы|и|ов|ей|ами)\)")


def is_noun(word: str) -> bool:
    return any(p.tag.POS == "NOUN" and p.score > 0.1 for p in morph().parse(word))


def agrees_with(word: str, n: int) -> bool:
    return any(agreeing(p, n) == word for p in morph().parse(word) if p.tag.POS == "NOUN")


def numbers_before_nouns() -> Iterator[str]:
    """Templates that put a value straight before a noun: «{count} материалов» reads well
    for one count in three."""
    for where, tree in sources():
        constants = {
            target.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, int)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            pairs: list[tuple[str, str, int]] = []
            if isinstance(node, ast.JoinedStr):
                for value, text in zip(node.values, node.values[1:], strict=False):
                    if isinstance(value, ast.FormattedValue) and isinstance(text, ast.Constant):
                        match = re.match(r"\s+([А-Яа-яЁё]+)", str(text.value))
                        if match:
                            name = ast.unparse(value.value).split(".")[-1].split("(")[0]
                            pairs.append((name, match.group(1), node.lineno))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                found = PLACEHOLDER.finditer(node.value)
                pairs += [(m.group(1), m.group(2), node.lineno) for m in found]
            for name, word, line in pairs:
                low = word.lower()
                if low in ABBREVIATIONS or (name, low) in NOT_COUNTS or not is_noun(low):
                    continue
                if name in constants and agrees_with(low, constants[name]):
                    continue  # a fixed limit: «больше 20000 строк» is right for that number
                yield f"{where}:{line}: {{{name}}} {word}"


def test_no_number_is_pasted_before_a_noun() -> None:
    assert list(numbers_before_nouns()) == []


def test_a_fixed_limit_is_checked_for_its_own_number() -> None:
    assert agrees_with("строк", 20_000)
    assert not agrees_with("строк", 1)
    assert agrees_with("направлений", 3)


def test_no_gender_in_brackets() -> None:
    found = []
    for where, tree in sources():
        # Docstrings may show a word's parts in brackets; people never read them.
        docs = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
        found += [
            f"{where}:{node.lineno}: {node.value[:60]!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docs
            and PAREN_ENDING.search(node.value)
        ]
    assert found == []
