"""``python -m content_service migrate|serve``."""

import sys
from pathlib import Path

from content_service.app import create_app
from content_service.config import Settings
from huleedu_service_libs.service_cli import run_service_cli

ALEMBIC_DIR = Path(__file__).resolve().parents[2] / "alembic"

if __name__ == "__main__":
    sys.exit(run_service_cli(Settings, create_app, alembic_dir=ALEMBIC_DIR))
