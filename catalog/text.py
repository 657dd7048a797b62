"""Text normalisation for search: case, ё, punctuation, Russian stemming, keyboard layout.

Everything here is pure and deterministic: the same function turns material text into index
terms and a user's query into query terms, so the two always agree.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

from catalog.lexicon import noun_stems

# Queries longer than this are cut: nobody types a 10,000-character search on purpose, and
# the plan's cost grows with the number of words.
MAX_QUERY_CHARS = 256
MAX_QUERY_WORDS = 12

_stemmer = Stemmer.Stemmer("russian")
_english = Stemmer.Stemmer("english")

_WORD = re.compile(r"[0-9a-zа-я]+")
# A hyphenated compound of letters: «медико-социальная», «штрих-код», «врач-пациент».
_COMPOUND = re.compile(r"(?<![0-9a-zа-я-])[a-zа-я]{2,}(?:-[a-zа-я]{2,})+(?![0-9a-zа-я-])")
_CYRILLIC = re.compile(r"[а-я]")
_LATIN = re.compile(r"[a-z]")
# Zero-width and bidi control characters: invisible, but they split or glue words.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad]")

# Short Russian words that carry no meaning for search: prepositions, conjunctions, particles,
# pronouns, question words and the verbs of a question ("как сделать", "где найти").
STOP_WORDS = frozenset(
    """
    а без более бы был была были было быть в вам вас весь во вот все всего всех вы где да даже
    для до его ее если есть еще же за здесь и из или им их к как какая какие каким какой ко
    когда кто ли либо между меня мне можно мой мы на над надо наш не него нее нет ни них но ну
    о об около от по под при про с со так также там то того тоже только том тот у уже хочу
    чем через что чтобы чье эта эти это этот я почему зачем куда откуда сколько нужно нужен
    нужна помогите подскажите скажите пожалуйста можете могу ли делать сделать найти где
    перед после среди кроме вместо ради возле вокруг против сквозь вне
    он она оно они ему ей ним ней нем нему ими себя себе собой свой своя свое свои своего своей
    своих своим ваш ваша ваше ваши вашего вашей наша наше наши
    нашего нашей нам нас кого кому чего чему тем той ту те тех этой этом этому этого эту этих
    этим такой такая такое такие такого который которая которое которые которого которой
    которых каждый любой сам сама сами другой другая другое другие другого другую других
    другим вообще очень снова опять тут сейчас теперь всегда потом именно лишь ведь разве
    нельзя должен должна должны необходимо посмотреть узнать увидеть взять
    """.split()
)

# QWERTY key -> ЙЦУКЕН letter on the same key, including б ю ж э х ъ ё on punctuation keys.
_EN = "`qwertyuiop[]asdfghjkl;'zxcvbnm,./"
_RU = "ёйцукенгшщзхъфывапролджэячсмитьбю."
# With Shift the punctuation keys give ~ { } : " < > for Ё Х Ъ Ж Э Б Ю.
_EN_SHIFTED = '~QWERTYUIOP{}ASDFGHJKL:"ZXCVBNM<>'
_RU_SHIFTED = "ЁЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮ"
_EN_TO_RU = str.maketrans(_EN + _EN_SHIFTED, _RU + _RU_SHIFTED)
_RU_TO_EN = str.maketrans(_RU + _RU_SHIFTED, _EN + _EN_SHIFTED)


def clean(text: str) -> str:
    """Unicode NFKC, lower case, ё→е, invisible characters removed."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    return text.lower().replace("ё", "е")


def words(text: str) -> list[str]:
    """Lower-case words of letters and digits; punctuation and hyphens separate words."""
    return _WORD.findall(clean(text))


def compounds(text: str) -> list[str]:
    """Hyphenated compounds written as one word: «штрих-код» -> «штрихкод». Such a compound
    is one concept, and people write it either way."""
    return [m.replace("-", "") for m in _COMPOUND.findall(clean(text))]


def normalise(text: str) -> str:
    """The canonical form of a query, for logging and grouping: words joined by spaces."""
    return " ".join(words(text[: MAX_QUERY_CHARS * 4])[:MAX_QUERY_WORDS])


# Snowball's stems this short may have cut into a noun's root («запись» -> «зап»).
_SUSPECT_STEM = 4


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    if _CYRILLIC.search(word):
        found = str(_stemmer.stemWord(word))
        if len(found) <= _SUSPECT_STEM and len(word) >= len(found) + 2:
            # A noun read as a verb form: the stem all the noun's forms share, as the
            # dictionary has it («запис», like «записи»), when Snowball cut two letters more.
            longer = [s for s in noun_stems(word) if s.startswith(found)]
            best = max(longer, key=len, default=found)
            if len(best) >= len(found) + 2:
                return best
        return found
    if _LATIN.search(word) and not any(ch.isdigit() for ch in word):
        return str(_english.stemWord(word))
    return word


def stems(text: str, *, keep_stop_words: bool = False) -> list[str]:
    return [stem(w) for w in words(text) if keep_stop_words or w not in STOP_WORDS]


def en_to_ru(text: str) -> str:
    """Text typed on a Latin layout while meaning Russian: 'ktrwbz' -> 'лекция'."""
    return text.translate(_EN_TO_RU)


def ru_to_en(text: str) -> str:
    """Text typed on a Russian layout while meaning Latin: 'вшсщь' -> 'dicom'."""
    return text.translate(_RU_TO_EN)


def has_latin(text: str) -> bool:
    return bool(_LATIN.search(text.lower()))


def has_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC.search(clean(text)))
