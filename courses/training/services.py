"""Every write of training classes, sessions and rosters (attendance: attendance.py)."""
from datetime import datetime

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts import scope
from accounts.models import Organization
from backend import hours
from backend.errors import ApplicationError

from ..models import ClassSession, Course, Enrollment, TrainingClass
from ..services import topics_get_or_create
from .selectors import enrollment_progress

Status = TrainingClass.Status


def require_manager(actor, training_class: TrainingClass) -> None:
    if not scope.in_scope(actor, training_class.organization, scope.MANAGER_ROLES):
        raise ApplicationError(
            "permission_denied", _("Only organizers and administrators of the host organization can change this class."), status_code=403
        )


def require_open(training_class: TrainingClass) -> None:
    if training_class.status == Status.CLOSED:
        raise ApplicationError("class_closed", _("The class is closed: its roster and attendance are locked."))


def centi_hours_for_minutes(minutes: int) -> int:
    """The default class hours of a lesson that lasts `minutes`: 1 课时 per CLASS_HOUR_MINUTES,
    to the hundredth, half up (the same rule as courses use)."""
    return int(hours.class_hours(minutes) * 100)


# --- classes -------------------------------------------------------------------------------


def _check_class_values(values: dict) -> None:
    if values["ends_on"] < values["starts_on"]:
        raise ApplicationError("dates_invalid", _("The last day is before the first day."), errors={"ends_on": [_("The last day is before the first day.")]})
    if not (1 <= values.get("min_attendance_percent", 80) <= 100):
        raise ApplicationError("invalid", _("The minimum attendance rate must be between 1 and 100 %."), errors={"min_attendance_percent": [_("Between 1 and 100.")]})


@transaction.atomic
def training_class_create(
    *, actor, organization: Organization, kind: str, title: str, year: int | None = None, starts_on, ends_on,
    target_count: int = 0, min_attendance_percent: int = 80, min_centi_hours: int = 0, late_after_minutes: int = 10,
) -> TrainingClass:
    if not scope.in_scope(actor, organization, scope.MANAGER_ROLES):
        raise ApplicationError("permission_denied", _("Only organizers and administrators of this organization can open a class here."), status_code=403)
    values = dict(
        organization=organization, kind=kind, title=title.strip(), year=year or starts_on.year, starts_on=starts_on,
        ends_on=ends_on, target_count=target_count, min_attendance_percent=min_attendance_percent,
        min_centi_hours=min_centi_hours, late_after_minutes=late_after_minutes,
    )
    _check_class_values(values)
    training_class = TrainingClass(created_by=actor, **values)
    training_class._history_user = actor
    training_class.save()
    return training_class


UPDATABLE = ("title", "kind", "year", "starts_on", "ends_on", "target_count", "min_attendance_percent", "min_centi_hours", "late_after_minutes")


@transaction.atomic
def training_class_update(*, actor, training_class: TrainingClass, **changes) -> TrainingClass:
    require_manager(actor, training_class)
    locked = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    require_open(locked)
    for key, value in changes.items():
        if key not in UPDATABLE:
            raise ValueError(key)
        setattr(locked, key, value.strip() if isinstance(value, str) else value)
    _check_class_values({f: getattr(locked, f) for f in UPDATABLE})
    locked._history_user = actor
    locked.save()
    return locked


# Which status each transition leaves from, and where it goes.
TRANSITIONS = {
    "open_enrolment": ((Status.PLANNED,), Status.ENROLLING),
    "start": ((Status.PLANNED, Status.ENROLLING), Status.RUNNING),
}


@transaction.atomic
def training_class_transition(*, actor, training_class: TrainingClass, action: str) -> TrainingClass:
    require_manager(actor, training_class)
    locked = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    sources, target = TRANSITIONS[action]
    if locked.status not in sources:
        raise ApplicationError(
            "status_invalid",
            _("This cannot be done while the class is %(status)s.") % {"status": locked.get_status_display()},
        )
    locked.status = target
    locked._history_user = actor
    locked.save(update_fields=["status"])
    return locked


@transaction.atomic
def training_class_close(*, actor, training_class: TrainingClass, agenda_file=None, timetable_file=None, now=None) -> TrainingClass:
    """结班: file the agenda and timetable, close every check-in, lock attendance and decide who
    completed the class, from the attendance as it stands."""
    require_manager(actor, training_class)
    locked = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    if locked.status != Status.RUNNING:
        raise ApplicationError("status_invalid", _("Only a running class can be closed."))
    if agenda_file:
        locked.agenda_file = agenda_file
    if timetable_file:
        locked.timetable_file = timetable_file
    missing = [label for label, f in ((_("agenda"), locked.agenda_file), (_("timetable"), locked.timetable_file)) if not f]
    if missing:
        raise ApplicationError(
            "files_missing",
            _("Closing a class files its agenda and timetable: upload the %(files)s.") % {"files": _(" and ").join(missing)},
            errors={"agenda_file" if _("agenda") in missing else "timetable_file": [_("This file is required to close the class.")]},
        )
    now = now or timezone.now()
    locked.sessions.filter(checkin_opened_at__isnull=False, checkin_closed_at__isnull=True).update(checkin_closed_at=now)
    total = locked.sessions.aggregate(total=Sum("centi_hours", default=0))["total"]
    enrollments = list(enrollment_progress(locked.enrollments.filter(status=Enrollment.Status.ENROLLED)))
    for enrollment in enrollments:
        enrollment.attended_centi_hours = enrollment.attended
        enrollment.completed = completion_met(locked, attended=enrollment.attended, total=total)
    Enrollment.objects.bulk_update(enrollments, ["attended_centi_hours", "completed"], batch_size=500)
    locked.status = Status.CLOSED
    locked.closed_at = now
    locked.closed_by = actor
    locked._history_user = actor
    locked.save()
    from certificates.services import class_closed  # the certificates app's public entry

    class_closed(training_class=locked)
    return locked


def completion_met(training_class: TrainingClass, *, attended: int, total: int) -> bool:
    """The class's criteria, exactly: attended / total ≥ the minimum rate, and attended ≥ the
    minimum hours (when set). A class with no hours completes nobody."""
    if total == 0:
        return False
    return attended * 100 >= training_class.min_attendance_percent * total and attended >= training_class.min_centi_hours


# --- sessions ------------------------------------------------------------------------------


def _check_overlap(training_class: TrainingClass, starts_at: datetime, ends_at: datetime, exclude: int | None = None) -> None:
    if ends_at <= starts_at:
        raise ApplicationError("times_invalid", _("The session must end after it starts."), errors={"ends_at": [_("The end is not after the start.")]})
    clash = (
        ClassSession.objects.filter(training_class=training_class, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(pk=exclude).order_by("starts_at").first()
    )
    if clash:
        when = f"{date_format(timezone.localtime(clash.starts_at), 'SHORT_DATETIME_FORMAT')}–{date_format(timezone.localtime(clash.ends_at), 'TIME_FORMAT')}"
        raise ApplicationError(
            "session_overlaps",
            _("This time overlaps the session “%(title)s” (%(when)s) of the same class.") % {"title": clash.title, "when": when},
            errors={"starts_at": [_("Overlaps another session.")]},
        )


@transaction.atomic
def class_session_create(
    *, actor, training_class: TrainingClass, title: str = "", starts_at: datetime, ends_at: datetime,
    centi_hours: int | None = None, course: Course | None = None, topics: list[str] | None = None,
    teacher: str = "", place: str = "", mode: str = ClassSession.Mode.OFFLINE, audience_count: int = 0,
) -> ClassSession:
    """Schedule a session. Class hours default to the duration (1 课时 = 45 min) or, when scheduled
    from a course, to the course's hours; topics default to the course's."""
    require_manager(actor, training_class)
    locked = TrainingClass.objects.select_for_update().get(pk=training_class.pk)  # serializes overlap checks
    require_open(locked)
    _check_overlap(locked, starts_at, ends_at)
    if centi_hours is None:
        centi_hours = centi_hours_for_minutes(course.minutes if course else int((ends_at - starts_at).total_seconds() // 60))
    title = (title or (course.title if course else "")).strip()
    if not title:
        raise ApplicationError("invalid", _("Give the session a title or schedule it from a course."), errors={"title": [_("Required.")]})
    session = ClassSession(
        training_class=locked, title=title, course=course, starts_at=starts_at, ends_at=ends_at, centi_hours=centi_hours,
        teacher=teacher.strip(), place=place.strip(), mode=mode, audience_count=audience_count,
    )
    session._history_user = actor
    session.save()
    tags = topics_get_or_create(topics) if topics is not None else list(course.topics.all()) if course else []
    session.topics.set(tags)
    return session


SESSION_FIELDS = ("title", "starts_at", "ends_at", "centi_hours", "teacher", "place", "mode", "audience_count")


@transaction.atomic
def class_session_update(*, actor, session: ClassSession, topics: list[str] | None = None, reason: str = "", **changes) -> ClassSession:
    training_class = session.training_class
    require_manager(actor, training_class)
    TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    require_open(training_class)
    locked = ClassSession.objects.select_for_update().get(pk=session.pk)
    for key, value in changes.items():
        if key not in SESSION_FIELDS:
            raise ValueError(key)
        setattr(locked, key, value.strip() if isinstance(value, str) else value)
    if {"starts_at", "ends_at"} & changes.keys():
        _check_overlap(training_class, locked.starts_at, locked.ends_at, exclude=locked.pk)
    if not locked.title:
        raise ApplicationError("invalid", _("The session needs a title."), errors={"title": [_("Required.")]})
    locked._history_user = actor
    locked._change_reason = reason
    locked.save()
    if topics is not None:
        locked.topics.set(topics_get_or_create(topics))
    return locked


@transaction.atomic
def class_session_delete(*, actor, session: ClassSession) -> None:
    require_manager(actor, session.training_class)
    require_open(session.training_class)
    if session.attendances.exists():
        raise ApplicationError("session_has_attendance", _("This session already has attendance marks; change its time instead of deleting it."))
    session._history_user = actor
    session.delete()


# --- roster --------------------------------------------------------------------------------


def enroll_one(*, actor, training_class, user, source) -> tuple[Enrollment, bool]:
    existing = Enrollment.objects.filter(training_class=training_class, user=user).first()
    if existing and existing.status == Enrollment.Status.ENROLLED:
        return existing, False
    if existing:  # a withdrawn, rejected or pending person comes back on the roster
        existing.status = Enrollment.Status.ENROLLED
        existing.decided_by = actor
        existing.reason = ""
        existing._history_user = actor
        existing.save(update_fields=["status", "decided_by", "reason"])
        return existing, True
    enrollment = Enrollment(training_class=training_class, user=user, status=Enrollment.Status.ENROLLED, source=source, decided_by=actor)
    enrollment._history_user = actor
    enrollment.save()
    return enrollment, True


@transaction.atomic
def enrollment_add(*, actor, training_class: TrainingClass, user) -> Enrollment:
    require_manager(actor, training_class)
    require_open(training_class)
    return enroll_one(actor=actor, training_class=training_class, user=user, source=Enrollment.Source.ADDED)[0]


@transaction.atomic
def enrollment_register(*, user, training_class: TrainingClass) -> Enrollment:
    """报名: a trainee asks to join a class whose enrolment is open; an organizer approves it."""
    if training_class.status != Status.ENROLLING:
        raise ApplicationError("enrolment_closed", _("This class is not taking registrations."))
    existing = Enrollment.objects.filter(training_class=training_class, user=user).first()
    if existing and existing.status in (Enrollment.Status.ENROLLED, Enrollment.Status.PENDING):
        return existing
    if existing and existing.status == Enrollment.Status.REJECTED:
        raise ApplicationError("registration_rejected", _("Your registration for this class was not approved: %(reason)s") % {"reason": existing.reason or "—"})
    enrollment = existing or Enrollment(training_class=training_class, user=user, source=Enrollment.Source.REGISTERED)
    enrollment.status = Enrollment.Status.PENDING
    enrollment._history_user = user
    enrollment.save()
    return enrollment


@transaction.atomic
def enrollment_decide(*, actor, enrollment: Enrollment, approve: bool, reason: str = "") -> Enrollment:
    require_manager(actor, enrollment.training_class)
    require_open(enrollment.training_class)
    locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if locked.status != Enrollment.Status.PENDING:
        raise ApplicationError("not_pending", _("This registration has already been decided."))
    if not approve and not reason.strip():
        raise ApplicationError("reason_required", _("Say why the registration is not approved."), errors={"reason": [_("Required.")]})
    locked.status = Enrollment.Status.ENROLLED if approve else Enrollment.Status.REJECTED
    locked.reason = reason.strip()
    locked.decided_by = actor
    locked._history_user = actor
    locked._change_reason = reason.strip()
    locked.save(update_fields=["status", "reason", "decided_by"])
    return locked


@transaction.atomic
def enrollment_withdraw(*, actor, enrollment: Enrollment, reason: str) -> Enrollment:
    require_manager(actor, enrollment.training_class)
    require_open(enrollment.training_class)
    if not reason.strip():
        raise ApplicationError("reason_required", _("Say why the trainee withdraws."), errors={"reason": [_("Required.")]})
    locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if locked.status != Enrollment.Status.ENROLLED:
        raise ApplicationError("not_enrolled", _("This person is not on the roster."))
    locked.status = Enrollment.Status.WITHDRAWN
    locked.reason = reason.strip()[:200]
    locked.decided_by = actor
    locked._history_user = actor
    locked._change_reason = locked.reason
    locked.save(update_fields=["status", "reason", "decided_by"])
    return locked
