"""Every write of attendance: opening a session's check-in, checking a trainee in by the QR token
or the numeric code, and the organizer's hand marks. See docs/decisions/0007."""
import secrets
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from backend.errors import ApplicationError

from ..models import Attendance, ClassSession, Enrollment, TrainingClass
from . import checkin
from .services import require_manager, require_open

# Wrong numeric codes a trainee may enter in CODE_WINDOW seconds before being told to wait.
CODE_ATTEMPTS = 10
CODE_WINDOW = 300


@transaction.atomic
def checkin_open(*, actor, session: ClassSession, now=None) -> ClassSession:
    """Start showing the rotating code. A fresh key voids codes of any earlier opening."""
    require_manager(actor, session.training_class)
    require_open(session.training_class)
    locked = ClassSession.objects.select_for_update().get(pk=session.pk)
    if not locked.checkin_open:
        locked.checkin_key = secrets.token_hex(16)
        locked.checkin_opened_at = now or timezone.now()
        locked.checkin_closed_at = None
        locked.save(update_fields=["checkin_key", "checkin_opened_at", "checkin_closed_at"])
    return locked


@transaction.atomic
def checkin_close(*, actor, session: ClassSession, now=None) -> ClassSession:
    require_manager(actor, session.training_class)
    locked = ClassSession.objects.select_for_update().get(pk=session.pk)
    if locked.checkin_open:
        locked.checkin_closed_at = now or timezone.now()
        locked.save(update_fields=["checkin_closed_at"])
    return locked


def _check_in(*, user, session: ClassSession, method: str, now: datetime) -> tuple[Attendance, bool]:
    training_class = session.training_class
    if training_class.status == TrainingClass.Status.CLOSED:
        raise ApplicationError("class_closed", _("The class is closed: its attendance is locked."))
    if not session.checkin_open:
        raise ApplicationError("checkin_not_open", _("Check-in for “%(title)s” is not open. Ask the organizer to open it.") % {"title": session.title})
    if now >= session.ends_at:
        raise ApplicationError("session_ended", _("“%(title)s” ended at %(time)s; ask the organizer to mark your attendance.") % {
            "title": session.title, "time": date_format(timezone.localtime(session.ends_at), "TIME_FORMAT")})
    enrollment = Enrollment.objects.filter(training_class=training_class, user=user, status=Enrollment.Status.ENROLLED).first()
    if enrollment is None:
        raise ApplicationError(
            "not_on_roster", _("You are not on the roster of “%(title)s”, so you cannot check in to its sessions.") % {"title": training_class.title},
            status_code=403,
        )
    existing = Attendance.objects.filter(session=session, enrollment=enrollment).first()
    if existing:
        return existing, False
    late = now > session.starts_at + timedelta(minutes=training_class.late_after_minutes)
    attendance = Attendance(
        session=session, enrollment=enrollment, status=Attendance.Status.LATE if late else Attendance.Status.PRESENT,
        method=method, recorded_at=now, recorded_by=user,
    )
    attendance._history_user = user
    try:
        with transaction.atomic():  # a second scan racing this one: the constraint keeps one row
            attendance.save()
    except IntegrityError:
        return Attendance.objects.get(session=session, enrollment=enrollment), False
    return attendance, True


def check_in_with_token(*, user, token: str, session_id: int | None = None, now=None) -> tuple[Attendance, bool]:
    """Check a trainee in from a scanned QR token, by the server's clock. Idempotent: a second scan
    returns the first mark. `session_id`, when given, is the session the trainee's page is for."""
    now = now or timezone.now()
    parsed = checkin.parse(token)
    session = ClassSession.objects.select_related("training_class__organization").filter(pk=parsed.session_id).first()
    if session is None or not session.checkin_key:
        raise ApplicationError("token_forged", _("This check-in code was not issued for this session: its signature does not match."))
    checkin.verify(session, parsed, now)
    if session_id is not None and session_id != session.pk:
        raise ApplicationError("token_other_session", _("This code belongs to the session “%(title)s”, not to the one you opened.") % {"title": session.title})
    with transaction.atomic():
        return _check_in(user=user, session=session, method=Attendance.Method.QR, now=now)


def check_in_with_code(*, user, code: str, now=None) -> tuple[Attendance, bool]:
    """Check in by the six digits shown under the QR code: they are matched against the sessions
    of the trainee's classes whose check-in is open."""
    now = now or timezone.now()
    code = "".join(ch for ch in (code or "") if not ch.isspace())
    if not (code.isdigit() and len(code) == checkin.CODE_DIGITS):
        raise ApplicationError("code_invalid", _("Enter the %(n)d digits shown on the screen.") % {"n": checkin.CODE_DIGITS})
    key = f"checkin-code-failures:{user.pk}"
    if cache.get(key, 0) >= CODE_ATTEMPTS:
        raise ApplicationError("too_many_attempts", _("Too many wrong codes. Wait five minutes or scan the QR code."), status_code=429)
    sessions = ClassSession.objects.select_related("training_class__organization").filter(
        checkin_opened_at__isnull=False, checkin_closed_at__isnull=True,
        training_class__enrollments__user=user, training_class__enrollments__status=Enrollment.Status.ENROLLED,
    )
    for session in sessions:
        if checkin.code_matches(session, code, now):
            with transaction.atomic():
                return _check_in(user=user, session=session, method=Attendance.Method.CODE, now=now)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, CODE_WINDOW)
    raise ApplicationError("code_wrong", _("The code is wrong or has expired: codes change every %(seconds)d seconds.") % {"seconds": checkin.SLOT_SECONDS})


@transaction.atomic
def attendance_mark(*, actor, session: ClassSession, enrollment: Enrollment, status: str, note: str = "", now=None) -> Attendance:
    """The organizer's sheet: set a trainee's mark by hand. A change to an existing mark, and any
    excuse, needs a reason; the history keeps who, when and why."""
    training_class = session.training_class
    require_manager(actor, training_class)
    require_open(training_class)
    if enrollment.training_class_id != training_class.pk or enrollment.status != Enrollment.Status.ENROLLED:
        raise ApplicationError("not_on_roster", _("%(name)s is not on this class's roster.") % {"name": enrollment.user})
    if status not in Attendance.Status.values:
        raise ApplicationError("invalid", _("Unknown attendance status %(status)s.") % {"status": status})
    note = note.strip()[:200]
    existing = Attendance.objects.select_for_update().filter(session=session, enrollment=enrollment).first()
    if existing and existing.status == status and existing.note == note:
        return existing
    if (existing or status == Attendance.Status.EXCUSED) and not note:
        raise ApplicationError(
            "reason_required",
            _("Give a reason: changing a mark, or excusing an absence, is kept in the attendance record."),
            errors={"note": [_("Required.")]},
        )
    attendance = existing or Attendance(session=session, enrollment=enrollment)
    attendance.status = status
    attendance.method = Attendance.Method.MANUAL
    attendance.note = note
    attendance.recorded_at = now or timezone.now()
    attendance.recorded_by = actor
    attendance._history_user = actor
    attendance._change_reason = note
    attendance.save()
    return attendance

