"""Small talk: a message that says hello, thanks or «ок» and asks for nothing.

People write to the bot as to a colleague. Searched for, «спасибо» finds nothing, earns a «did
you mean» and lands in the «Не нашли» report as a material nobody wrote. A message is small
talk when it has no meaningful word: every word is a greeting, a thanks, an acknowledgement or
a filler (a stop word, «большое», «вам»), or there is no word at all (an emoji, «+», «?»).
A single word that is not in these short lists, or any number, makes it a search.

Pure: words are compared after the search's own cleaning (case, ё), with repeated letters
squeezed («спасибооо», «класс»), and a text typed on the Latin layout («cgfcb,j») is read as
Russian too.
"""

from __future__ import annotations

import re
from enum import StrEnum

from catalog.text import STOP_WORDS, en_to_ru, has_cyrillic, has_latin, words


class SmallTalk(StrEnum):
    THANKS = "thanks"
    GREETING = "greeting"
    OTHER = "other"  # «ок», «понятно», «пока», an emoji


_REPEATS = re.compile(r"(.)\1+")


def _squeeze(word: str) -> str:
    return _REPEATS.sub(r"\1", word)


def _lexicon(text: str) -> frozenset[str]:
    return frozenset(_squeeze(w) for w in text.split())


_WORDS: dict[SmallTalk, frozenset[str]] = {
    SmallTalk.THANKS: _lexicon(
        """
        спасибо спасибки спасибочки спс пасиб пасибо сенкс мерси благодарю благодарим
        благодарна благодарен благодарствую thanks thank thx ty
        """
    ),
    SmallTalk.GREETING: _lexicon(
        """
        привет приветик приветствую здравствуйте здравствуй здрасте здрасьте здрасти салют
        добрый доброе доброго доброй день дня утро утра вечер вечера hi hello hey хай
        """
    ),
    SmallTalk.OTHER: _lexicon(
        """
        ок окей оке ok okay kk ага угу ясно понятно понятненько понял поняла поняли хорошо
        ладно отлично класс супер круто здорово замечательно прекрасно чудесно норм
        нормально неплохо ура молодец молодцы пока свидания удачи хорошего нашла нашел
        нашли нашлось получилось помогло разобралась разобрался good great fine cool nice
        yes no bye да нет ой ах эх ох хм м ммм
        """
    ),
}
# The family of a few words: «спасибище», «благодарность», «приветики», «здравствуйте».
_ROOTS: dict[SmallTalk, tuple[str, ...]] = {
    SmallTalk.THANKS: ("спасиб", "благодар"),
    SmallTalk.GREETING: ("привет", "здравств"),
    SmallTalk.OTHER: (),
}
# Words that carry nothing on their own in small talk: «спасибо большое», «всем привет».
_FILLERS = _lexicon(
    """
    большое огромное преогромное очень вам всем тебе вас все всё еще ещё раз уважаемые
    уважаемый коллеги коллега друзья ребята пожалуйста бот
    """
) | frozenset(_squeeze(w) for w in STOP_WORDS)
# The order says which wins: «привет, спасибо» thanks.
_KINDS = (SmallTalk.THANKS, SmallTalk.GREETING, SmallTalk.OTHER)
# Longer messages are never small talk, whatever their words.
MAX_WORDS = 8


def _kind_of(word: str) -> SmallTalk | None:
    squeezed = _squeeze(word)
    for kind in _KINDS:
        if squeezed in _WORDS[kind] or squeezed.startswith(_ROOTS[kind]):
            return kind
    return None


def _classify(found: list[str]) -> SmallTalk | None:
    if len(found) > MAX_WORDS:
        return None
    kinds: set[SmallTalk] = set()
    for word in found:
        if any(ch.isdigit() for ch in word):
            return None
        kind = _kind_of(word)
        if kind is not None:
            kinds.add(kind)
        elif _squeeze(word) not in _FILLERS:
            return None
    # Fillers alone («а где») are an empty query, not small talk.
    return next((kind for kind in _KINDS if kind in kinds), None)


def small_talk(text: str) -> SmallTalk | None:
    """What kind of small talk ``text`` is, or None if it may be a search."""
    if not text.strip():
        return None
    found = words(text)
    if not found:
        # No letters or digits at all: an emoji, «+», «?», «...».
        return SmallTalk.OTHER
    kind = _classify(found)
    if kind is None and has_latin(text) and not has_cyrillic(text):
        kind = _classify(words(en_to_ru(text)))
    return kind
