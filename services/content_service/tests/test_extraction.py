"""Text extraction for each file type, including a docx with tables and a UTF-16 text file."""

import io

import docx
import pytest

from content_service.domain.extraction import (
    UNSUPPORTED_REASON,
    Extracted,
    ExtractionFailure,
    ExtractionLimits,
    extract_text,
)
from content_service.domain.filenames import clean_filename


def extracted(filename: str, raw: bytes) -> str:
    result = extract_text(filename, raw)
    assert isinstance(result, Extracted), result
    return result.text


def failure(filename: str, raw: bytes) -> str:
    result = extract_text(filename, raw)
    assert isinstance(result, ExtractionFailure), result
    return result.reason


def test_txt_in_utf16_with_windows_newlines(samples):
    raw = "Tuva Karlsson\r\n\r\nMin uppsats handlar om öar.\r\nDen är kort.".encode("utf-16")
    assert extracted("tuva.txt", raw) == "Tuva Karlsson\n\nMin uppsats handlar om öar.\nDen är kort."


def test_markdown_is_read_as_text():
    assert extracted("essay.MD", b"# My essay\n\nFirst paragraph.\n") == "# My essay\n\nFirst paragraph."


def test_docx_paragraphs_keep_their_order_and_breaks(samples):
    raw = samples.docx(["First paragraph.", "", "Second paragraph."])
    assert extracted("essay.docx", raw) == "First paragraph.\n\nSecond paragraph."


def test_docx_tables_are_read_in_document_order(samples):
    raw = samples.docx(
        ["The essay itself starts here.", "And ends here."],
        table=[["Name", "Tuva Karlsson"], ["Class", "9B"]],
    )
    assert extracted("essay.docx", raw) == (
        "Name\n\nTuva Karlsson\n\nClass\n\n9B\n\nThe essay itself starts here.\n\nAnd ends here."
    )


def test_docx_merged_and_nested_table_cells_are_read_once():
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "Essay title across two columns"
    table.cell(1, 0).text = "Left"
    nested = table.cell(1, 1).add_table(rows=1, cols=1)
    nested.cell(0, 0).text = "Nested cell"
    buffer = io.BytesIO()
    document.save(buffer)
    text = extracted("t.docx", buffer.getvalue())
    assert text.count("Essay title across two columns") == 1
    assert "Left" in text
    assert "Nested cell" in text


def test_pdf_text_layer_is_extracted(samples):
    text = extracted("essay.pdf", samples.pdf(["Uniforms are a bad idea.", "Second paragraph here."]))
    assert "Uniforms are a bad idea." in text
    assert "Second paragraph here." in text


def test_a_pdf_without_a_text_layer_is_a_scanned_pdf(samples):
    assert failure("scan.pdf", samples.scanned_pdf()).startswith("scanned PDF without text")


@pytest.mark.parametrize(
    ("filename", "raw", "expected"),
    [
        ("photo.jpg", b"\xff\xd8\xff", UNSUPPORTED_REASON),
        ("old.doc", b"\xd0\xcf\x11\xe0", UNSUPPORTED_REASON),
        ("no_suffix", b"text", UNSUPPORTED_REASON),
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b" \n\r\n\t", "empty file"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "the file could not be read as a Word document"),
        ("broken.pdf", b"%PDF-1.4 garbage", "the file could not be read as a PDF"),
    ],
)
def test_bad_files_get_a_reason_a_teacher_understands(filename: str, raw: bytes, expected: str):
    assert failure(filename, raw).startswith(expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("C:\\Users\\anna\\Desktop\\essay.docx", "essay.docx"),
        ("/home/anna/essay.txt", "essay.txt"),
        ("", "unnamed"),
        (None, "unnamed"),
        ("x" * 300 + ".txt", "x" * 251 + ".txt"),  # cut to fit, keeping its type
    ],
)
def test_file_names_lose_client_folders_and_fit_the_event(raw: str | None, expected: str):
    assert clean_filename(raw) == expected


def test_a_docx_that_unpacks_to_gigabytes_is_refused_before_parsing(samples):
    result = extract_text("bomb.docx", samples.docx(["A short essay."]), ExtractionLimits(max_unpacked_bytes=1000))
    assert isinstance(result, ExtractionFailure)
    assert result.reason.startswith("too large once unpacked")
