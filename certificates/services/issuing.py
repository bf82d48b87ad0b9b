"""Issuing certificates, rendering their PDFs, revoking and reissuing them.

Issuing is two steps. The first, in one transaction with the class row locked, decides who
qualifies, leaves out anyone who already has a certificate of the class (ever: a revoked one is
reissued by hand) and hands out serial numbers from the counter row, locked too; so two workers
issuing for one class at once make no duplicate and leave no gap. The second renders the PDFs in
chunks both worker processes take, outside that transaction; a certificate whose PDF is missing is
rendered again by the next run.
"""
import hashlib
import secrets

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.errors import ApplicationError

from .. import rendering, selectors
from ..models import Certificate, IssueRun, IssuingCriteria, SerialCounter
from .common import _allocate, _invalid, _seal_bytes, date_text, fill, new_code, serial_text, verify_url

@transaction.atomic
def issue_request(*, actor, training_class) -> IssueRun:
    """Queue the issuing of a class's certificates; the page follows the run's progress."""
    selectors.require_class_manager(actor, training_class)
    if not IssuingCriteria.objects.filter(training_class=training_class).exists():
        raise ApplicationError("no_criteria", _("Choose the class's certificate template first."))
    if training_class.status != training_class.Status.CLOSED:
        raise ApplicationError("status_invalid", _("Certificates are issued once the class is closed and completion is decided."))
    run = IssueRun.objects.create(training_class=training_class, requested_by=actor)
    from ..tasks import certificates_issue_task

    transaction.on_commit(lambda: certificates_issue_task.delay(run.pk))
    return run


def class_closed(*, training_class) -> IssueRun | None:
    """Called by the class's closing (in its transaction): issue when the criteria say so."""
    criteria = IssuingCriteria.objects.filter(training_class=training_class).first()
    if criteria is None or not criteria.issue_on_close:
        return None
    run = IssueRun.objects.create(training_class=training_class, requested_by=training_class.closed_by)
    from ..tasks import certificates_issue_task

    transaction.on_commit(lambda: certificates_issue_task.delay(run.pk))
    return run


def _qualified(training_class, criteria: IssuingCriteria) -> tuple[list, list[dict]]:
    """(enrollments that qualify, problems) for trainees without a certificate of the class yet."""
    from courses.models import Enrollment

    from exams.results import exam_outcomes

    had = set(Certificate.objects.filter(training_class=training_class).values_list("user_id", flat=True))
    enrollments = [
        e for e in Enrollment.objects.filter(training_class=training_class, status=Enrollment.Status.ENROLLED, completed=True)
        .select_related("user").order_by("pk") if e.user_id not in had
    ]
    problems, scores = [], {}
    if criteria.exam_id:
        outcomes = exam_outcomes(exam_id=criteria.exam_id, user_ids=[e.user_id for e in enrollments])
        passed = []
        for enrollment in enrollments:
            attempt = outcomes.get(enrollment.user_id)
            if attempt is None or not attempt.passed:
                problems.append({"user": enrollment.user_id, "name": enrollment.user.display_name, "reason": _("has not passed the exam")})
            else:
                scores[enrollment.user_id] = attempt.score
                passed.append(enrollment)
        enrollments = passed
    drawable = []
    for enrollment in enrollments:
        missing = rendering.missing_glyphs(enrollment.user.display_name)
        if missing:
            problems.append({"user": enrollment.user_id, "name": enrollment.user.display_name,
                             "reason": _("the certificate font cannot draw %(chars)s in the name") % {"chars": " ".join(missing)}})
        else:
            enrollment.exam_score = scores.get(enrollment.user_id)
            drawable.append(enrollment)
    return drawable, problems


def certificates_issue(*, run_id: int) -> IssueRun:
    """The Celery task's work: issue what the class owes, then render what has no PDF yet."""
    from courses.models import TrainingClass

    run = IssueRun.objects.select_related("training_class").get(pk=run_id)
    IssueRun.objects.filter(pk=run.pk).update(status=IssueRun.Status.RUNNING)
    with transaction.atomic():
        training_class = TrainingClass.objects.select_for_update().select_related("organization").get(pk=run.training_class_id)
        criteria = IssuingCriteria.objects.select_related("template").filter(training_class=training_class).first()
        if criteria is None or training_class.status != TrainingClass.Status.CLOSED:
            reason = _("The class has no certificate template.") if criteria is None else _("The class is not closed.")
            IssueRun.objects.filter(pk=run.pk).update(status=IssueRun.Status.FAILED, finished_at=timezone.now(), problems=[{"reason": reason}])
            run.refresh_from_db()
            return run
        enrollments, problems = _qualified(training_class, criteria)
        now = timezone.now()
        year = timezone.localdate(now).year
        organization = training_class.organization
        first = _allocate(organization, year, SerialCounter.Kind.CERTIFICATE, len(enrollments)) if enrollments else 0
        Certificate.objects.bulk_create([
            Certificate(
                organization=organization, user=e.user, serial=serial_text(organization, year, first + i), code=new_code(),
                name=e.user.display_name, issuer=criteria.template.issuer_line, issued_at=now, issued_by=run.requested_by,
                training_class=training_class, template=criteria.template, class_title=training_class.title,
                starts_on=training_class.starts_on, ends_on=training_class.ends_on,
                centi_hours=e.attended_centi_hours or 0, score=e.exam_score,
            )
            for i, e in enumerate(enrollments)
        ])
        pending = list(Certificate.objects.filter(training_class=training_class, pdf="").order_by("pk").values_list("pk", flat=True))
        IssueRun.objects.filter(pk=run.pk).update(total=len(pending), problems=problems)
    if not pending:
        IssueRun.objects.filter(pk=run.pk).update(status=IssueRun.Status.DONE, finished_at=timezone.now())
    else:
        # Rendering is shared out in chunks, so every worker process renders (one task would keep one busy).
        from ..tasks import certificates_render_task

        for start in range(0, len(pending), RENDER_CHUNK):
            certificates_render_task.delay(run.pk, pending[start:start + RENDER_CHUNK])
    run.refresh_from_db()
    return run


RENDER_CHUNK = 100


def certificates_render(*, run_id: int, certificate_ids: list[int]) -> int:
    """Render a chunk of a run's certificates; the run is done when every chunk has reported.
    A certificate another worker holds, or one rendered already, counts as handled."""
    rendered = 0
    for start in range(0, len(certificate_ids), 20):
        part = certificate_ids[start:start + 20]
        rendered += certificates_render_batch(certificate_ids=part)
        IssueRun.objects.filter(pk=run_id).update(done=F("done") + len(part))  # progress for the page
    IssueRun.objects.filter(pk=run_id, status=IssueRun.Status.RUNNING, done__gte=F("total")).update(
        status=IssueRun.Status.DONE, finished_at=timezone.now())
    return rendered


def _certificate_document(certificate: Certificate, seal: bytes | None) -> rendering.CertificateDocument:
    template = certificate.template
    issued_on = timezone.localdate(certificate.issued_at)
    values = {
        "name": certificate.name, "class": certificate.class_title, "starts_on": date_text(certificate.starts_on),
        "ends_on": date_text(certificate.ends_on), "hours": rendering.format_centi_hours(certificate.centi_hours),
        "score": rendering.format_centi_hours(certificate.score) if certificate.score is not None else "",
        "issuer": certificate.issuer, "date": date_text(issued_on),
    }
    return rendering.CertificateDocument(
        title=template.title, body=fill(template.body, values), issuer_line=certificate.issuer, issued_on=issued_on,
        serial=certificate.serial, verify_url=verify_url(certificate.code), landscape=template.landscape,
        seal_png=seal, pdf_title=f"{template.title} {certificate.serial}", pdf_author=certificate.issuer,
    )


def certificate_render(*, certificate_id: int) -> bool:
    """Render one certificate's PDF (see `certificates_render_batch`). Returns whether it rendered."""
    return certificates_render_batch(certificate_ids=[certificate_id]) == 1


def certificates_render_batch(*, certificate_ids: list[int]) -> int:
    """Render the PDFs of these certificates and store them with their SHA-256, leaving out any
    another worker holds or that has its PDF already; one locking read and the seal read once for
    the batch. Returns how many it rendered."""
    with transaction.atomic():
        certificates = list(
            Certificate.objects.select_for_update(skip_locked=True, of=("self",)).select_related("template__organization")
            .filter(pk__in=certificate_ids, pdf="").order_by("pk")
        )
        seals: dict[int, bytes | None] = {}
        for certificate in certificates:
            if certificate.template_id not in seals:
                seals[certificate.template_id] = _seal_bytes(certificate.template)
            content = rendering.render_certificate(_certificate_document(certificate, seals[certificate.template_id]))
            certificate.sha256 = hashlib.sha256(content).hexdigest()
            certificate.pdf.save(f"{certificate.serial}-{secrets.token_hex(6)}.pdf", ContentFile(content), save=False)
            Certificate.objects.filter(pk=certificate.pk).update(pdf=certificate.pdf.name, sha256=certificate.sha256)
    return len(certificates)


@transaction.atomic
def certificate_revoke(*, actor, certificate: Certificate, reason: str) -> Certificate:
    selectors.require_class_manager(actor, certificate.training_class)
    reason = (reason or "").strip()
    if not reason:
        raise _invalid("reason", _("Give the reason for revoking the certificate."))
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if locked.status == Certificate.Status.REVOKED:
        raise ApplicationError("status_invalid", _("This certificate is revoked already."))
    locked.status, locked.revoked_at, locked.revoked_by, locked.revoke_reason = Certificate.Status.REVOKED, timezone.now(), actor, reason[:500]
    locked._history_user = actor
    locked.save(update_fields=["status", "revoked_at", "revoked_by", "revoke_reason"])
    return locked


def certificate_reissue(*, actor, certificate: Certificate, reason: str) -> Certificate:
    """Revoke a certificate (if it is not already) and issue its replacement: a new serial and
    code, the same facts; the old one's verification says it was replaced."""
    selectors.require_class_manager(actor, certificate.training_class)
    with transaction.atomic():
        old = Certificate.objects.select_for_update().select_related("training_class__organization", "user").get(pk=certificate.pk)
        if old.replaced_by_id:
            raise ApplicationError("status_invalid", _("This certificate has been replaced already."))
        now = timezone.now()
        if old.status == Certificate.Status.VALID:
            if not (reason or "").strip():
                raise _invalid("reason", _("Give the reason for replacing the certificate."))
            old.status, old.revoked_at, old.revoked_by, old.revoke_reason = Certificate.Status.REVOKED, now, actor, reason.strip()[:500]
            old._history_user = actor
            old.save(update_fields=["status", "revoked_at", "revoked_by", "revoke_reason"])  # before the new one: one valid at a time
        organization = old.training_class.organization
        year = timezone.localdate(now).year
        number = _allocate(organization, year, SerialCounter.Kind.CERTIFICATE, 1)
        new = Certificate.objects.create(
            organization=organization, user=old.user, serial=serial_text(organization, year, number), code=new_code(),
            name=old.user.display_name, issuer=old.issuer, issued_at=now, issued_by=actor, training_class=old.training_class,
            template=old.template, class_title=old.class_title, starts_on=old.starts_on, ends_on=old.ends_on,
            centi_hours=old.centi_hours, score=old.score,
        )
        old.replaced_by = new
        old._history_user = actor
        old.save(update_fields=["replaced_by"])
    certificate_render(certificate_id=new.pk)
    new.refresh_from_db()
    return new
