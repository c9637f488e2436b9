"""The second line of a Kindle clipping: what kind it is and where it sits, in any language.

Kindle writes the line in the language of the device, with the page (when the book has
pages), the location and the date it was added, cut by "|". The words differ from one
language and firmware to the next; the numbers do not. So a line is read in two steps:
its kind from a keyword of the language (highlight, note or bookmark), then its location
and page from the digits after the location word, wherever the words put them.

Wordings, as real `My Clippings.txt` files in public repositories write them:

- English, old firmware: "- Highlight Loc. 242-43 | Added on Friday, March 18, 2011, 10:14 AM",
  "- Highlight on Page 12 | Loc. 242-43 | …", "- Note Loc. 243 | …", "- Bookmark Loc. 100 | …";
  current: "- Your Highlight on page 12 | Location 170-171 | Added on …", "- Your Highlight
  on Location 1849 | …", "- Your Highlight at location 1430-1439 | …", "- Your Note on
  Location 20 | …", "- Your Bookmark on page 153 | location 1795 | …" (samueldg/clippings,
  nikulpatel3141/KindleClipRS, yakimka/clippings). "242-43" is Kindle's short form of 242-243.
- German: "- Ihre Markierung bei Position 759-760 | Hinzugefügt am Donnerstag, 20. November
  2014 23:24:32", "- Ihre Markierung auf Seite 246 | bei Position 3436-3436 | …"
  (dapepe/KindleMyClippings); "Ihre Notiz", "Ihr Lesezeichen" (yakimka/clippings).
- French: "- Votre surlignement sur la page 200 | emplacement 3054-3056 | Ajouté le mercredi
  16 août 2017 02:14:10", "- Votre surlignement à l'emplacement …" (also with "ʼ" or "’"),
  "Votre note", "Votre signet" (yakimka/clippings).
- Spanish: "- La subrayado en la página 2 | posición 24-24 | Añadido el jueves, 8 de abril de
  2021 22:44:41" (osamabindrummer/kindle-clippings, samueldg/clippings: the real "La", not
  only "Tu"); "nota", "marcador" (yakimka/clippings).
- Italian: "-  La tua evidenziazione alla posizione 453-454 | Aggiunto in data lunedì 8 marzo
  2021 22:52:57" (two spaces after the dash); "nota", "segnalibro" (yakimka/clippings).
- Portuguese: "- Seu destaque ou posição 542-545 | Adicionado: terça-feira, 14 de janeiro de
  2020 12:01:57" (Cesar-Miranda/Formatador-de-Notas-Kindle: "ou", sic); "nota", "marcador"
  (yakimka/clippings).
- Chinese: "- 您在位置 #165-166的标注 | 添加于 2018年9月2日星期日 下午6:22:43" (muzi502/kindle),
  "- 您在第 12 页（位置 #170-171）的标注 | …", "的笔记" (note), "的书签" (bookmark)
  (yakimka/clippings).
- Japanese: "- 位置No. 4404-4404のハイライト |作成日: 2023年8月10日木曜日 18:36:08"
  (SevenStop/Kindle-My-Clippings-Processer); "のメモ" (note), "のブックマーク" (bookmark),
  "ページ" (page) (yakimka/clippings).
- Dutch and Russian, from the same parser's tests: "- Je highlight op pagina 1-10 | locatie 2
  t/m 20", "– Ваш выделенный отрывок на странице 1–10 | Место 2–20" (an en dash, twice).
"""  # noqa: RUF002 (the wordings are quoted as Kindle writes them: en dashes, full-width marks)

from __future__ import annotations

import re
from typing import Literal, NamedTuple

Kind = Literal["highlight", "note", "bookmark"]
META_START = ("-", "\u2013")  # Russian Kindles start the line with an en dash
Span = tuple[int, int]  # first and last location (or page), the same for one place

# The keywords of each kind, casefolded.
_KINDS: tuple[tuple[Kind, tuple[str, ...]], ...] = (
    ("bookmark", ("bookmark", "lesezeichen", "signet", "marcador", "segnalibro", "bladwijzer",
                  "закладк", "书签", "ブックマーク")),
    ("highlight", ("highlight", "markierung", "surlign", "subrayado", "evidenziazione",
                   "destaque", "markering", "выделен", "отрывок", "标注", "ハイライト")),
    ("note", ("note", "notiz", "nota", "notitie", "заметк", "笔记", "メモ")),
)  # fmt: skip
# One search for all of them: a meta line holds the keyword of one kind only.
_KIND_WORDS = re.compile("|".join(f"({'|'.join(words)})" for _, words in _KINDS))
# The last part, the date it was added: dropped before looking for keywords and numbers.
_ADDED = ("added on", "hinzugefügt am", "ajouté le", "añadido el", "aggiunto", "adicionado",
          "toegevoegd", "добавлено", "添加于", "作成日", "追加日")  # fmt: skip
_NUMBER = r"(\d{1,3}(?:[,.]\d{3})+|\d+)"
_RANGE = rf"{_NUMBER}(?:\s*(?:-|\u2013|\u2014|~|\u301c|t/m)\s*{_NUMBER})?"
_LOCATION = re.compile(
    rf"(?:location|locatie|loc\.?|position|emplacement|posici[oó]n|posizione|posi[cç][aã]o"
    rf"|мест\w*|位置)\s*(?:no\.|#)?\s*{_RANGE}"
)
_PAGE = re.compile(
    rf"(?:page|seite|p[aá]gina|страниц\w*)\s*{_RANGE}|第?\s*{_RANGE}\s*(?:页|ページ)"
)


class Meta(NamedTuple):
    """What a clipping's meta line says: its kind, its location and page when it gives them."""

    kind: Kind
    location: Span | None
    page: Span | None


def read_meta(line: str) -> Meta | None:
    """The kind and place of a clipping, or None when `line` is not a meta line we know."""
    what = line.strip().casefold()
    if not what.startswith(META_START):
        return None
    cut = max(what.rfind("|"), what.rfind("\uff5c"))  # Japanese Kindles write a full-width bar
    if cut > 0 and what[cut + 1 :].lstrip().startswith(_ADDED):
        what = what[:cut]
    found = _KIND_WORDS.search(what)
    if found is None:
        return None
    kind = _KINDS[found.lastindex - 1][0]  # type: ignore[operator]
    return Meta(kind, _span(_LOCATION.search(what)), _span(_PAGE.search(what)))


def _span(match: re.Match[str] | None) -> Span | None:
    if match is None:
        return None
    groups = match.groups()
    first, last = (groups[0], groups[1]) if groups[0] else (groups[2], groups[3])
    start = _number(first)
    if last is None:
        return start, start
    end = _number(last)
    if end < start and len(last) < len(first):  # "242-43": the end's last digits only
        scale = 10 ** len(last)
        end += start - start % scale
        if end < start:  # "199-05" is 199-205
            end += scale
    return start, max(start, end)


def _number(digits: str) -> int:
    return int(digits) if digits.isdigit() else int(digits.replace(",", "").replace(".", ""))
