"""``python -m api_gateway_service migrate|serve``."""

import sys
from pathlib import Path

from api_gateway_service.app import create_app
from api_gateway_service.config import Settings
from huleedu_service_libs.service_cli import run_service_cli

ALEMBIC_DIR = Path(__file__).resolve().parents[2] / "alembic"

if __name__ == "__main__":
    sys.exit(run_service_cli(Settings, create_app, alembic_dir=ALEMBIC_DIR))
