"""``python -m class_management_service migrate|serve|create-teacher``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from class_management_service.app import create_app
from class_management_service.config import Settings
from class_management_service.di import teacher_store
from class_management_service.entrypoints.create_teacher import run_create_teacher
from huleedu_service_libs.service_cli import run_service_cli

ALEMBIC_DIR = Path(__file__).resolve().parents[2] / "alembic"
CREATE_TEACHER = "create-teacher"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    # The shared CLI knows migrate and serve; account creation is this service's own command.
    if args[:1] == [CREATE_TEACHER]:
        return run_create_teacher(args[1:], Settings(), open_store=teacher_store)
    return run_service_cli(Settings, create_app, alembic_dir=ALEMBIC_DIR, argv=args)


if __name__ == "__main__":
    sys.exit(main())
