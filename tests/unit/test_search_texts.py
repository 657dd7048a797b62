"""The search feature's own texts and deep-link codec: counts agree, titles are cut at a word
before they are escaped, a query survives its trip through a start parameter."""

from __future__ import annotations

import pytest

from bot.deeplinks import Route, decode, encode
from bot.ui import plural
from catalog.model import Kind
from catalog.text import normalise
from handlers.search import service, texts


def _form(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return one
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return few
    return many


def test_every_count_agrees_from_0_to_200() -> None:
    for n in range(201):
        noun = _form(n, "материал", "материала", "материалов")
        verb = _form(n, "Нашёлся", "Нашлось", "Нашлось")
        header = texts.results("элн", n, 0, 1, 1, [], None).split("\n")[0]
        assert header == f"🔎 {verb} {n} {noun} по запросу «элн»:", n
        listing = texts.browse_list("ЭЛН", Kind.MEMO, n, 0, 1, 1, ["x"])
        assert f": {n} {noun}" in listing.split("\n")[0], n
        assert plural(n, "a", "b", "c") == _form(n, "a", "b", "c")


def test_titles_are_cut_at_a_word_then_escaped() -> None:
    title = "Памятка <для> врачей & медсестёр по оформлению ЭЛН при уходе за ребёнком дома"
    button = texts.numbered_button(3, title)
    assert button.startswith("3. Памятка <для> врачей")
    assert button.endswith("…")
    assert len(button) <= len("3. ") + texts.BUTTON_TITLE
    listed = texts.results("q", 1, 0, 1, 1, [(title * 3, Kind.MEMO, ["ЭЛН"])], None)
    assert "&lt;для&gt;" in listed
    assert "…</b>" in listed
    # The «…» comes after a whole word, and no entity is split.
    assert "&am…" not in listed
    assert "&lt…" not in listed


def test_the_page_is_named_only_when_there_are_several() -> None:
    assert "стр." not in texts.results("q", 3, 0, 1, 1, [], None)
    assert " · стр. 2 из 4:" in texts.results("q", 17, 1, 4, 6, [], None)


@pytest.mark.parametrize(
    "query",
    ["квантовая телепортация", "ЭЛН по уходу!", "Ёлка dicom 5", "ЭЦП " * 30, "x" * 100],
)
def test_a_query_fits_a_start_parameter_and_comes_back(query: str) -> None:
    argument = service.encode_query(query)
    payload = encode(Route.SEARCH, argument)
    assert len(payload) <= 64
    assert decode(payload) == (Route.SEARCH, argument)
    back = service.decode_query(argument)
    assert back is not None
    # Whole words from the start of what the search sees.
    assert normalise(query).startswith(back)


def test_a_query_with_no_words_or_a_broken_argument_gives_the_hint() -> None:
    assert service.encode_query("👍") == service.NO_QUERY
    assert service.decode_query(service.NO_QUERY) is None
    assert service.decode_query("!!!") is None
