"""Small talk is told from a search by its words, not by a list of phrases."""

from __future__ import annotations

import pytest

from catalog.smalltalk import SmallTalk, small_talk


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("спасибо", SmallTalk.THANKS),
        ("Спасибо большое!!!", SmallTalk.THANKS),
        ("спасибооо", SmallTalk.THANKS),
        ("благодарю вас", SmallTalk.THANKS),
        ("спасибочки)", SmallTalk.THANKS),
        ("cgfcb,j", SmallTalk.THANKS),  # «спасибо» on the Latin layout
        ("thanks!", SmallTalk.THANKS),
        ("Понятно, спасибо", SmallTalk.THANKS),
        ("привет, спасибо", SmallTalk.THANKS),
        ("привет", SmallTalk.GREETING),
        ("Добрый день!", SmallTalk.GREETING),
        ("доброе утро, коллеги", SmallTalk.GREETING),
        ("Здравствуйте", SmallTalk.GREETING),
        ("всем приветик", SmallTalk.GREETING),
        ("ghbdtn", SmallTalk.GREETING),
        ("ок", SmallTalk.OTHER),
        ("Окей)", SmallTalk.OTHER),
        ("ok", SmallTalk.OTHER),
        ("ага, понятно", SmallTalk.OTHER),
        ("нашла, всё получилось", SmallTalk.OTHER),
        ("👍", SmallTalk.OTHER),
        ("🙏🙏", SmallTalk.OTHER),
        ("+", SmallTalk.OTHER),
        ("?", SmallTalk.OTHER),
        ("...", SmallTalk.OTHER),
    ],
)
def test_small_talk_is_recognised(text: str, kind: SmallTalk) -> None:
    assert small_talk(text) is kind


@pytest.mark.parametrize(
    "text",
    [
        "эцп",
        "ЭЛН",
        "больничный по уходу",
        "спасибо за памятку по уходу",
        "добрый день, где инструкция по ЭЛН?",
        "день донора",
        "2002",
        "ок 5",
        "ybr",  # a layout-switched search word
        "dicom",
        "а где",  # no word to look for: the search's own hint answers it
        "",
        "   ",
        "привет " * 10,  # too long to be small talk
    ],
)
def test_anything_with_a_meaningful_word_is_a_search(text: str) -> None:
    assert small_talk(text) is None
