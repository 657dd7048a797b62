"""The personal-data scan: each pattern, masking, false friends, and reading documents."""

from __future__ import annotations

import io

import docx
import pytest
from matplotlib.backends.backend_pdf import FigureCanvasPdf
from matplotlib.figure import Figure

from catalog.pdscan import document_text, scan_text, scannable, snils_valid

LEAKY = (
    "Пример: пациент Иванов Иван Иванович, 12.03.1985, СНИЛС 112-233-445 95, "
    "тел. +7 (911) 123-45-67, паспорт 1904 № 123456, полис ОМС 3550 1234 5678 9012."
)


def test_every_kind_is_found_and_shown_masked() -> None:
    found = scan_text(LEAKY, "описание")
    assert [f.kind for f in found] == ["snils", "phone", "passport", "policy", "birth"]
    shown = " ".join(f.shown for f in found)
    for secret in ("233-445", "123-45", "123456", "1234 5678", "Иванов", "12.03.1985"):
        assert secret not in shown
    assert found[0].shown == "112-•••-••• 95"
    assert found[-1].shown == "И… И… И… ••.••.••••"
    assert {f.where for f in found} == {"описание"}


def test_ordinary_material_text_raises_nothing() -> None:
    text = (
        "Приказ Минздрава от 12.01.2024 № 15н, версия 2.3. Горячая линия 8-800-100-00-00. "
        "Номер ЭЛН 900000000001, код МКБ-10 J06.9; журнал за 01.02.2025. Т. е. см. раздел 4."
    )
    assert scan_text(text, "описание") == []


def test_snils_needs_its_checksum() -> None:
    assert snils_valid("11223344595")
    assert not snils_valid("11223344596")
    assert scan_text("СНИЛС 112-233-445 96", "x") == []


def test_birth_date_next_to_initials_and_by_label() -> None:
    found = scan_text("Петрова А. В. (03.04.1977)\nДата рождения: 01.02.1990", "x")
    assert [f.shown for f in found] == ["П… А. В. ••.••.••••", "••.••.••••"]


def _pdf(text: str) -> bytes:
    figure = Figure()
    FigureCanvasPdf(figure)
    figure.text(0.05, 0.5, text, fontsize=8)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="pdf", metadata={"Creator": None})
    return buffer.getvalue()


def _docx(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph("Инструкция по заполнению")
    table = document.add_table(rows=1, cols=1)
    table.rows[0].cells[0].text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("pdf", _pdf("СНИЛС 112-233-445 95")),
        ("docx", _docx("СНИЛС 112-233-445 95")),
        ("txt", "Образец: СНИЛС 112-233-445 95".encode("cp1251")),
    ],
)
def test_document_text_is_read_and_scanned(kind: str, data: bytes) -> None:
    found = scan_text(document_text(data, kind), "текст файла")
    assert [(f.kind, f.shown) for f in found] == [("snils", "112-•••-••• 95")]


def test_broken_documents_are_reported_not_raised_wildly() -> None:
    for kind in ("pdf", "docx"):
        with pytest.raises(ValueError, match=r"\w"):
            document_text(b"%PDF-1.4 not really", kind)


def test_which_files_are_scannable() -> None:
    assert scannable("Памятка.PDF", None) == "pdf"
    assert (
        scannable(None, "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        == "docx"
    )
    assert scannable("notes.txt", "text/plain") == "txt"
    assert scannable("video.mp4", "video/mp4") is None
