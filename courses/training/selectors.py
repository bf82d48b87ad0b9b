"""Every read of classes, sessions, rosters and attendance, with the caller's scope applied.

Staff (organizers, auditors, administrators) see the classes hosted in their subtree. A trainee
sees the classes they are on the roster of (or registered for), and those taking registrations
that are hosted at or above an organization where they are a trainee.
"""
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from accounts import scope

from ..models import ATTENDED, Attendance, ClassSession, Enrollment, TrainingClass

ACTIVE = (Enrollment.Status.ENROLLED,)


def _int_subquery(queryset, field: str):
    return Coalesce(Subquery(queryset.values(field)[:1], output_field=IntegerField()), Value(0))


def _class_visibility(user) -> Q:
    enrolled = Q(pk__in=Enrollment.objects.filter(user=user).values("training_class"))
    open_to_me = scope.audience_q(user, (scope.TRAINEE,)) & Q(status=TrainingClass.Status.ENROLLING)
    return scope.scope_q(user, scope.STAFF_ROLES) | enrolled | open_to_me


def class_list(*, user) -> QuerySet[TrainingClass]:
    """Classes the user may see, each with its session count, class hours and roster size."""
    sessions = ClassSession.objects.filter(training_class=OuterRef("pk")).order_by().values("training_class")
    roster = Enrollment.objects.filter(training_class=OuterRef("pk"), status__in=ACTIVE).order_by().values("training_class")
    return (
        TrainingClass.objects.filter(_class_visibility(user))
        .select_related("organization")
        .annotate(
            session_count=_int_subquery(sessions.annotate(n=Count("id")), "n"),
            total_centi_hours=_int_subquery(sessions.annotate(n=Sum("centi_hours")), "n"),
            enrolled_count=_int_subquery(roster.annotate(n=Count("id")), "n"),
        )
        .order_by("-starts_on", "-id")
    )


def class_for_user(*, user, pk) -> TrainingClass | None:
    return class_list(user=user).filter(pk=pk).first()


def can_manage(user, training_class: TrainingClass) -> bool:
    return scope.in_scope(user, training_class.organization, scope.MANAGER_ROLES)


def can_view_records(user, training_class: TrainingClass) -> bool:
    """Roster, attendance sheets and compliance: staff of the host's subtree."""
    return scope.in_scope(user, training_class.organization, scope.STAFF_ROLES)


def session_list(*, training_class: TrainingClass) -> QuerySet[ClassSession]:
    marks = Attendance.objects.filter(session=OuterRef("pk"), status__in=ATTENDED).order_by().values("session")
    return (
        ClassSession.objects.filter(training_class=training_class)
        .select_related("course")
        .prefetch_related("topics")
        .annotate(attended_count=_int_subquery(marks.annotate(n=Count("id")), "n"))
        .order_by("starts_at", "id")
    )


def session_for_user(*, user, pk) -> ClassSession | None:
    """A session of a class the user may see (staff or on its roster)."""
    visible = class_list(user=user).values("pk")
    return (
        ClassSession.objects.select_related("training_class__organization", "course")
        .prefetch_related("topics").filter(pk=pk, training_class__in=visible).first()
    )


def enrollment_progress(queryset: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """Each enrollment with `attended`: the hundredths of a 课时 of the sessions marked present or
    late (the stated rule: a late arrival attends the whole session)."""
    attended = (
        Attendance.objects.filter(enrollment=OuterRef("pk"), status__in=ATTENDED)
        .order_by().values("enrollment").annotate(n=Sum("session__centi_hours"))
    )
    return queryset.annotate(attended=_int_subquery(attended, "n"))


def enrollment_list(*, training_class: TrainingClass, statuses=None) -> QuerySet[Enrollment]:
    queryset = Enrollment.objects.filter(training_class=training_class)
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    return enrollment_progress(queryset.select_related("user__organization", "decided_by")).order_by("status", "user__display_name", "id")


def class_total_centi_hours(training_class: TrainingClass) -> int:
    return ClassSession.objects.filter(training_class=training_class).aggregate(n=Sum("centi_hours", default=0))["n"]


def attendance_sheet(*, session: ClassSession) -> QuerySet[Enrollment]:
    """The roster of the session's class, each enrollment with `marks`: its mark for this session
    (a list of zero or one)."""
    return (
        Enrollment.objects.filter(training_class_id=session.training_class_id, status__in=ACTIVE)
        .select_related("user__organization")
        .prefetch_related(Prefetch("attendances", queryset=Attendance.objects.filter(session=session).select_related("recorded_by"), to_attr="marks"))
        .order_by("user__display_name", "id")
    )


def attendance_counts(*, session: ClassSession) -> dict:
    counts = dict(
        Attendance.objects.filter(session=session).order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    counts["enrolled"] = Enrollment.objects.filter(training_class_id=session.training_class_id, status__in=ACTIVE).count()
    return counts


def recent_checkins(*, session: ClassSession, limit: int = 8) -> list[Attendance]:
    return list(
        Attendance.objects.filter(session=session, status__in=ATTENDED, method__in=(Attendance.Method.QR, Attendance.Method.CODE))
        .select_related("enrollment__user").order_by("-recorded_at", "-id")[:limit]
    )


def attendance_history(*, session: ClassSession) -> QuerySet:
    """Every change to this session's marks, newest first: who, when, what, why."""
    return (
        Attendance.history.filter(session_id=session.pk)
        .select_related("history_user", "enrollment__user")
        .order_by("-history_date", "-history_id")
    )


def my_schedule(*, user) -> QuerySet[ClassSession]:
    """Sessions of the classes the user is enrolled in, each with `my_marks` (zero or one)."""
    return (
        ClassSession.objects.filter(
            training_class__enrollments__user=user, training_class__enrollments__status=Enrollment.Status.ENROLLED
        )
        .select_related("training_class__organization")
        .prefetch_related(
            "topics",
            Prefetch("attendances", queryset=Attendance.objects.filter(enrollment__user=user), to_attr="my_marks"),
        )
        .order_by("starts_at", "id")
    )
