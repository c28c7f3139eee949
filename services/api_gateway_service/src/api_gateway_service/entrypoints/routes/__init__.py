"""The explicit public routes to the internal services; ``app.py`` includes every router in ``ROUTERS``."""

from __future__ import annotations

from fastapi import APIRouter

ROUTERS: list[APIRouter] = []
