"""Sample essays and files built in code (no binary blobs in the repository), for unit and integration tests."""

from __future__ import annotations

import io

import docx
import pytest
from fpdf import FPDF


class Samples:
    """Builders of sample essays and files, handed to tests through the ``samples`` fixture."""

    @staticmethod
    def essay_text(seed: str, words: int = 60) -> str:
        """A distinct essay of about ``words`` words (the seed makes its text, and sha256, unique)."""
        body = " ".join(f"{seed}word{i}" if i % 7 == 0 else "text" for i in range(words))
        return f"{body}.\n\nA second paragraph about {seed} follows here."

    @staticmethod
    def docx(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
        document = docx.Document()
        if table:
            grid = document.add_table(rows=len(table), cols=len(table[0]))
            for r, row in enumerate(table):
                for c, value in enumerate(row):
                    grid.cell(r, c).text = value
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()

    @staticmethod
    def pdf(paragraphs: list[str]) -> bytes:
        pdf = FPDF()
        pdf.add_page()
        pdf.set_font("helvetica", size=11)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 6, paragraph)
            pdf.ln(4)
        return bytes(pdf.output())

    @staticmethod
    def scanned_pdf() -> bytes:
        """A PDF with a filled shape but no text layer, like a scan."""
        pdf = FPDF()
        pdf.add_page()
        pdf.rect(20, 20, 100, 60, style="F")
        return bytes(pdf.output())


@pytest.fixture
def samples() -> Samples:
    return Samples()
