"""``python -m result_aggregator_service migrate|serve``."""

import sys
from pathlib import Path

from huleedu_service_libs.service_cli import run_service_cli
from result_aggregator_service.app import create_app
from result_aggregator_service.config import Settings

ALEMBIC_DIR = Path(__file__).resolve().parents[2] / "alembic"

if __name__ == "__main__":
    sys.exit(run_service_cli(Settings, create_app, alembic_dir=ALEMBIC_DIR))
