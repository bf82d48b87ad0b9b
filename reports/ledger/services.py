"""Every write of the rectification ledger: filing and editing findings, moving them through their
statuses, measures, responsible people and evidence files.

Each write locks the finding's row first (`select_for_update`), so a measure cannot be added while
another request submits the finding, and two reviewers cannot close and send back the same one.
Each write leaves a history row with the acting user and a change reason: the action's name, then
": " and the person's comment when there is one ("send_back: 缺少佐证材料"). The finding's
timeline reads those rows (selectors.finding_timeline).
"""
import os
import secrets
import zipfile
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import scope
from backend.errors import ApplicationError, not_found

from ..findings import EvidenceFile, Finding, Measure, Responsibility
from . import rules

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
# Allowed evidence types: extension -> (content type, how the content must start).
EVIDENCE_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
}
# The part an Office file of that kind must contain (a renamed ZIP is not a document).
OFFICE_PARTS = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}
MAX_COMMENT = 1000


# --- helpers ------------------------------------------------------------------------------------


def _invalid(field: str, message: str, code: str = "invalid") -> ApplicationError:
    return ApplicationError(code, message, errors={field: [message]})


def _forbidden(message: str) -> ApplicationError:
    return ApplicationError("forbidden", message, status_code=403)


def _text(value, *, field: str, label: str, max_length: int | None = None, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise _invalid(field, _("The %(field)s is required.") % {"field": label}, code="required")
    if max_length is not None and len(value) > max_length:
        raise _invalid(field, _("The %(field)s may be at most %(max)d characters long.") % {"field": label, "max": max_length},
                       code="too_long")
    return value


def _due_on(value, *, field: str = "due_on", previous: date | None = None) -> date:
    if not isinstance(value, date):
        raise _invalid(field, _("The due date is required."), code="required")
    if value != previous and value < timezone.localdate():
        raise _invalid(field, _("The due date cannot be in the past."), code="due_in_past")
    return value


def _reason(action: str, comment: str = "") -> str:
    return f"{action}: {comment}" if comment else action


def _lock(finding: Finding) -> Finding:
    """The finding's row, locked for this transaction, with its organization."""
    return Finding.objects.select_for_update().select_related("organization").get(pk=finding.pk)


def _save(instance, actor, reason: str, **kwargs) -> None:
    instance._history_user = actor
    instance._change_reason = reason
    instance.save(**kwargs)


def _require_visible(actor, finding: Finding) -> None:
    if not rules.can_see(actor, finding):
        raise not_found(_("Finding"))


def _require_reviewer(actor, finding: Finding) -> None:
    _require_visible(actor, finding)
    if not rules.can_review(actor, finding):
        raise _forbidden(_("Only auditors and administrators of the finding's organization may do this."))


def _require_rectifier(actor, finding: Finding) -> None:
    _require_visible(actor, finding)
    if not rules.can_rectify(actor, finding):
        raise _forbidden(_("Only organizers and administrators of the finding's organization record its rectification."))


def _require_not_closed(finding: Finding) -> None:
    if finding.status == Finding.Status.CLOSED:
        raise ApplicationError("finding_closed", _("The finding is closed; reopen it first."), status_code=409)


def _require_measures_open(finding: Finding) -> None:
    if not rules.measures_open(finding):
        raise ApplicationError(
            "finding_locked",
            _("The finding is “%(status)s”: its measures cannot change now.") % {"status": finding.get_status_display()},
            status_code=409,
        )


def _comment(value) -> str:
    return _text(value, field="comment", label=_("comment"), max_length=MAX_COMMENT, required=False)


# --- findings -----------------------------------------------------------------------------------


def _finding_fields(*, title, description, category) -> dict:
    if category not in Finding.Category.values:
        raise _invalid("category", _("Choose one of the listed categories."))
    return {
        "title": _text(title, field="title", label=_("title"), max_length=200),
        "description": _text(description, field="description", label=_("problem description"), max_length=5000),
        "category": category,
    }


@transaction.atomic
def finding_file(*, actor, organization, title: str, description: str, due_on: date,
                 category: str = Finding.Category.OTHER, training_class=None) -> Finding:
    """An auditor (or administrator) files a finding against an organization in their scope,
    optionally about one of its classes."""
    if not scope.in_scope(actor, organization, rules.REVIEWER_ROLES):
        raise _invalid("organization", _("Choose an organization you audit: only auditors and administrators of it (or of "
                                         "an organization above it) may file a finding against it."), code="not_in_scope")
    fields = _finding_fields(title=title, description=description, category=category)
    if training_class is not None and not training_class.organization.path.startswith(organization.path):
        raise _invalid("training_class", _("The class is not hosted by this organization or one under it."),
                       code="class_outside_organization")
    finding = Finding(organization=organization, training_class=training_class, due_on=_due_on(due_on), filed_by=actor, **fields)
    _save(finding, actor, "file")
    return finding


@transaction.atomic
def finding_update(*, actor, finding: Finding, title: str, description: str, category: str, due_on: date,
                   comment: str = "") -> Finding:
    """A reviewer corrects the finding or moves its due date (the comment says why)."""
    locked = _lock(finding)
    _require_reviewer(actor, locked)
    _require_not_closed(locked)
    fields = _finding_fields(title=title, description=description, category=category)
    locked.due_on = _due_on(due_on, previous=locked.due_on)
    for name, value in fields.items():
        setattr(locked, name, value)
    _save(locked, actor, _reason("edit", _comment(comment)))
    return locked


@transaction.atomic
def finding_transition(*, actor, finding: Finding, action: str, comment: str = "") -> Finding:
    """Apply one of rules.TRANSITIONS. Refused (with the reason) when the status does not allow it,
    the user's roles do not, or a submission has unfinished measures."""
    rule = rules.TRANSITIONS.get(action)
    if rule is None:
        raise _invalid("action", _("Unknown action “%(action)s”.") % {"action": action})
    locked = _lock(finding)
    _require_visible(actor, locked)
    if not scope.in_scope(actor, locked.organization, rule.roles):
        if rule.roles == rules.REVIEWER_ROLES:
            raise _forbidden(_("Only auditors and administrators of the finding's organization may do this."))
        raise _forbidden(_("Only organizers and administrators of the finding's organization record its rectification."))
    if locked.status not in rule.sources:
        raise ApplicationError(
            "transition_not_allowed",
            _("“%(action)s” is not possible while the finding is “%(status)s”.") % {
                "action": rule.label, "status": locked.get_status_display()},
            status_code=409,
        )
    comment = _comment(comment)
    if rule.comment_required and not comment:
        raise _invalid("comment", _("Say why in the comment."), code="comment_required")
    if action == "submit":
        counts = [m.done_at is not None for m in locked.measures.all()]
        if not counts:
            raise _invalid("measures", _("Record at least one measure before submitting the rectification for review."),
                           code="no_measures")
        if not all(counts):
            raise _invalid("measures", _("%(n)d of %(total)d measures are not done yet; mark them done before submitting.") % {
                "n": counts.count(False), "total": len(counts)}, code="measures_not_done")
    locked.status = rule.target
    locked.closed_at = timezone.now() if rule.target == Finding.Status.CLOSED else None
    _save(locked, actor, _reason(action, comment), update_fields=["status", "closed_at", "updated_at"])
    return locked


# --- measures -----------------------------------------------------------------------------------


def _responsible(*, finding: Finding, responsible_name: str, responsible_unit: str, responsible_user) -> dict:
    if responsible_user is not None:
        org = responsible_user.organization
        if org is None or not org.path.startswith(finding.organization.path):
            raise _invalid("responsible_user", _("The responsible person must belong to the finding's organization or one under it."))
        responsible_name = responsible_name or responsible_user.display_name
        responsible_unit = responsible_unit or org.name
    return {
        "responsible_name": _text(responsible_name, field="responsible_name", label=_("responsible person"), max_length=50),
        "responsible_unit": _text(responsible_unit, field="responsible_unit", label=_("responsible unit"), max_length=100, required=False),
        "responsible_user": responsible_user,
    }


@transaction.atomic
def measure_create(*, actor, finding: Finding, text: str, responsible_name: str, due_on: date,
                   responsible_unit: str = "", responsible_user=None) -> Measure:
    locked = _lock(finding)
    _require_rectifier(actor, locked)
    _require_measures_open(locked)
    measure = Measure(
        finding=locked, text=_text(text, field="text", label=_("measure"), max_length=2000), due_on=_due_on(due_on), created_by=actor,
        **_responsible(finding=locked, responsible_name=responsible_name, responsible_unit=responsible_unit,
                       responsible_user=responsible_user),
    )
    _save(measure, actor, "measure_add")
    return measure


@transaction.atomic
def measure_update(*, actor, measure: Measure, text: str, responsible_name: str, due_on: date, done: bool,
                   responsible_unit: str = "", responsible_user=None) -> Measure:
    locked = _lock(measure.finding)
    _require_rectifier(actor, locked)
    _require_measures_open(locked)
    measure = Measure.objects.get(pk=measure.pk, finding=locked)
    measure.text = _text(text, field="text", label=_("measure"), max_length=2000)
    measure.due_on = _due_on(due_on, previous=measure.due_on)
    for name, value in _responsible(finding=locked, responsible_name=responsible_name, responsible_unit=responsible_unit,
                                    responsible_user=responsible_user).items():
        setattr(measure, name, value)
    was_done = measure.done_at is not None
    if done != was_done:
        measure.done_at = timezone.now() if done else None
    action = "measure_edit" if done == was_done else ("measure_done" if done else "measure_undone")
    _save(measure, actor, action)
    return measure


@transaction.atomic
def measure_set_done(*, actor, measure: Measure, done: bool = True) -> Measure:
    """Mark a measure done (now) or not done again."""
    locked = _lock(measure.finding)
    _require_rectifier(actor, locked)
    _require_measures_open(locked)
    measure = Measure.objects.get(pk=measure.pk, finding=locked)
    if (measure.done_at is not None) != done:
        measure.done_at = timezone.now() if done else None
        _save(measure, actor, "measure_done" if done else "measure_undone", update_fields=["done_at"])
    return measure


@transaction.atomic
def measure_delete(*, actor, measure: Measure) -> None:
    """Remove a measure; its evidence files stay, attached to the finding."""
    locked = _lock(measure.finding)
    _require_rectifier(actor, locked)
    _require_measures_open(locked)
    measure = Measure.objects.get(pk=measure.pk, finding=locked)
    for evidence in EvidenceFile.objects.filter(measure=measure):  # files stay, on the finding
        evidence.measure = None
        _save(evidence, actor, "evidence_detach", update_fields=["measure"])
    measure._history_user = actor
    measure._change_reason = "measure_remove"
    measure.delete()


# --- responsibilities ---------------------------------------------------------------------------


@transaction.atomic
def responsibility_create(*, actor, finding: Finding, person_name: str, role: str, unit: str = "", user=None) -> Responsibility:
    """Record who answers for the finding. Any staff member who sees the finding may, until it is closed."""
    locked = _lock(finding)
    _require_visible(actor, locked)
    _require_not_closed(locked)
    if user is not None:
        if user.organization is None or not user.organization.path.startswith(locked.organization.path):
            raise _invalid("user", _("The person must belong to the finding's organization or one under it."))
        person_name = person_name or user.display_name
        unit = unit or user.organization.name
    responsibility = Responsibility(
        finding=locked, user=user, created_by=actor,
        person_name=_text(person_name, field="person_name", label=_("person"), max_length=50),
        unit=_text(unit, field="unit", label=_("unit"), max_length=100, required=False),
        role=_text(role, field="role", label=_("responsibility"), max_length=100),
    )
    _save(responsibility, actor, "responsibility_add")
    return responsibility


@transaction.atomic
def responsibility_delete(*, actor, responsibility: Responsibility) -> None:
    locked = _lock(responsibility.finding)
    _require_visible(actor, locked)
    _require_not_closed(locked)
    responsibility = Responsibility.objects.get(pk=responsibility.pk, finding=locked)
    responsibility._history_user = actor
    responsibility._change_reason = "responsibility_remove"
    responsibility.delete()


# --- evidence -----------------------------------------------------------------------------------


def _check_evidence(upload) -> tuple[str, str, str]:
    """(file name, extension, content type) of an acceptable upload; else an ApplicationError on `file`."""
    if upload is None:
        raise _invalid("file", _("Choose a file to upload."), code="required")
    name = os.path.basename((upload.name or "").replace("\\", "/")).strip()[:255] or "file"
    extension = os.path.splitext(name)[1].lower()
    if extension not in EVIDENCE_TYPES:
        raise _invalid("file", _("“%(name)s” cannot be attached: evidence files must be PDF, JPG, PNG, DOCX or XLSX.") % {"name": name},
                       code="file_type_not_allowed")
    size = upload.size or 0
    if size == 0:
        raise _invalid("file", _("“%(name)s” is empty.") % {"name": name}, code="file_empty")
    if size > MAX_EVIDENCE_BYTES:
        raise _invalid("file", _("“%(name)s” is %(size).1f MB; an evidence file may be at most %(max)d MB.") % {
            "name": name, "size": size / (1024 * 1024), "max": MAX_EVIDENCE_BYTES // (1024 * 1024)}, code="file_too_large")
    content_type, magics = EVIDENCE_TYPES[extension]
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    matches = any(head.startswith(magic) for magic in magics)
    if matches and extension in OFFICE_PARTS:
        try:
            with zipfile.ZipFile(upload) as archive:
                matches = OFFICE_PARTS[extension] in archive.namelist()
        except zipfile.BadZipFile:
            matches = False
        upload.seek(0)
    if not matches:
        raise _invalid("file", _("“%(name)s” is not a real %(kind)s file (its content does not match its name).") % {
            "name": name, "kind": extension[1:].upper()}, code="file_content_mismatch")
    return name, extension, content_type


@transaction.atomic
def evidence_upload(*, actor, finding: Finding, file, measure: Measure | None = None) -> EvidenceFile:
    """Attach a file (at most 20 MB; PDF, JPG, PNG, DOCX or XLSX, checked by content) to the finding
    or one of its measures."""
    locked = _lock(finding)
    _require_visible(actor, locked)
    _require_not_closed(locked)
    if measure is not None and measure.finding_id != locked.pk:
        raise _invalid("measure", _("The measure belongs to another finding."))
    name, extension, content_type = _check_evidence(file)
    evidence = EvidenceFile(finding=locked, measure=measure, name=name, size=file.size, content_type=content_type,
                            uploaded_by=actor)
    evidence.file.save(f"{secrets.token_hex(16)}{extension}", file, save=False)
    _save(evidence, actor, "evidence_add")
    return evidence


@transaction.atomic
def evidence_delete(*, actor, evidence: EvidenceFile) -> None:
    """Remove a file from the ledger (its uploader or a reviewer). The stored file is kept: the
    history still names it."""
    locked = _lock(evidence.finding)
    _require_visible(actor, locked)
    _require_not_closed(locked)
    if evidence.uploaded_by_id != actor.pk and not rules.can_review(actor, locked):
        raise _forbidden(_("Only the person who uploaded a file, or an auditor, may remove it."))
    evidence._history_user = actor
    evidence._change_reason = "evidence_remove"
    evidence.delete()
