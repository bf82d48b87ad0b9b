"""The reports' figures, computed in the database (see docs/definitions.md for what each counts).

Every function takes the caller (`user`), an organization and a period, and counts only classes
hosted in that organization's subtree AND in the caller's scope. Nothing loads the rows to add
them up in Python: sums and counts are SQL aggregates over integers (hundredths of a 课时), and the
rollup up the tree groups each class under its ancestors by the prefix of its materialized path
(one GROUP BY per tree level).
"""
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Substr

from accounts import scope
from accounts.models import Organization
from courses.models import ClassSession, ComplianceRule, Enrollment, TrainingClass

HELD = (TrainingClass.Status.RUNNING, TrainingClass.Status.CLOSED)
WHOLE = 10_000  # 100 % in hundredths of a percent
COMPLIES, SHORT, UNDECIDED = "complies", "short", "undecided"


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(date(year, 1, 1), date(year, 12, 31))

    def previous(self) -> "Period":
        """The period of the same length that ends the day before this one starts (a calendar
        year's is the year before, leap day or not)."""
        if (self.first.month, self.first.day, self.last.month, self.last.day) == (1, 1, 12, 31) and self.first.year == self.last.year:
            return Period.year(self.first.year - 1)
        length = self.last - self.first
        last = self.first - timedelta(days=1)
        return Period(last - length, last)


def classes_in(*, user, organization: Organization, period: Period) -> QuerySet[TrainingClass]:
    """Held classes hosted in the organization's subtree, starting in the period, that the user may see as staff."""
    return TrainingClass.objects.filter(
        scope.scope_q(user, scope.STAFF_ROLES),
        organization__path__startswith=organization.path,
        status__in=HELD,
        starts_on__gte=period.first,
        starts_on__lte=period.last,
    )


def _sum_of(sessions: QuerySet[ClassSession]):
    total = sessions.order_by().values("training_class").annotate(n=Sum("centi_hours")).values("n")
    return Coalesce(Subquery(total[:1], output_field=IntegerField()), Value(0))


def _tagged(topic_id: int):
    return Exists(ClassSession.topics.through.objects.filter(classsession_id=OuterRef("pk"), topic_id=topic_id))


def topic_rules() -> list[ComplianceRule]:
    return list(ComplianceRule.objects.filter(active=True, metric=ComplianceRule.Metric.TOPIC_HOUR_RATIO).select_related("organization", "topic"))


def compliance_classes(*, user, organization: Organization, period: Period, rule: ComplianceRule) -> QuerySet[TrainingClass]:
    """Each class the rule covers, with `total` and `topic` hours (hundredths), `state` and
    `retag` (the topic hours to add by tagging existing sessions, rounded up), computed in SQL."""
    classes = covered_classes(user=user, organization=organization, period=period, rule=rule)
    sessions = ClassSession.objects.filter(training_class=OuterRef("pk"))
    topic_sessions = sessions.filter(_tagged(rule.topic_id)) if rule.topic_id else sessions.none()
    return (
        classes.select_related("organization")
        .annotate(total=_sum_of(sessions), topic=_sum_of(topic_sessions))
        .annotate(
            # Exact and inclusive: topic / total >= threshold / 10000, compared as integers.
            topic_scaled=ExpressionWrapper(F("topic") * WHOLE, output_field=BigIntegerField()),
            total_scaled=ExpressionWrapper(F("total") * rule.threshold, output_field=BigIntegerField()),
        )
        .annotate(
            state=Case(
                When(total=0, then=Value(UNDECIDED)),
                When(topic_scaled__gte=F("total_scaled"), then=Value(COMPLIES)),
                default=Value(SHORT),
            ),
        )
        .order_by("organization__path", "starts_on", "pk")
    )


def class_state(*, total: int, topic: int, threshold: int) -> tuple[str, int]:
    """(state, retag hundredths) for one class, by the same integer rule as the SQL above."""
    if total == 0:
        return UNDECIDED, 0
    if topic * WHOLE >= threshold * total:
        return COMPLIES, 0
    return SHORT, -(-threshold * total // WHOLE) - topic


@dataclass
class RollupRow:
    organization: Organization
    classes: int = 0
    decidable: int = 0
    complying: int = 0
    total: int = 0
    topic: int = 0

    @property
    def rate(self) -> tuple[int, int]:
        """(complying, decidable): shown as a percent rounded down."""
        return self.complying, self.decidable


def covered_classes(*, user, organization: Organization, period: Period, rule: ComplianceRule) -> QuerySet[TrainingClass]:
    """The held classes of the scope and period that the rule covers (no figures)."""
    classes = classes_in(user=user, organization=organization, period=period).filter(kind__in=rule.class_kinds or [])
    if rule.organization_id:
        classes = classes.filter(organization__path__startswith=rule.organization.path)
    return classes


def compliance_rollup(*, user, organization: Organization, period: Period, rule: ComplianceRule) -> list[RollupRow]:
    """For the organization and each organization under it with covered classes in its subtree:
    classes, decidable, complying, total and topic hours; in tree order.

    One statement: the covered classes (the ORM's query, with the scope) as a common table
    expression; their sessions summed in one GROUP BY (not a subquery per class: 10x faster over a
    million sessions, bench/report_compliance.py); each class counted under every level of the
    tree by the prefix of its path; the same integer rule as `class_state`."""
    covered = covered_classes(user=user, organization=organization, period=period, rule=rule)
    inner, params = covered.values(class_id=F("pk"), path=F("organization__path")).query.sql_with_params()
    quote = connection.ops.quote_name
    sessions, tagged = quote(ClassSession._meta.db_table), quote(ClassSession.topics.through._meta.db_table)
    step = Organization.steplen
    widths = ", ".join(f"({depth * step})" for depth in range(organization.depth, organization.depth + MAX_LEVELS))
    sql = (
        f"WITH k AS ({inner}), "
        f"c AS (SELECT k.path, coalesce(sum(cs.centi_hours), 0) AS total, "
        f"coalesce(sum(CASE WHEN t.classsession_id IS NULL THEN 0 ELSE cs.centi_hours END), 0) AS topic "
        f"FROM k LEFT JOIN {sessions} cs ON cs.training_class_id = k.class_id "
        f"LEFT JOIN {tagged} t ON t.classsession_id = cs.id AND t.topic_id = %s GROUP BY k.class_id, k.path), "
        f"d(width) AS (VALUES {widths}) "
        "SELECT substr(c.path, 1, d.width) AS ancestor, count(*), sum(CASE WHEN c.total > 0 THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN c.total > 0 AND c.topic * {WHOLE} >= %s * c.total THEN 1 ELSE 0 END), sum(c.total), sum(c.topic) "
        "FROM c JOIN d ON length(c.path) >= d.width GROUP BY substr(c.path, 1, d.width) ORDER BY 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, rule.topic_id, rule.threshold])
        rows = cursor.fetchall()
    organizations = {o.path: o for o in Organization.objects.filter(path__in=[r[0] for r in rows])}
    return [RollupRow(organizations[path], n, decided, ok, int(total or 0), int(topic or 0))
            for path, n, decided, ok, total, topic in rows if path in organizations]


MAX_LEVELS = 8  # region, league, banner, township, village and institutions under them


def statistics(*, user, organization: Organization, period: Period, topic_id: int | None = None) -> dict[str, int]:
    """The training statistics of docs/definitions.md for the subtree and period, in a few
    aggregate queries."""
    classes = classes_in(user=user, organization=organization, period=period)
    class_ids = classes.values("pk")
    completed = Enrollment.objects.filter(training_class__in=class_ids, status=Enrollment.Status.ENROLLED, completed=True)
    people = completed.aggregate(person_times=Count("pk"), people=Count("user", distinct=True))
    sessions = ClassSession.objects.filter(training_class__in=class_ids)
    hours = sessions.aggregate(
        hours=Coalesce(Sum("centi_hours"), 0),
        lectures=Count("pk", filter=Q(training_class__kind=TrainingClass.Kind.LECTURE)),
        audience=Coalesce(Sum("audience_count", filter=Q(training_class__kind=TrainingClass.Kind.LECTURE)), 0),
    )
    topic_hours = sessions.filter(_tagged(topic_id)).aggregate(n=Coalesce(Sum("centi_hours"), 0))["n"] if topic_id else 0
    return {
        "classes": classes.count(), "person_times": people["person_times"], "people": people["people"],
        "hours": hours["hours"], "topic_hours": topic_hours, "lectures": hours["lectures"], "audience": hours["audience"],
    }


def statistics_by_prefix(*, user, organization: Organization, period: Period, width: int) -> dict[str, dict[str, int]]:
    """The training statistics grouped by the first `width` characters of the host's path (one
    level of the tree): {path prefix: figures}; a handful of GROUP BY queries whatever the number
    of organizations."""
    classes = classes_in(user=user, organization=organization, period=period)
    prefix = Substr("organization__path", 1, width)
    result: dict[str, dict[str, int]] = {}

    def add(rows, **names):
        for row in rows:
            figures = result.setdefault(row["prefix"], {"classes": 0, "person_times": 0, "people": 0, "hours": 0})
            for key, source in names.items():
                figures[key] = row[source] or 0

    add(classes.annotate(prefix=prefix).values("prefix").annotate(n=Count("pk")), classes="n")
    completed = Enrollment.objects.filter(training_class__in=classes.values("pk"), status=Enrollment.Status.ENROLLED, completed=True)
    add(completed.annotate(prefix=Substr("training_class__organization__path", 1, width)).values("prefix")
        .annotate(n=Count("pk"), people=Count("user", distinct=True)), person_times="n", people="people")
    sessions = ClassSession.objects.filter(training_class__in=classes.values("pk"))
    add(sessions.annotate(prefix=Substr("training_class__organization__path", 1, width)).values("prefix")
        .annotate(n=Sum("centi_hours")), hours="n")
    return result


def completion_rows(*, training_class: TrainingClass) -> QuerySet[Enrollment]:
    """The class's roster (enrolled), each with `attended` hours, `best_score` (the best graded
    attempt at the class's exams, hundredths of a point) and `serial` (the valid certificate), in
    a fixed number of queries; the attendance rate is attended / the class's hours."""
    from certificates.models import Certificate
    from courses.training.selectors import enrollment_progress
    from exams.models import Attempt

    best = (
        Attempt.objects.filter(exam__training_class=training_class, user=OuterRef("user"), status=Attempt.Status.GRADED)
        .order_by("-score").values("score")[:1]
    )
    serial = Certificate.objects.filter(training_class=training_class, user=OuterRef("user"), status="valid").values("serial")[:1]
    return (
        enrollment_progress(Enrollment.objects.filter(training_class=training_class, status=Enrollment.Status.ENROLLED))
        .select_related("user__organization")
        .annotate(best_score=Subquery(best, output_field=IntegerField()), serial=Subquery(serial))
        .order_by("user__organization__path", "user__display_name", "pk")
    )


def coverage_classes(*, user, organization: Organization, period: Period) -> QuerySet[TrainingClass]:
    """Held rotation classes of the scope and period, each with `roster` (enrolled), `trained`
    (completed) and `target` (the class's target number, or its roster when none is set)."""
    enrolled = Enrollment.objects.filter(training_class=OuterRef("pk"), status=Enrollment.Status.ENROLLED).order_by().values("training_class")
    count = lambda queryset: Coalesce(Subquery(queryset.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), Value(0))  # noqa: E731
    return (
        classes_in(user=user, organization=organization, period=period).filter(kind=TrainingClass.Kind.ROTATION)
        .select_related("organization")
        .annotate(roster=count(enrolled), trained=count(enrolled.filter(completed=True)))
        .annotate(target=Case(When(target_count__gt=0, then=F("target_count")), default=F("roster")))
        .order_by("organization__path", "starts_on", "pk")
    )


def not_yet_trained(*, user, organization: Organization, period: Period) -> QuerySet[Enrollment]:
    """The people on the rosters of those rotation classes who have not completed them, named."""
    classes = coverage_classes(user=user, organization=organization, period=period).values("pk")
    return (
        Enrollment.objects.filter(training_class__in=classes, status=Enrollment.Status.ENROLLED)
        .exclude(completed=True).select_related("user__organization", "training_class")
        .order_by("training_class__organization__path", "training_class_id", "user__display_name", "pk")
    )


def statistics_tree(*, user, organization: Organization, period: Period) -> list[tuple[Organization, dict[str, int]]]:
    """The statistics of the organization and of every organization under it that hosts classes in
    its subtree (one grouped pass per tree level), in tree order."""
    figures: dict[str, dict[str, int]] = {}
    for depth in range(organization.depth, organization.depth + MAX_LEVELS):
        level = statistics_by_prefix(user=user, organization=organization, period=period, width=depth * Organization.steplen)
        level = {path: row for path, row in level.items() if len(path) == depth * Organization.steplen}
        if not level:
            break
        figures.update(level)
    organizations = {o.path: o for o in Organization.objects.filter(path__in=list(figures))}
    return [(organizations[path], figures[path]) for path in sorted(figures) if path in organizations]


def statistics_by_kind(*, user, organization: Organization, period: Period) -> dict[str, dict[str, int]]:
    """Classes, person-times and hours per class kind."""
    classes = classes_in(user=user, organization=organization, period=period)
    result = {row["kind"]: {"classes": row["n"], "person_times": 0, "hours": 0}
              for row in classes.order_by().values("kind").annotate(n=Count("pk"))}
    for row in (Enrollment.objects.filter(training_class__in=classes.values("pk"), status=Enrollment.Status.ENROLLED, completed=True)
                .order_by().values("training_class__kind").annotate(n=Count("pk"))):
        result[row["training_class__kind"]]["person_times"] = row["n"]
    for row in (ClassSession.objects.filter(training_class__in=classes.values("pk")).order_by()
                .values("training_class__kind").annotate(n=Sum("centi_hours"))):
        result[row["training_class__kind"]]["hours"] = row["n"] or 0
    return result


def exam_rows(*, user, organization: Organization, period: Period):
    """Exams (mode exam) of the subtree opening in the period, in the caller's staff scope, each
    with `people` (distinct trainees with a graded attempt), `passed` (of them, with a passing
    one), `attempts` and `score_sum` (graded attempts; hundredths of a point) and `best`."""
    from django.db.models import Max

    from exams.models import Attempt, Exam

    graded = Q(attempts__status=Attempt.Status.GRADED)
    return (
        Exam.objects.filter(
            scope.scope_q(user, scope.STAFF_ROLES), organization__path__startswith=organization.path, mode=Exam.Mode.EXAM,
            opens_at__date__gte=period.first, opens_at__date__lte=period.last,
        )
        .select_related("organization")
        .annotate(
            people=Count("attempts__user", filter=graded, distinct=True),
            passed=Count("attempts__user", filter=graded & Q(attempts__passed=True), distinct=True),
            attempts_graded=Count("attempts", filter=graded),
            score_sum=Coalesce(Sum("attempts__score", filter=graded), 0),
            best=Max("attempts__score", filter=graded),
        )
        .order_by("organization__path", "opens_at", "pk")
    )
