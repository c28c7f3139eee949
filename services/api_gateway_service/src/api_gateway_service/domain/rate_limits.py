"""A request limit: how many requests one kind of caller may send per window."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """``requests`` per ``window_s`` for one kind of caller (``scope`` names it in the key and the error)."""

    scope: str
    requests: int
    window_s: int
