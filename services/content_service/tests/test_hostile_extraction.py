"""Hostile files: decompression bombs, lying zip headers, binaries renamed .txt, odd encodings and names.

Every bomb is built by the test (services/content_service/tests/hostile_files.py), at several sizes.
"""

import codecs
import io
import zipfile

import pytest
from fpdf import FPDF

from content_service.domain import docx_package
from content_service.domain.extraction import Extracted, ExtractionFailure, ExtractionLimits, extract_text
from content_service.domain.filenames import clean_filename, filename_problem
from content_service.domain.intake import AcceptedFile, RejectedFile, UploadLimits, vet_file
from services.content_service.tests.hostile_files import (
    docx_bomb,
    docx_with_image,
    docx_with_lying_sizes,
    renamed_exe,
)

LIMITS = ExtractionLimits(max_unpacked_bytes=2_000_000, max_pdf_pages=5, max_words=3000)
NOT_TEXT = "not a text file: it looks like a program or binary data"
CONTROL_REASON = "the file name contains control characters (such as NUL); rename the file and upload it again"
ESSAY = "Uniforms are a bad idea, because pupils learn to choose for themselves. " * 5


def failure(filename: str, raw: bytes, limits: ExtractionLimits = LIMITS) -> str:
    result = extract_text(filename, raw, limits)
    assert isinstance(result, ExtractionFailure), result
    return result.reason


def extracted(filename: str, raw: bytes, limits: ExtractionLimits = LIMITS) -> str:
    result = extract_text(filename, raw, limits)
    assert isinstance(result, Extracted), result
    return result.text


@pytest.mark.parametrize("unpacked", [3_000_000, 20_000_000, 200_000_000])
def test_docx_bombs_are_refused_after_reading_no_more_than_the_cap(unpacked: int, monkeypatch):
    bomb = docx_bomb(unpacked)
    read: list[int] = []
    real_read = docx_package._read_capped

    def counting(source, member, budget):
        data = real_read(source, member, budget)
        read.append(budget if data is None else len(data))
        return data

    monkeypatch.setattr(docx_package, "_read_capped", counting)
    assert failure("bomb.docx", bomb).startswith("too large once unpacked")
    assert sum(read) <= LIMITS.max_unpacked_bytes


def test_a_bomb_whose_zip_headers_claim_a_small_part_is_still_refused():
    lying = docx_with_lying_sizes(20_000_000)
    with zipfile.ZipFile(io.BytesIO(lying)) as package:
        assert package.getinfo("word/document.xml").file_size == 100  # the header lies
        assert sum(m.file_size for m in package.infolist()) < LIMITS.max_unpacked_bytes
    assert not isinstance(extract_text("liar.docx", lying, LIMITS), Extracted)


def test_embedded_media_is_skipped_not_read_and_the_text_still_comes_out():
    with_image = docx_with_image(["First paragraph.", "Second paragraph."], image_bytes=3_000_000)
    # The image alone is over the cap: it is not decompressed, so it does not count.
    assert extracted("pictures.docx", with_image) == "First paragraph.\n\nSecond paragraph."


def test_a_docx_within_the_cap_reads_as_before():
    assert extracted("ok.docx", docx_bomb(60_000, essay="Before the padding.")).startswith("Before the padding.")


def test_a_zip_with_too_many_parts_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for n in range(docx_package.MAX_PARTS + 1):
            package.writestr(f"word/p{n}.xml", b"<x/>")
    assert failure("many.docx", out.getvalue()).startswith("the file could not be read as a Word document")


def many_page_pdf(pages: int) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for n in range(pages):
        pdf.add_page()
        pdf.multi_cell(0, 6, f"Page {n}. {ESSAY}")
    return bytes(pdf.output())


def test_a_pdf_with_too_many_pages_is_refused_before_its_text_is_read():
    assert failure("long.pdf", many_page_pdf(6)) == "too many pages: 6 (at most 5)"
    assert "Page 4." in extracted("fine.pdf", many_page_pdf(5))


def test_a_pdf_whose_text_runs_past_the_character_cap_stops_being_read():
    small = ExtractionLimits(max_unpacked_bytes=2_000_000, max_pdf_pages=50, max_words=20)
    assert failure("wordy.pdf", many_page_pdf(3), small).startswith("too long: far more text than 20 words")


@pytest.mark.parametrize(
    ("filename", "raw"),
    [
        ("virus.txt", renamed_exe()),
        ("elf.md", b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 4),
        ("zipped.txt", b"PK\x03\x04" + b"essay text " * 50),
        ("doc.txt", b"%PDF-1.7\n" + b"essay text " * 50),
        ("photo.txt", b"\x89PNG\r\n\x1a\n" + b"essay text " * 50),
        ("photo2.txt", b"\xff\xd8\xff\xe0" + b"essay text " * 50),
        ("anim.txt", b"GIF89a" + b"essay text " * 50),
        ("packed.txt", b"\x1f\x8b\x08" + b"essay text " * 50),
        ("nul.txt", b"An essay with a NUL \x00 in the middle of it. " * 5),
        ("controls.txt", bytes(range(1, 9)) * 40 + b"some words"),
        ("replacement.txt", ("\ufffd" * 30 + " words ").encode() * 5),
    ],
)
def test_a_binary_file_named_as_text_is_not_an_essay(filename: str, raw: bytes):
    assert failure(filename, raw) == NOT_TEXT


@pytest.mark.parametrize(
    "raw",
    [
        ESSAY.replace("pupils", "elever på Åland").encode("utf-8"),
        codecs.BOM_UTF8 + ESSAY.encode("utf-8"),
        ("Åsa Öberg\r\n\r\n" + ESSAY).encode("utf-16"),
        ("Åsa Öberg\n" + ESSAY).encode("utf-16-le"),
        ("Åsa Öberg \u201cquoted\u201d \u2013 " + ESSAY).encode("cp1252"),
        ("Åsa Öberg, señor " + ESSAY).encode("latin-1"),
        ("Lines\x0bbroken\x0cby Word " + ESSAY).encode(),
    ],
)
def test_real_text_in_any_of_the_usual_encodings_is_accepted(raw: bytes):
    text = extracted("essay.txt", raw)
    assert "Uniforms are a bad idea" in text


def test_a_huge_plain_text_is_refused_before_it_is_normalised():
    small = ExtractionLimits(max_unpacked_bytes=2_000_000, max_pdf_pages=5, max_words=10)
    assert failure("long.txt", ("word " * 200).encode(), small).startswith("too long: far more text than 10 words")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("a\x00b.txt", CONTROL_REASON),
        ("tab\there.txt", CONTROL_REASON),
        ("half\ud800.txt", "the file name is not valid text; rename the file and upload it again"),
        ("Åsa Öberg.txt", None),
        ("essay.txt", None),
    ],
)
def test_file_names_with_control_characters_have_a_reason(raw: str, reason: str | None):
    assert filename_problem(raw) == reason


def test_a_cleaned_file_name_is_safe_to_echo_and_keeps_its_type():
    assert clean_filename("a\x00b.txt") == "a\ufffdb.txt"
    long = clean_filename("x" * 1000 + ".docx")
    assert len(long) == 255
    assert long.endswith("x.docx")


def test_vetting_uses_the_upload_limits_for_extraction():
    limits = UploadLimits(max_file_bytes=5_000_000, min_words=5, max_words=3000, max_unpacked_bytes=1_000_000)
    rejected = vet_file("bomb.docx", docx_bomb(5_000_000), limits)
    assert isinstance(rejected, RejectedFile)
    assert rejected.reason.startswith("too large once unpacked")
    assert isinstance(vet_file("essay.txt", ESSAY.encode(), limits), AcceptedFile)
