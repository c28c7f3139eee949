"""The gateway refuses uploads at the owners' own limits: its defaults mirror theirs, so a teacher is
never refused at the edge for what the owner would take, nor sent through with what it would refuse."""

from pydantic import BaseModel

from api_gateway_service.config import Settings as GatewaySettings
from cj_assessment_service.config import Settings as CJSettings
from cj_assessment_service.domain.anchor_grades import MAX_GRADES_FILE_BYTES
from content_service.config import Settings as ContentSettings


def _default(settings: type[BaseModel], field: str) -> int:
    value = settings.model_fields[field].default
    assert isinstance(value, int)
    return value


def test_essay_upload_limits_are_the_content_services():
    assert _default(GatewaySettings, "essay_upload_max_files") == _default(ContentSettings, "max_files_per_upload")
    assert _default(GatewaySettings, "essay_upload_max_file_bytes") == _default(ContentSettings, "max_file_bytes")
    assert _default(GatewaySettings, "essay_upload_max_bytes") == _default(ContentSettings, "max_upload_bytes")


def test_anchor_upload_limits_are_cjs():
    files = _default(CJSettings, "max_anchor_files")
    file_bytes = _default(CJSettings, "max_upload_bytes")
    assert _default(GatewaySettings, "anchor_upload_max_files") == files
    assert _default(GatewaySettings, "anchor_upload_max_file_bytes") == file_bytes
    # CJ's own request limit: every anchor file at its largest plus the grades file.
    assert _default(GatewaySettings, "anchor_upload_max_bytes") == files * file_bytes + MAX_GRADES_FILE_BYTES
