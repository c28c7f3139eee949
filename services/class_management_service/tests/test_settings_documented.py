"""Every setting of the service is documented in env.example, in this service's section (PITFALLS: drift)."""

import re
from pathlib import Path

from class_management_service.config import Settings
from huleedu_service_libs.settings import ServiceSettings

ENV_EXAMPLE = Path(__file__).resolve().parents[3] / "env.example"
SECTION_HEADER = "# --- class_management_service ---"


def _section() -> str:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert SECTION_HEADER in text, "env.example has no class_management_service section"
    return text.split(SECTION_HEADER, 1)[1].split("\n# --- ", 1)[0]


def test_every_own_setting_has_a_documented_empty_line_in_env_example():
    section = _section()
    # database_url is listed with every service's database in the shared "Connections" section.
    own = (set(Settings.model_fields) - set(ServiceSettings.model_fields)) | {
        "http_host",
        "http_port",
        "shutdown_grace_seconds",
    }
    names = {f"CLASS_MANAGEMENT_SERVICE_{field.upper()}" for field in own}
    listed = set(re.findall(r"^(CLASS_MANAGEMENT_SERVICE_[A-Z0-9_]+)=$", section, flags=re.MULTILINE))
    assert listed == names
    for name in names:
        comment = section.split(f"\n{name}=", 1)[0].rsplit("\n", 1)[-1]
        assert comment.startswith("# "), name
        assert "Default:" in comment, name


def test_the_port_default_is_the_dev_stack_port():
    assert Settings.model_fields["http_port"].default == 8003
