"""Every write of the certificates app, by subject: templates and a class's criteria, issuing
(with rendering, revoking and reissuing), hour transcripts; what they share in `common`."""
from .common import date_text, fill, new_code, serial_text, verify_url
from .issuing import (
    RENDER_CHUNK,
    certificate_reissue,
    certificate_render,
    certificate_revoke,
    certificates_issue,
    certificates_render,
    certificates_render_batch,
    class_closed,
    issue_request,
)
from .templates import SAMPLE, criteria_set, template_create, template_preview, template_update
from .transcripts import transcript_issue, transcript_revoke

__all__ = [
    "RENDER_CHUNK", "SAMPLE", "certificate_reissue", "certificate_render", "certificate_revoke", "certificates_issue",
    "certificates_render", "certificates_render_batch", "class_closed", "criteria_set", "date_text", "fill", "issue_request",
    "new_code", "serial_text", "template_create", "template_preview", "template_update", "transcript_issue", "transcript_revoke",
    "verify_url",
]
