"""Kindle's My Clippings.txt: every wording and language, repeats, notes, bookmarks."""

# ruff: noqa: RUF001 (real Kindle text: full-width commas, brackets and bars, typographic marks)

from __future__ import annotations

import pytest

from bot.imports import Batch, read, read_text
from bot.imports.kindle import speaker, split_title
from bot.imports.kindle_meta import Meta, read_meta
from tests.imports.fixtures import KINDLE

PP = "The Pragmatic Programmer (20th Anniversary Edition)"
GWTW = "飘（上下） (外国文学名著名译丛书)"

# What a user gets from the fixture: (line, text, speaker, source, lead_in), in file order.
EXPECTED = [
    (16, "Care about your craft. Why spend your life developing software unless you care "
         "about doing it well?", "David Thomas, Andrew Hunt", PP, "Why else spend a life on it?"),
    (21, "I went to the woods because I wished to live deliberately.", "Henry David Thoreau",
         "Walden", "Read again in spring."),
    (26, "Simplify, simplify\\! Our life is frittered away by \\*detail\\* \\[sic\\].",
         "Henry David Thoreau", "Walden", None),
    (41, "The road goes ever on\nand on.\n\nDown from the door where it began.", None,
         "Notes From The Road", None),
    (55, "You have power over your mind - not outside events.", "Marcus Aurelius",
         "Meditations", None),
    (65, "Jemand musste Josef K. verleumdet haben.", "Franz Kafka", "Der Prozess",
         "Der berühmteste erste Satz."),
    (70, "Vor dem Gesetz steht ein Türhüter.", "Franz Kafka", "Der Prozess", None),
    (85, "On ne voit bien qu'avec le cœur.", "Antoine de Saint-Exupéry", "Le Petit Prince", None),
    (90, "L'essentiel est invisible pour les yeux.", "Antoine de Saint-Exupéry",
         "Le Petit Prince", "Le renard le dit."),
    (105, "Muchos años después, frente al pelotón de fusilamiento.", "García Márquez, Gabriel",
          "Cien años de soledad", None),
    (110, "El mundo era tan reciente que muchas cosas carecían de nombre.",
          "García Márquez, Gabriel", "Cien años de soledad", "Macondo."),
    (125, "«Creo que lo que hace molestos a mis", "Jean-Paul Sartre",
          "El existencialismo es un humanismo", None),
    (130, "personajes —escribía Sartre— es su lucidez.»", "Jean-Paul Sartre",
          "El existencialismo es un humanismo", None),
    (135, "毕竟，明天又是新的一天。", "(美)米切尔", GWTW, "最后一句。"),
    (140, "土地是世界上唯一值得你去为之工作、为之战斗、为之牺牲的东西。", "(美)米切尔", GWTW, None),
    (155, "她站在那里，看着远方。她想起了塔拉，想起了父亲。", "(美)米切尔", GWTW, None),
    (165, "Stat rosa pristina nomine, nomina nuda tenemus.", "Umberto Eco", "Il nome della rosa",
          "L'ultima riga del libro."),
    (170, "I libri non sono fatti per crederci, ma per essere sottoposti a indagine.",
          "Umberto Eco", "Il nome della rosa", None),
    (185, "Na verdade, queria que ela lesse minha mente.", "Gillian Flynn", "Garota exemplar",
          "Nick pensando."),
    (190, "Amy Exemplar era perfeita.", "Gillian Flynn", "Garota exemplar", None),
    (205, "私はその人を常に先生と呼んでいた。", "夏目漱石", "こころ", "冒頭の一文。"),
    (210, "精神的に向上心のないものは馬鹿だ。", "夏目漱石", "こころ", None),
    (230, "As compilation is not my business,", "Arthur Schopenhauer",
          "The Essays of Arthur Schopenhauer", "remarque de Proust?"),
    (240, "You ask what is the proper limit to a person's wealth?", "Seneca",
          "Letters from a Stoic", None),
    (250, "Рукописи не горят.", "Михаил Булгаков", "Мастер и Маргарита", None),
    (255, "Ik hoop dat ik aan jou alles zal kunnen toevertrouwen.", "Anne Frank",
          "Het Achterhuis", None),
]  # fmt: skip


@pytest.fixture(scope="module")
def batch() -> Batch:
    return read(KINDLE)


def shown(batch: Batch) -> list[tuple[int, str, str | None, str | None, str | None]]:
    return [(r.line, r.text, r.speaker, r.source, r.lead_in) for r in batch.records]


def clippings(*entries: tuple[str, str, str]) -> str:
    """A My Clippings.txt of (title, meta line, text) entries, CRLF as Kindle writes it."""
    entry = "{}\r\n{}\r\n\r\n{}\r\n==========\r\n"
    return "".join(entry.format(*parts) for parts in entries)


def test_the_fixture_is_what_a_kindle_writes_crlf_and_a_bom_on_several_entries() -> None:
    data = KINDLE.read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n") > 250  # no bare LF anywhere
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n\xef\xbb\xbf") >= 6


def test_every_wording_and_language_yields_exactly_these_quotes(batch: Batch) -> None:
    assert batch.format == "kindle"
    assert shown(batch) == EXPECTED


def test_records_name_the_file_and_carry_no_url_or_topics(batch: Batch) -> None:
    assert {(r.file, r.url, r.topics) for r in batch.records} == {(str(KINDLE), None, ())}


def test_bookmarks_repeats_an_empty_highlight_and_a_lone_note_are_skipped(batch: Batch) -> None:
    # 9 bookmarks (one per language), 3 repeats (an extended highlight, an exact repeat,
    # a shorter re-highlight), 1 note on no highlight, 1 empty highlight.
    assert batch.skipped == 14


def test_an_unknown_wording_is_a_warning_naming_its_line(batch: Batch) -> None:
    assert [str(problem) for problem in batch.problems] == [
        f"{KINDLE}:246: warning: not a Kindle clipping line we know (“- Þú merktir á síðu 5 | "
        "staðsetning 60 | Bætt við mánudagur 30 desember 2024”); entry skipped"
    ]


@pytest.mark.parametrize(
    ("line", "meta"),
    [
        ("- Highlight Loc. 242-43 | Added on Friday, March 18, 2011, 10:14 AM",
         Meta("highlight", (242, 243), None)),
        ("- Highlight on Page 12 | Loc. 199-05 | Added on Friday, March 18, 2011, 10:14 AM",
         Meta("highlight", (199, 205), (12, 12))),
        ("- Bookmark Loc. 100 | Added on Friday, March 18, 2011, 10:14 AM",
         Meta("bookmark", (100, 100), None)),
        ("- Note Loc. 243 | Added on Friday, March 18, 2011, 10:14 AM",
         Meta("note", (243, 243), None)),
        ("- Your Highlight on page 12 | Location 170-171 | Added on Sunday, 13 January 2019",
         Meta("highlight", (170, 171), (12, 12))),
        ("- Your Highlight on Location 1234-1236 | Added on Monday, April 4, 2016 8:10:30 PM",
         Meta("highlight", (1234, 1236), None)),
        ("- Your Highlight at location 170-171 | Added on Monday, April 4, 2016 8:10:30 PM",
         Meta("highlight", (170, 171), None)),
        ("- Your Note on Location 171 | Added on Monday, April 4, 2016 8:10:30 PM",
         Meta("note", (171, 171), None)),
        ("- Your Bookmark on page 3 | Location 40 | Added on Monday, April 4, 2016",
         Meta("bookmark", (40, 40), (3, 3))),
        ("- Your Highlight on page xvi-xvi | Added on Monday, April 18, 2016 7:28:27 AM",
         Meta("highlight", None, None)),
        ("- Ihre Markierung bei Position 1234-1236 | Hinzugefügt am Montag, 4. April 2016",
         Meta("highlight", (1234, 1236), None)),
        ("- Ihre Markierung auf Seite 246 | bei Position 3436-3436 | Hinzugefügt am Freitag",
         Meta("highlight", (3436, 3436), (246, 246))),
        ("- Ihre Notiz bei Position 1236 | Hinzugefügt am Montag, 4. April 2016 20:10:30",
         Meta("note", (1236, 1236), None)),
        ("- Ihr Lesezeichen bei Position 100 | Hinzugefügt am Montag, 4. April 2016 20:10:30",
         Meta("bookmark", (100, 100), None)),
        ("- Votre surlignement sur la page 12 | emplacement 170-171 | Ajouté le lundi 4 avril",
         Meta("highlight", (170, 171), (12, 12))),
        ("- Votre surlignement à lʼemplacement 144-146 | Ajouté le samedi 26 décembre 2015",
         Meta("highlight", (144, 146), None)),
        ("- Votre note à l'emplacement 1236 | Ajouté le lundi 4 avril 2016 20:10:30",
         Meta("note", (1236, 1236), None)),
        ("- Votre signet à l'emplacement 100 | Ajouté le lundi 4 avril 2016 20:10:30",
         Meta("bookmark", (100, 100), None)),
        ("- Tu subrayado en la página 12 | posición 170-171 | Añadido el lunes, 4 de abril",
         Meta("highlight", (170, 171), (12, 12))),
        ("- La subrayado en la página 2 | posición 24-24 | Añadido el jueves, 8 de abril",
         Meta("highlight", (24, 24), (2, 2))),
        ("- Tu nota en la posición 1236 | Añadido el lunes, 4 de abril de 2016 20:10:30",
         Meta("note", (1236, 1236), None)),
        ("- Tu marcador en la posición 100 | Añadido el lunes, 4 de abril de 2016 20:10:30",
         Meta("bookmark", (100, 100), None)),
        ("- 您在位置 #1234-1236的标注 | 添加于 2016年4月4日星期一 下午8:10:30",
         Meta("highlight", (1234, 1236), None)),
        ("- 您在第 12 页（位置 #170-171）的标注 | 添加于 2016年4月4日星期一 下午8:10:30",
         Meta("highlight", (170, 171), (12, 12))),
        ("- 您在位置 #205 的笔记 | 添加于 2019年8月31日星期六 上午12:55:51",
         Meta("note", (205, 205), None)),
        ("- 您在第 19 页的书签 | 添加于 2017年12月9日星期六 下午10:09:32",
         Meta("bookmark", None, (19, 19))),
        ("-  La tua evidenziazione alla posizione 453-454 | Aggiunto in data lunedì 8 marzo",
         Meta("highlight", (453, 454), None)),
        ("- Seu destaque ou posição 542-545 | Adicionado: terça-feira, 14 de janeiro de 2020",
         Meta("highlight", (542, 545), None)),
        ("- 位置No. 4404-4404のハイライト |作成日: 2023年8月10日木曜日 18:36:08",
         Meta("highlight", (4404, 4404), None)),
        ("- 7ページ｜位置No. 114-116のメモ | 作成日: 2024年12月30日月曜日 14:46:33",
         Meta("note", (114, 116), (7, 7))),
        ("- Je highlight op pagina 1-10 | locatie 2 t/m 20 | Toegevoegd op maandag",
         Meta("highlight", (2, 20), (1, 10))),
        ("– Ваша заметка в месте 5685 | Добавлено: среда, 28 февраля 2024 г.",
         Meta("note", (5685, 5685), None)),
    ],
)  # fmt: skip
def test_a_meta_line_gives_its_kind_location_and_page_in_any_language(
    line: str, meta: Meta
) -> None:
    assert read_meta(line) == meta


@pytest.mark.parametrize(
    "line",
    [
        "- Þú merktir á síðu 5 | staðsetning 60 | Bætt við mánudagur 30 desember 2024",
        "Your Highlight on Location 12 | Added on Monday",  # no leading dash
        "",
    ],
)
def test_a_line_in_no_wording_we_know_is_not_a_meta_line(line: str) -> None:
    assert read_meta(line) is None


@pytest.mark.parametrize(
    ("line", "title", "author"),
    [
        ("The Pragmatic Programmer (20th Anniversary Edition) (David Thomas;Andrew Hunt)",
         PP, "David Thomas, Andrew Hunt"),
        ("Notes From The Road", "Notes From The Road", None),
        ("飘（上下） (外国文学名著名译丛书) ((美)米切尔)", GWTW, "(美)米切尔"),
        ("The Startup Owner's Manual (Blank, Steve;Dorf, Bob)", "The Startup Owner's Manual",
         "Steve Blank, Bob Dorf"),
        ("\ufeffLetters from a Stoic (Seneca,)  ", "Letters from a Stoic", "Seneca"),
        ("--authors (Inconnu(e))", "--authors", None),
        ("A (broken title", "A (broken title", None),
    ],
)  # fmt: skip
def test_the_author_is_the_last_parenthesised_group_of_the_title_line(
    line: str, title: str, author: str | None
) -> None:
    assert split_title(line) == (title, author)


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("Thomas, David", "David Thomas"),
        ("Le Guin, Ursula K.", "Ursula K. Le Guin"),
        ("Exupéry, Antoine de Saint", "Antoine de Saint Exupéry"),
        ("García Márquez, Gabriel", "García Márquez, Gabriel"),  # two surnames: left alone
        ("Simon Sinek, Adam Grant", "Simon Sinek, Adam Grant"),  # a list, not Last, First
        ("King, Jr.", "King, Jr."),
        ("Irakli Nadareishvili, Ronnie Mitra, and Matt McLarty",
         "Irakli Nadareishvili, Ronnie Mitra, and Matt McLarty"),
        ("Nir Eyal;", "Nir Eyal"),
        ("Unknown", None),
    ],
)  # fmt: skip
def test_authors_written_last_first_are_shown_first_last_when_that_is_safe(
    written: str, shown: str | None
) -> None:
    assert speaker(written) == shown


def test_a_note_typed_before_its_highlight_still_joins_it() -> None:
    batch = read_text(
        clippings(
            ("Book (A. Writer)", "- Your Note on Location 20 | Added on Monday", "mine"),
            ("Book (A. Writer)", "- Your Highlight on Location 18-20 | Added on Monday", "theirs"),
        ),
        "My Clippings.txt",
    )
    assert [(r.text, r.lead_in) for r in batch.records] == [("theirs", "mine")]


def test_a_note_joins_the_highlight_that_ends_where_it_is_not_its_neighbour() -> None:
    batch = read_text(
        clippings(
            ("Book (A. Writer)", "- Your Highlight on Location 10-20 | Added on Monday", "long"),
            ("Book (A. Writer)", "- Your Highlight on Location 20-22 | Added on Monday", "next"),
            ("Book (A. Writer)", "- Your Note on Location 22 | Added on Monday", "on next"),
        ),
        "My Clippings.txt",
    )
    assert [(r.text, r.lead_in) for r in batch.records] == [("long", None), ("next", "on next")]


def test_two_notes_on_one_highlight_become_two_paragraphs_of_its_lead_in() -> None:
    batch = read_text(
        clippings(
            ("Book", "- Your Highlight on Location 5-6 | Added on Monday", "words"),
            ("Book", "- Your Note on Location 6 | Added on Monday", "first *thought*"),
            ("Book", "- Your Note on Location 6 | Added on Tuesday", "second"),
            ("Book", "- Your Note on Location 6 | Added on Tuesday", "second"),
        ),
        "My Clippings.txt",
    )
    assert [r.lead_in for r in batch.records] == ["first \\*thought\\*\n\nsecond"]


def test_a_note_in_another_book_at_the_same_location_is_not_joined() -> None:
    batch = read_text(
        clippings(
            ("One (A)", "- Your Highlight on Location 5-6 | Added on Monday", "words"),
            ("Two (B)", "- Your Note on Location 6 | Added on Monday", "elsewhere"),
        ),
        "My Clippings.txt",
    )
    assert ([r.lead_in for r in batch.records], batch.skipped) == ([None], 1)


def test_a_highlight_extended_over_two_earlier_ones_replaces_both() -> None:
    batch = read_text(
        clippings(
            ("Book", "- Your Highlight on Location 10-11 | Added on Monday", "Alpha beta."),
            ("Book", "- Your Highlight on Location 12-13 | Added on Monday", "Gamma delta."),
            ("Book", "- Your Highlight on Location 10-13 | Added on Monday",
             "Alpha beta. Gamma delta."),
        ),
        "My Clippings.txt",
    )  # fmt: skip
    assert ([(r.text, r.line) for r in batch.records], batch.skipped) == (
        [("Alpha beta. Gamma delta.", 11)],
        2,
    )


def test_the_same_words_highlighted_in_two_books_are_two_quotes() -> None:
    batch = read_text(
        clippings(
            ("One (A)", "- Your Highlight on Location 5-6 | Added on Monday", "Same words."),
            ("Two (B)", "- Your Highlight on Location 5-6 | Added on Monday", "Same words."),
        ),
        "My Clippings.txt",
    )
    assert [r.source for r in batch.records] == ["One", "Two"]


def test_a_highlight_that_hit_the_clipping_limit_is_a_warning() -> None:
    batch = read_text(
        clippings(
            ("Book", "- Your Highlight on Location 5-6 | Added on Monday",
             "<You have reached the clipping limit for this item>"),
        ),
        "My Clippings.txt",
    )  # fmt: skip
    assert batch.records == ()
    assert [str(p) for p in batch.problems] == [
        "My Clippings.txt:1: warning: Kindle kept no text here: the book's clipping limit "
        "was reached; entry skipped"
    ]


def test_an_entry_cut_short_after_its_title_is_a_warning_and_the_rest_still_reads() -> None:
    text = "Lonely Title\r\n==========\r\n" + clippings(
        ("Book", "- Your Highlight on Location 5-6 | Added on Monday", "Still here.")
    )
    batch = read_text(text, "My Clippings.txt")
    assert [r.text for r in batch.records] == ["Still here."]
    assert [(p.line, p.severity) for p in batch.problems] == [(1, "warning")]


def test_a_short_highlight_inside_a_word_of_a_longer_one_is_its_own_quote() -> None:
    clippings = (
        "Pensées (Blaise Pascal)\r\n- Your Highlight on Location 10-11 | Added on Monday\r\n\r\n"
        "The heart has its reasons.\r\n==========\r\n"
        "Pensées (Blaise Pascal)\r\n- Your Highlight on Location 10 | Added on Monday\r\n\r\n"
        "art\r\n==========\r\n"
    )

    batch = read_text(clippings, "My Clippings.txt")

    assert [record.text for record in batch.records] == ["The heart has its reasons.", "art"]
    assert batch.skipped == 0
