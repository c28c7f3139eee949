"""The runner's inputs, read and checked before anything is sent.

Files are read with the code the services use on them, so what passes here passes there: essays with
content service's extraction (``extract_text``), the anchors CSV with CJ's parser for its bulk anchor
upload (``parse_grades_file``, labels from file names by ``anchor_label``), grades against the eng5_np
scale of ``common_core.grade_scales``. Every problem is collected, so one ``plan`` lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from cj_assessment_service.public import GradesFileError, anchor_label, parse_grades_file
from common_core.grade_scales import GradeScale, get_grade_scale
from content_service.public import ExtractionFailure, extract_text

GRADE_SCALE = "eng5_np"
ESSAY_SUFFIXES = (".txt", ".docx", ".pdf")
MIME_TYPES = {
    ".txt": "text/plain",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pdf": "application/pdf",
}


class BatchingMode(StrEnum):
    PER_REQUEST = "per_request"
    SERIAL_BUNDLE = "serial_bundle"


@dataclass(frozen=True)
class RunSettings:
    """How a run is judged and when it stops; sent as the assessment's ``llm`` and ``budget``."""

    provider: str = "mock"
    model: str = "mock-judge"
    batching_mode: BatchingMode = BatchingMode.SERIAL_BUNDLE
    max_comparisons_per_essay: int = 10
    target_reliability: float = 0.8

    def assessment_body(self) -> dict[str, object]:
        """The body of both the estimate and the start, so the estimate describes the run that follows."""
        return {
            "llm": {"provider": self.provider, "model": self.model, "batching_mode": self.batching_mode.value},
            "budget": {
                "max_comparisons_per_essay": self.max_comparisons_per_essay,
                "target_reliability": self.target_reliability,
            },
        }

    def describe(self) -> str:
        return f"{self.provider}/{self.model}, {self.batching_mode.value}"


@dataclass(frozen=True)
class InputPaths:
    essays: Path
    anchors: Path
    anchors_csv: Path
    instructions: Path
    rubric: Path
    student_prompt: Path | None = None


@dataclass(frozen=True)
class InputFile:
    """One file as it will be uploaded, with the text the service will extract from it."""

    path: Path
    data: bytes
    text: str

    @property
    def filename(self) -> str:
        return self.path.name

    @property
    def mime(self) -> str:
        return MIME_TYPES.get(self.path.suffix.lower(), "application/octet-stream")


@dataclass(frozen=True)
class Anchor:
    file: InputFile
    label: str
    grade: str


@dataclass
class RunInputs:
    paths: InputPaths
    essays: list[InputFile] = field(default_factory=list)
    anchors: list[Anchor] = field(default_factory=list)
    instructions: str = ""
    rubric: str = ""
    student_prompt: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def eng5_scale() -> GradeScale:
    return get_grade_scale(GRADE_SCALE)


def read_inputs(paths: InputPaths) -> RunInputs:
    """Everything the run needs, with every problem found listed in ``problems`` (empty when usable)."""
    inputs = RunInputs(paths=paths)
    inputs.essays = _read_essays(paths.essays, inputs.problems)
    inputs.anchors = _read_anchors(paths.anchors, paths.anchors_csv, inputs.problems)
    inputs.instructions = _read_text(paths.instructions, "instructions", inputs.problems)
    inputs.rubric = _read_text(paths.rubric, "rubric", inputs.problems)
    if paths.student_prompt is not None:
        inputs.student_prompt = _read_text(paths.student_prompt, "student prompt", inputs.problems)
    return inputs


def _folder_files(folder: Path, what: str, problems: list[str]) -> list[Path]:
    if not folder.is_dir():
        problems.append(f"{what} folder {folder} does not exist or is not a folder")
        return []
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    unsupported = [p.name for p in files if p.suffix.lower() not in ESSAY_SUFFIXES]
    if unsupported:
        problems.append(
            f"{what} folder {folder}: unsupported file type ({', '.join(unsupported)}); use {', '.join(ESSAY_SUFFIXES)}"
        )
    return [p for p in files if p.suffix.lower() in ESSAY_SUFFIXES]


def _read_file(path: Path, problems: list[str]) -> InputFile | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(f"{path}: cannot be read ({exc.strerror or exc})")
        return None
    extracted = extract_text(path.name, data)
    if isinstance(extracted, ExtractionFailure):
        problems.append(f"{path}: unreadable: {extracted.reason}")
        return None
    if not extracted.text.strip():
        problems.append(f"{path}: holds no text")
        return None
    return InputFile(path=path, data=data, text=extracted.text)


def _read_essays(folder: Path, problems: list[str]) -> list[InputFile]:
    essays = [f for p in _folder_files(folder, "essays", problems) if (f := _read_file(p, problems)) is not None]
    if folder.is_dir() and len(essays) < 2:
        problems.append(f"essays folder {folder}: at least 2 readable essays are needed, found {len(essays)}")
    return essays


def _read_grades(csv_path: Path, problems: list[str]) -> dict[str, str] | None:
    try:
        data = csv_path.read_bytes()
    except OSError as exc:
        problems.append(f"anchors CSV {csv_path}: cannot be read ({exc.strerror or exc})")
        return None
    try:
        return parse_grades_file(csv_path.name, data)
    except GradesFileError as exc:
        problems.append(f"anchors CSV {csv_path}: {exc}")
        return None


def _read_anchors(folder: Path, csv_path: Path, problems: list[str]) -> list[Anchor]:
    files = _folder_files(folder, "anchors", problems)
    grades = _read_grades(csv_path, problems)
    if grades is None:
        return []
    scale = eng5_scale()
    by_label = {anchor_label(p.name): p for p in files}
    anchors: list[Anchor] = []
    for label, written in grades.items():
        try:
            grade = scale.validate_grade(written)
        except ValueError:
            problems.append(
                f"anchors CSV {csv_path}: {label}: grade {written!r} is not on the {scale.name} scale "
                f"({', '.join(scale.all_grades)})"
            )
            continue
        path = by_label.get(label)
        if path is None:
            problems.append(f"anchors CSV {csv_path}: {label} has no file in {folder}")
            continue
        read = _read_file(path, problems)
        if read is not None:
            anchors.append(Anchor(file=read, label=label, grade=grade))
    for label, path in sorted(by_label.items()):
        if label not in grades:
            problems.append(f"anchor {path.name} is not in the anchors CSV {csv_path}")
    distinct = {a.grade for a in anchors}
    if anchors and len(distinct) < 2:
        problems.append("anchors: at least two different grades are needed to place grades on the scale")
    return anchors


def _read_text(path: Path, what: str, problems: list[str]) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{what} file {path}: cannot be read as UTF-8 text ({exc})")
        return ""
    if not text:
        problems.append(f"{what} file {path}: is empty")
    return text
