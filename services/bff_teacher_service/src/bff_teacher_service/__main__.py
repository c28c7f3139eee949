"""``python -m bff_teacher_service migrate|serve``; ``migrate`` is a no-op: the BFF keeps no data yet."""

import sys

from bff_teacher_service.app import create_app
from bff_teacher_service.config import Settings
from huleedu_service_libs.service_cli import run_service_cli

if __name__ == "__main__":
    sys.exit(run_service_cli(Settings, create_app, alembic_dir=None))
