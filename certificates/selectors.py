"""Every read of the certificates app, with the caller's scope applied, and the permission checks.

Staff see certificates of classes hosted in their subtree (organizers and administrators may
issue and revoke them); a trainee sees their own. Templates belong to an organization and serve
its subtree. Nothing else is reachable but through the public verification page, which shows only
what `verification` returns.
"""
from django.utils import timezone
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from accounts import scope
from accounts.models import Organization
from backend.errors import ApplicationError, not_found

from .models import Certificate, CertificateTemplate, IssueRun, IssuingCriteria, Transcript


def _forbidden():
    return ApplicationError("forbidden", _("You may not do this here."), status_code=403)


def require_template_manager(user, organization) -> None:
    if not scope.in_scope(user, organization, scope.MANAGER_ROLES):
        raise _forbidden()


def require_class_manager(user, training_class) -> None:
    if not scope.in_scope(user, training_class.organization, scope.MANAGER_ROLES):
        raise _forbidden()


def require_person_staff(user, person) -> None:
    """Transcripts for someone else: organizers and administrators of that person's organization."""
    if not scope.in_scope(user, person.organization, scope.MANAGER_ROLES):
        raise not_found(_("Trainee"))


def exam_usable(user, exam) -> bool:
    from exams.access import can_manage_exam

    return can_manage_exam(user, exam)


def template_list(*, user) -> QuerySet[CertificateTemplate]:
    """Templates of organizations in the user's staff scope."""
    return scope.scope_filter(CertificateTemplate.objects.select_related("organization"), user, scope.STAFF_ROLES).order_by("organization__path", "name", "pk")


def template_for_user(*, user, pk) -> CertificateTemplate | None:
    return template_list(user=user).filter(pk=pk).first()


def templates_for_class(*, training_class) -> QuerySet[CertificateTemplate]:
    """Templates a class may use: of its host or an organization above it, not archived."""
    path, step = training_class.organization.path, Organization.steplen
    ancestors = [path[:end] for end in range(step, len(path) + 1, step)]
    return CertificateTemplate.objects.filter(organization__path__in=ancestors, archived=False).select_related("organization").order_by("name")


def certificate_list(*, user) -> QuerySet[Certificate]:
    """Certificates the user may see: those of classes hosted in their staff scope, and their own."""
    staff = scope.scope_q(user, scope.STAFF_ROLES, field="training_class__organization")
    return (
        Certificate.objects.filter(staff | Q(user=user))
        .select_related("training_class", "organization", "replaced_by")
        .order_by("-issued_at", "-pk")
    )


def certificate_for_user(*, user, pk) -> Certificate | None:
    return certificate_list(user=user).filter(pk=pk).first()


def class_certificates(*, training_class) -> QuerySet[Certificate]:
    return Certificate.objects.filter(training_class=training_class).select_related("user", "replaced_by").order_by("serial")


def my_certificates(*, user) -> QuerySet[Certificate]:
    return Certificate.objects.filter(user=user).select_related("training_class", "replaced_by").order_by("-issued_at", "-pk")


def transcript_list(*, user) -> QuerySet[Transcript]:
    staff = scope.scope_q(user, scope.STAFF_ROLES, field="user__organization")
    return Transcript.objects.filter(staff | Q(user=user)).select_related("user").order_by("-issued_at", "-pk")


def transcript_for_user(*, user, pk) -> Transcript | None:
    return transcript_list(user=user).filter(pk=pk).first()


def criteria_for_class(*, training_class) -> IssuingCriteria | None:
    return IssuingCriteria.objects.filter(training_class=training_class).select_related("template__organization", "exam").first()


def latest_run(*, training_class) -> IssueRun | None:
    return IssueRun.objects.filter(training_class=training_class).order_by("-requested_at", "-pk").first()


def transcript_rows(*, user, year: int) -> list[dict]:
    """The closed classes of `year` the user was enrolled in, each with the hours attended and the
    hours of attended sessions tagged with a topic (hundredths of a 课时, summed in the database)."""
    from courses.models import ATTENDED, Attendance, ClassSession, Enrollment, TrainingClass

    enrollments = (
        Enrollment.objects.filter(user=user, status=Enrollment.Status.ENROLLED, training_class__year=year,
                                  training_class__status=TrainingClass.Status.CLOSED)
        .select_related("training_class__organization").order_by("training_class__starts_on", "training_class_id")
    )
    tagged = ClassSession.topics.through.objects.filter(classsession_id=OuterRef("session_id"))
    hours = {
        row["enrollment_id"]: row
        for row in Attendance.objects.filter(enrollment__in=enrollments.values("pk"), status__in=ATTENDED)
        .annotate(tagged=Exists(tagged)).values("enrollment_id")
        .annotate(attended=Sum("session__centi_hours"), topic=Sum("session__centi_hours", filter=Q(tagged=True)))
    }
    rows = []
    for enrollment in enrollments:
        measured = hours.get(enrollment.pk, {})
        attended = measured.get("attended") or 0
        if not attended:
            continue
        training_class = enrollment.training_class
        rows.append({
            "title": training_class.title, "host": training_class.organization.name,
            "starts_on": training_class.starts_on.isoformat(), "ends_on": training_class.ends_on.isoformat(),
            "attended": attended, "topic": measured.get("topic") or 0,
        })
    return rows


def mask_name(name: str) -> str:
    """欧阳明 → 欧*明, 李明 → 李*, 欧阳小明 → 欧**明: enough to recognise, not to read."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def verification(*, code: str) -> dict | None:
    """What the public verification page and API may show for a code, and nothing more."""
    from .services import date_text
    from .rendering import format_centi_hours

    certificate = Certificate.objects.select_related("replaced_by").filter(code=code).first()
    if certificate is not None:
        return {
            "kind": "certificate", "status": certificate.status, "replaced": certificate.replaced_by_id is not None,
            "serial": certificate.serial, "name": mask_name(certificate.name), "title": certificate.class_title,
            "hours": format_centi_hours(certificate.centi_hours), "date": date_text(timezone.localdate(certificate.issued_at)),
            "issuer": certificate.issuer, "dates": f"{date_text(certificate.starts_on)} – {date_text(certificate.ends_on)}",
        }
    transcript = Transcript.objects.filter(code=code).first()
    if transcript is not None:
        return {
            "kind": "transcript", "status": transcript.status, "replaced": False, "serial": transcript.serial,
            "name": mask_name(transcript.name), "title": _("Hour transcript %(year)d") % {"year": transcript.year},
            "hours": format_centi_hours(transcript.attended_centi_hours), "date": date_text(timezone.localdate(transcript.issued_at)),
            "issuer": transcript.issuer, "dates": str(transcript.year),
        }
    return None
