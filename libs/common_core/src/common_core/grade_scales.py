"""Grade scales as data: an ordered list of grades (lowest first) and an optional grade below it.

Adding a scale is one :func:`register_grade_scale` call (or one entry in ``BUILT_IN_SCALES``);
everything that validates grades looks scales up by name here, so nothing else changes.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Teachers type "E-" with a Unicode minus (U+2212) or an en dash as often as with "-"; all mean the same.
_MINUS_VARIANTS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2012": "-"})


def normalize_grade(grade: str) -> str:
    """Canonical spelling of a grade: trimmed, with any minus-like dash as ASCII ``-``."""
    return grade.strip().translate(_MINUS_VARIANTS)


class UnknownGradeScaleError(ValueError):
    pass


class GradeScale(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9_]+$", description="Stable identifier, e.g. 'eng5_np'.")
    display_name: str = Field(min_length=1)
    grades: tuple[str, ...] = Field(min_length=2, description="Every grade, lowest first.")
    below_lowest: str | None = Field(
        default=None, description="A grade for work below the lowest step, if the scale has one (e.g. 'F')."
    )

    @model_validator(mode="after")
    def _distinct(self) -> GradeScale:
        every = [*self.grades, *([self.below_lowest] if self.below_lowest else [])]
        if len(set(every)) != len(every):
            raise ValueError(f"grade scale {self.name} repeats a grade")
        if any(normalize_grade(g) != g for g in every):
            raise ValueError(f"grade scale {self.name} must spell grades canonically (ASCII '-', no spaces)")
        return self

    @property
    def all_grades(self) -> tuple[str, ...]:
        """Every valid grade, lowest first, including ``below_lowest``."""
        return ((self.below_lowest,) if self.below_lowest else ()) + self.grades

    def rank(self, grade: str) -> int:
        """Position of ``grade`` in :attr:`all_grades` (0 = lowest)."""
        return self.all_grades.index(self.validate_grade(grade))

    def validate_grade(self, grade: str) -> str:
        """The canonical grade, or ``ValueError`` naming the grade and the scale."""
        canonical = normalize_grade(grade)
        if canonical not in self.all_grades:
            allowed = ", ".join(self.all_grades)
            raise ValueError(f"grade {grade!r} is not on the {self.name} scale ({allowed})")
        return canonical


BUILT_IN_SCALES: tuple[GradeScale, ...] = (
    GradeScale(name="swedish_f_a", display_name="Swedish F-A", grades=("F", "E", "D", "C", "B", "A")),
    GradeScale(
        name="eng5_np",
        display_name="ENG5 national test (nine steps)",
        grades=("F+", "E-", "E+", "D-", "D+", "C-", "C+", "B", "A"),
        below_lowest="F",
    ),
    GradeScale(name="numeric_1_9", display_name="Numeric 1-9", grades=tuple(str(n) for n in range(1, 10))),
)

_SCALES: dict[str, GradeScale] = {}


def register_grade_scale(scale: GradeScale) -> None:
    if scale.name in _SCALES:
        raise ValueError(f"grade scale {scale.name} is already registered")
    _SCALES[scale.name] = scale


def get_grade_scale(name: str) -> GradeScale:
    try:
        return _SCALES[name]
    except KeyError:
        known = ", ".join(sorted(_SCALES))
        # Quote a prefix only: the name comes from a request and may be a megabyte long.
        shown = name if len(name) <= 40 else name[:40] + "…"
        raise UnknownGradeScaleError(f"unknown grade scale {shown!r} (known: {known})") from None


def grade_scale_names() -> list[str]:
    return sorted(_SCALES)


for _scale in BUILT_IN_SCALES:
    register_grade_scale(_scale)
