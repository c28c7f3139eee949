"""The runner's own small ENG5 set, written by code (no real student's text can ship): ``--demo``.

Essays and anchors come from the demo's generator (``scripts/demo/essays.py``), whose hidden quality
sets what a judge reads; twelve essays are .txt, one .docx and one .pdf so that the runner's uploads
exercise content service's extraction of each type. ``python -m scripts.eng5.demo_set`` writes it
again (the files are kept in the repository so that a run reads files, as with real data).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import docx
from fpdf import FPDF

from scripts.demo.essays import INSTRUCTIONS, RUBRIC, STUDENT_PROMPT, anchor_essays, student_essays
from scripts.eng5.inputs import InputPaths

DEMO_DIR = Path(__file__).resolve().parent / "demo_set"
STUDENT_COUNT = 14
DEMO_SEED = 11


def demo_paths(root: Path = DEMO_DIR) -> InputPaths:
    return InputPaths(
        essays=root / "essays",
        anchors=root / "anchors",
        anchors_csv=root / "anchors.csv",
        instructions=root / "instructions.md",
        rubric=root / "rubric.md",
        student_prompt=root / "student_prompt.md",
    )


def _docx_bytes(text: str) -> bytes:
    document = docx.Document()
    for paragraph in text.strip().split("\n\n"):
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _pdf_bytes(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)  # a core font: Latin-1, which the generated texts stay within
    for paragraph in text.strip().split("\n\n"):
        pdf.multi_cell(0, 6, paragraph)
        pdf.ln(3)
    return bytes(pdf.output())


def write_demo_set(root: Path = DEMO_DIR) -> InputPaths:
    """Writes the set under ``root`` (replacing what is there) and returns its paths."""
    paths = demo_paths(root)
    for folder in (paths.essays, paths.anchors):
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
    essays = sorted(student_essays(STUDENT_COUNT, seed=DEMO_SEED), key=lambda e: e.filename)
    for i, essay in enumerate(essays):
        stem = Path(essay.filename).stem
        if i == 0:
            (paths.essays / f"{stem}.docx").write_bytes(_docx_bytes(essay.text))
        elif i == 1:
            (paths.essays / f"{stem}.pdf").write_bytes(_pdf_bytes(essay.text))
        else:
            (paths.essays / essay.filename).write_text(essay.text, encoding="utf-8")
    rows = []
    for anchor in anchor_essays():
        (paths.anchors / anchor.filename).write_text(anchor.text, encoding="utf-8")
        rows.append((Path(anchor.filename).stem, anchor.label.removeprefix("anchor-")))
    with paths.anchors_csv.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["label", "grade"])
        writer.writerows(rows)
    paths.instructions.write_text(INSTRUCTIONS + "\n", encoding="utf-8")
    paths.rubric.write_text(RUBRIC.replace(". ", ".\n") + "\n", encoding="utf-8")
    if paths.student_prompt is not None:
        paths.student_prompt.write_text(STUDENT_PROMPT + "\n", encoding="utf-8")
    return paths


if __name__ == "__main__":
    written = write_demo_set()
    print(f"demo set written to {DEMO_DIR}")
