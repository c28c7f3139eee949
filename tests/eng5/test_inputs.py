"""Input validation: each kind of bad input is found and named, before anything is sent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scripts.eng5.demo_set import demo_paths
from scripts.eng5.inputs import InputPaths, read_inputs


@pytest.fixture
def demo_copy(tmp_path: Path) -> InputPaths:
    """A writable copy of the demo set, to break one thing at a time."""
    shutil.copytree(demo_paths().essays.parent, tmp_path / "set")
    return demo_paths(tmp_path / "set")


def test_the_demo_set_is_valid() -> None:
    inputs = read_inputs(demo_paths())
    assert inputs.problems == []
    assert len(inputs.essays) == 14
    assert {e.path.suffix for e in inputs.essays} == {".txt", ".docx", ".pdf"}
    assert sorted(a.grade for a in inputs.anchors) == sorted(["F+", "E+", "D+", "C+", "B", "A"])


def test_an_unreadable_essay_is_named(demo_copy: InputPaths) -> None:
    (demo_copy.essays / "broken.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    problems = read_inputs(demo_copy).problems
    assert len(problems) == 1
    assert "broken.pdf: unreadable" in problems[0]


def test_an_unsupported_file_type_is_named(demo_copy: InputPaths) -> None:
    (demo_copy.essays / "notes.odt").write_bytes(b"x")
    assert any("unsupported file type (notes.odt)" in p for p in read_inputs(demo_copy).problems)


def test_a_missing_folder_is_named(demo_copy: InputPaths, tmp_path: Path) -> None:
    paths = InputPaths(
        tmp_path / "nope", demo_copy.anchors, demo_copy.anchors_csv, demo_copy.instructions, demo_copy.rubric
    )
    assert any("does not exist" in p for p in read_inputs(paths).problems)


def test_a_grade_off_the_eng5_scale_is_named(demo_copy: InputPaths) -> None:
    text = demo_copy.anchors_csv.read_text().replace("anchor_B,B", "anchor_B,G")
    demo_copy.anchors_csv.write_text(text)
    problems = read_inputs(demo_copy).problems
    assert problems == [f"anchors CSV {demo_copy.anchors_csv}: anchor_B: grade 'G' is not on the eng5_np scale "
                        "(F, F+, E-, E+, D-, D+, C-, C+, B, A)"]  # fmt: skip


def test_an_anchor_file_missing_from_the_csv_is_named(demo_copy: InputPaths) -> None:
    (demo_copy.anchors / "anchor_extra.txt").write_text("An extra anchor that no row grades.\n")
    assert read_inputs(demo_copy).problems == [
        f"anchor anchor_extra.txt is not in the anchors CSV {demo_copy.anchors_csv}"
    ]


def test_a_csv_row_without_a_file_is_named(demo_copy: InputPaths) -> None:
    (demo_copy.anchors / "anchor_A.txt").unlink()
    assert read_inputs(demo_copy).problems == [
        f"anchors CSV {demo_copy.anchors_csv}: anchor_A has no file in {demo_copy.anchors}"
    ]


def test_an_unparseable_csv_is_named(demo_copy: InputPaths) -> None:
    demo_copy.anchors_csv.write_text("label,grade\nanchor_A\n")
    problems = read_inputs(demo_copy).problems
    assert any("every CSV row needs two columns" in p for p in problems), problems


def test_anchors_on_one_grade_only_are_refused(demo_copy: InputPaths) -> None:
    rows = [line.split(",")[0] + ",C+" for line in demo_copy.anchors_csv.read_text().splitlines()[1:]]
    demo_copy.anchors_csv.write_text("label,grade\n" + "\n".join(rows) + "\n")
    assert any("at least two different grades" in p for p in read_inputs(demo_copy).problems)


def test_empty_instructions_and_a_missing_rubric_are_named(demo_copy: InputPaths) -> None:
    demo_copy.instructions.write_text("  \n")
    demo_copy.rubric.unlink()
    problems = read_inputs(demo_copy).problems
    assert any(p.startswith("instructions file") and "is empty" in p for p in problems)
    assert any(p.startswith("rubric file") and "cannot be read" in p for p in problems)


def test_too_few_essays_are_refused(demo_copy: InputPaths) -> None:
    for essay in sorted(demo_copy.essays.iterdir())[1:]:
        essay.unlink()
    assert any("at least 2 readable essays" in p for p in read_inputs(demo_copy).problems)


def test_the_cli_lists_problems_and_exits_2_without_a_traceback(demo_copy: InputPaths) -> None:
    from typer.testing import CliRunner

    from scripts.eng5.cli import app

    (demo_copy.anchors / "anchor_A.txt").unlink()
    args = ["plan", "--essays", str(demo_copy.essays), "--anchors", str(demo_copy.anchors)]
    args += ["--anchors-csv", str(demo_copy.anchors_csv), "--instructions", str(demo_copy.instructions)]
    args += ["--rubric", str(demo_copy.rubric)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "anchor_A has no file" in result.output
    assert "Traceback" not in result.output


def test_the_cli_names_missing_options() -> None:
    from typer.testing import CliRunner

    from scripts.eng5.cli import app

    result = CliRunner().invoke(app, ["plan", "--essays", "x"])
    assert result.exit_code == 2
    assert "missing --anchors, --anchors-csv, --instructions, --rubric (or use --demo)" in result.output
