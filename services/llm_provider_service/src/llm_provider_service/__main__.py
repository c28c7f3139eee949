"""``python -m llm_provider_service migrate|serve``."""

import sys
from pathlib import Path

from huleedu_service_libs.service_cli import run_service_cli
from llm_provider_service.app import create_app
from llm_provider_service.config import Settings

ALEMBIC_DIR = Path(__file__).resolve().parents[2] / "alembic"

sys.exit(run_service_cli(Settings, create_app, alembic_dir=ALEMBIC_DIR))
