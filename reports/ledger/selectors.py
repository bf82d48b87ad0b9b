"""Every read of the rectification ledger, with the caller's scope applied.

Findings are seen by the staff (organizers, auditors, administrators) whose scope covers the
finding's organization; anything else does not exist for them (404), in lists, counts, files and
exports alike. Overdue is decided in the database: due before today (local date) and not closed.
"""
import datetime
from dataclasses import dataclass

from django.db.models import BooleanField, Case, Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import scope
from accounts.models import Organization

from ..findings import EvidenceFile, Finding, Measure, Responsibility
from . import rules
from .exports import FindingRow, Ledger, MeasureRow, ResponsibilityRow


def _int_subquery(queryset, field: str):
    return Coalesce(Subquery(queryset.values(field)[:1], output_field=IntegerField()), Value(0))


def _overdue(today: datetime.date) -> Case:
    return Case(
        When(Q(due_on__lt=today) & ~Q(status=Finding.Status.CLOSED), then=Value(True)),
        default=Value(False), output_field=BooleanField(),
    )


# --- findings -----------------------------------------------------------------------------------


def finding_list(*, user) -> QuerySet[Finding]:
    """Findings the user may see, newest first, each with `measure_count`, `measures_done` and
    `is_overdue`."""
    today = timezone.localdate()
    measures = Measure.objects.filter(finding=OuterRef("pk")).order_by().values("finding")
    return (
        scope.scope_filter(Finding.objects.all(), user, rules.VIEWER_ROLES)
        .select_related("organization", "training_class", "filed_by")
        .annotate(
            measure_count=_int_subquery(measures.annotate(n=Count("id")), "n"),
            measures_done=_int_subquery(measures.filter(done_at__isnull=False).annotate(n=Count("id")), "n"),
            is_overdue=_overdue(today),
        )
        .order_by("-filed_at", "-pk")
    )


def finding_search(queryset: QuerySet[Finding], *, status: str | None = None, organization: Organization | None = None,
                   overdue: bool | None = None, category: str | None = None, training_class: int | None = None,
                   q: str = "") -> QuerySet[Finding]:
    """Narrow a finding_list: by status, an organization's subtree, overdue or not, category, class,
    words in the title or the problem."""
    if status:
        queryset = queryset.filter(status=status)
    if organization is not None:
        queryset = queryset.filter(organization__path__startswith=organization.path)
    if overdue is not None:
        queryset = queryset.filter(is_overdue=overdue)
    if category:
        queryset = queryset.filter(category=category)
    if training_class:
        queryset = queryset.filter(training_class_id=training_class)
    for word in (q or "").split()[:5]:
        queryset = queryset.filter(Q(title__icontains=word) | Q(description__icontains=word))
    return queryset


def finding_for_user(*, user, pk) -> Finding | None:
    return finding_list(user=user).filter(pk=pk).first()


def organizations_for_filter(*, user) -> QuerySet[Organization]:
    return scope.organizations_in_scope(user, rules.VIEWER_ROLES).order_by("path")


def organization_for_filter(*, user, pk) -> Organization | None:
    if not pk:
        return None
    return organizations_for_filter(user=user).filter(pk=pk).first()


def organizations_for_filing(*, user) -> QuerySet[Organization]:
    """Organizations the user may file findings against (as an auditor or administrator)."""
    return scope.organizations_in_scope(user, rules.REVIEWER_ROLES).order_by("path")


def can_file(user) -> bool:
    return scope.has_any_role(user, rules.REVIEWER_ROLES)


# --- a finding's parts --------------------------------------------------------------------------


def measure_list(*, finding: Finding) -> QuerySet[Measure]:
    """The finding's measures, each with `is_overdue` (due before today, not done, finding open)
    and its evidence files."""
    today = timezone.localdate()
    closed = finding.status == Finding.Status.CLOSED
    overdue = Value(False) if closed else Case(
        When(Q(due_on__lt=today) & Q(done_at__isnull=True), then=Value(True)), default=Value(False), output_field=BooleanField(),
    )
    return (
        Measure.objects.filter(finding=finding)
        .select_related("responsible_user")
        .prefetch_related(Prefetch("evidence", queryset=EvidenceFile.objects.select_related("uploaded_by").order_by("uploaded_at", "pk")))
        .annotate(is_overdue=overdue)
        .order_by("due_on", "pk")
    )


def measure_of(*, finding: Finding, pk) -> Measure | None:
    return Measure.objects.filter(finding=finding, pk=pk).select_related("finding__organization").first()


def responsibility_list(*, finding: Finding) -> QuerySet[Responsibility]:
    return Responsibility.objects.filter(finding=finding).select_related("user").order_by("pk")


def responsibility_of(*, finding: Finding, pk) -> Responsibility | None:
    return Responsibility.objects.filter(finding=finding, pk=pk).select_related("finding__organization").first()


def evidence_list(*, finding: Finding) -> QuerySet[EvidenceFile]:
    return EvidenceFile.objects.filter(finding=finding).select_related("uploaded_by", "measure").order_by("uploaded_at", "pk")


def evidence_of(*, finding: Finding, pk) -> EvidenceFile | None:
    return EvidenceFile.objects.filter(finding=finding, pk=pk).select_related("finding__organization").first()


def evidence_for_user(*, user, pk) -> EvidenceFile | None:
    """An evidence file of a finding in the user's scope (None otherwise: a 404 for the caller)."""
    visible = scope.scope_q(user, rules.VIEWER_ROLES, field="finding__organization")
    return EvidenceFile.objects.filter(visible, pk=pk).select_related("finding__organization").first()


# --- the timeline -------------------------------------------------------------------------------

EVENT_LABELS = {
    "file": gettext_lazy("Filed"),
    "edit": gettext_lazy("Finding edited"),
    "start": gettext_lazy("Rectification started"),
    "submit": gettext_lazy("Submitted for review"),
    "close": gettext_lazy("Accepted and closed"),
    "send_back": gettext_lazy("Sent back for more rectification"),
    "reopen": gettext_lazy("Reopened"),
    "measure_add": gettext_lazy("Measure added"),
    "measure_edit": gettext_lazy("Measure changed"),
    "measure_done": gettext_lazy("Measure done"),
    "measure_undone": gettext_lazy("Measure no longer done"),
    "measure_remove": gettext_lazy("Measure removed"),
    "responsibility_add": gettext_lazy("Responsible person added"),
    "responsibility_remove": gettext_lazy("Responsible person removed"),
    "evidence_add": gettext_lazy("Evidence uploaded"),
    "evidence_remove": gettext_lazy("Evidence removed"),
    "evidence_detach": gettext_lazy("Evidence kept on the finding (its measure was removed)"),
}
_FALLBACK = {"+": gettext_lazy("Created"), "~": gettext_lazy("Changed"), "-": gettext_lazy("Deleted")}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    user: object  # the User, or None
    event: str  # an EVENT_LABELS key (or "+", "~", "-" for a change made elsewhere, e.g. the admin)
    label: str
    detail: str
    comment: str
    status: str  # the finding's status after the change ("" for its parts)
    order: int = 0  # the history row's id: orders changes of one table made in the same instant


def _entry(row, detail: str, status: str = "") -> TimelineEntry:
    event, _sep, comment = (row.history_change_reason or "").partition(": ")
    if event not in EVENT_LABELS:
        event, comment = row.history_type, row.history_change_reason or ""
        label = _FALLBACK.get(event, event)
    else:
        label = EVENT_LABELS[event]
    return TimelineEntry(row.history_date, row.history_user, event, str(label), detail, comment, status, row.history_id)


def finding_timeline(*, finding: Finding) -> list[TimelineEntry]:
    """Every change to the finding and its measures, responsible people and files, newest first,
    with who made it and why (one query per history table)."""
    labels = dict(Finding.Status.choices)
    entries = [
        _entry(row, str(labels.get(row.status, row.status)), row.status)
        for row in Finding.history.filter(id=finding.pk).select_related("history_user")
    ]
    entries += [_entry(row, row.text) for row in Measure.history.filter(finding_id=finding.pk).select_related("history_user")]
    entries += [
        _entry(row, " · ".join(v for v in (row.person_name, row.unit, row.role) if v))
        for row in Responsibility.history.filter(finding_id=finding.pk).select_related("history_user")
    ]
    entries += [_entry(row, row.name) for row in EvidenceFile.history.filter(finding_id=finding.pk).select_related("history_user")]
    return sorted(entries, key=lambda e: (e.at, e.order), reverse=True)


# --- prefilling a finding from a class that falls short ----------------------------------------


def finding_draft_for_class(*, training_class) -> dict:
    """The organization, title, category and a drafted problem description for a finding about
    `training_class`, from the shortfalls courses.training.compliance finds (the same rule text the
    class's page shows)."""
    from courses.models import ComplianceRule
    from courses.training import compliance

    short = [s for s in compliance.class_compliance(training_class) if s.state == compliance.SHORT]
    category_by_metric = {
        ComplianceRule.Metric.TOPIC_HOUR_RATIO: Finding.Category.TOPIC_HOURS,
        ComplianceRule.Metric.TOPIC_SESSIONS_PER_YEAR: Finding.Category.STUDY_SESSIONS,
        ComplianceRule.Metric.ROSTER_COVERAGE: Finding.Category.COVERAGE,
    }
    c = training_class
    lines = [_("%(class)s (%(kind)s, %(start)s – %(end)s, hosted by %(host)s):") % {
        "class": c.title, "kind": c.get_kind_display(), "start": c.starts_on.isoformat(), "end": c.ends_on.isoformat(),
        "host": c.organization.name,
    }]
    if short:
        lines += [_("%(n)d. %(rule)s: %(measured)s. %(message)s") % {"n": n, "rule": s.rule.name, "measured": s.measured, "message": s.message}
                  for n, s in enumerate(short, start=1)]
        title = _("%(class)s falls short of: %(rules)s") % {"class": c.title, "rules": "; ".join(s.rule.name for s in short)}
    else:
        lines.append(_("No compliance rule is falling short at the moment."))
        title = c.title
    return {
        "organization": c.organization,
        "training_class": c,
        "title": title[:200],
        "description": "\n".join(lines),
        "category": category_by_metric.get(short[0].rule.metric, Finding.Category.OTHER) if short else Finding.Category.OTHER,
        "shortfalls": short,
    }


# --- the export -------------------------------------------------------------------------------


def scope_text(*, user, organization: Organization | None = None) -> str:
    """The organizations an export covers, for its header."""
    if organization is not None:
        return _("%(names)s and the units under it") % {"names": organization.name}
    paths = scope.scope_paths(user, rules.VIEWER_ROLES)
    if paths is None:
        return _("All organizations")
    names = list(Organization.objects.filter(path__in=paths).order_by("path").values_list("name", flat=True))
    if not names:
        return _("None")
    return _("%(names)s and the units under them") % {"names": "、".join(names)}


def _local_date(value: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(value).date() if value else None


def ledger_for_export(*, user, findings: QuerySet[Finding], scope: str, filters: str = "") -> Ledger:
    """The three lists of the ledger (problems, measures, responsibilities) as plain rows, in three
    queries whatever their length. A measure's responsible person is listed among the
    responsibilities too, unless the same person and unit are already listed for that finding."""
    today = timezone.localdate()
    findings = findings.prefetch_related(
        Prefetch("measures", queryset=Measure.objects.order_by("due_on", "pk")),
        Prefetch("responsibilities", queryset=Responsibility.objects.order_by("pk")),
    )
    finding_rows, measure_rows, responsibility_rows = [], [], []
    for number, f in enumerate(findings, start=1):
        measures = list(f.measures.all())
        closed = f.status == Finding.Status.CLOSED
        finding_rows.append(FindingRow(
            number=number, organization=f.organization.name, title=f.title, description=f.description,
            category=f.get_category_display(), training_class=f.training_class.title if f.training_class else "",
            filed_by=str(f.filed_by), filed_on=_local_date(f.filed_at), due_on=f.due_on, status=f.get_status_display(),
            overdue=bool(f.is_overdue), measures=len(measures), measures_done=sum(m.done_at is not None for m in measures),
            closed_on=_local_date(f.closed_at),
        ))
        listed = set()
        for r in f.responsibilities.all():
            listed.add((r.person_name, r.unit))
            responsibility_rows.append(ResponsibilityRow(
                finding_number=number, finding_title=f.title, organization=f.organization.name, person_name=r.person_name,
                unit=r.unit, role=r.role, source=""))
        for m in measures:
            measure_rows.append(MeasureRow(
                finding_number=number, finding_title=f.title, organization=f.organization.name, text=m.text,
                responsible_name=m.responsible_name, responsible_unit=m.responsible_unit, due_on=m.due_on,
                done_on=_local_date(m.done_at), overdue=not closed and m.done_at is None and m.due_on < today))
            if (m.responsible_name, m.responsible_unit) not in listed:
                listed.add((m.responsible_name, m.responsible_unit))
                responsibility_rows.append(ResponsibilityRow(
                    finding_number=number, finding_title=f.title, organization=f.organization.name,
                    person_name=m.responsible_name, unit=m.responsible_unit, role=_("Responsible for a measure"),
                    source=m.text))
    return Ledger(
        scope=scope, filters=filters, produced_at=timezone.localtime(), produced_by=str(user),
        findings=tuple(finding_rows), measures=tuple(measure_rows), responsibilities=tuple(responsibility_rows),
    )
