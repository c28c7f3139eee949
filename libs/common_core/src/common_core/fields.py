"""Field types with their validation and meaning, shared by every contract.

One scale per field, stated in its description (PITFALLS: three confidence scales).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NonEmptyStr = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

ComparisonConfidence = Annotated[
    int,
    Field(ge=1, le=5, description="The judge's confidence in ONE comparison: 1 (a guess) to 5 (certain)."),
]
GradeConfidence = Annotated[
    float,
    Field(
        ge=0.0,
        le=1.0,
        allow_inf_nan=False,
        description="Confidence in an essay's grade, 0 to 1: the probability of the most likely grade.",
    ),
]

# How a grade boundary was placed: between anchored grades by the fit, between fitted boundaries across
# unanchored grades, or beyond the anchored grades. One spelling for the event and the views that repeat it.
GradeCutSource = Annotated[
    Literal["fitted", "interpolated", "extrapolated"],
    Field(
        description="fitted: pinned by anchors in the grades on both sides; interpolated: between fitted "
        "boundaries, across grades without anchors; extrapolated: beyond the highest or lowest anchored grade."
    ),
]


class Contract(BaseModel):
    """Base of every payload: immutable, and tolerant of fields added by newer producers."""

    model_config = ConfigDict(frozen=True, extra="ignore")
