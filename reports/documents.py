"""Each report as tables, for the page, the workbook and the PDF alike (the same rows everywhere)."""
from decimal import ROUND_DOWN, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.models import TrainingClass

from . import rollups
from .exports import HOURS, INTEGER, PERCENT, Column, Report, Table, hours_value, percent_value

STATE_LABELS = {
    rollups.COMPLIES: gettext_lazy("Complies"), rollups.SHORT: gettext_lazy("Falls short"),
    rollups.UNDECIDED: gettext_lazy("Not yet decidable"),
}


def period_text(period: rollups.Period) -> str:
    return f"{period.first:%Y-%m-%d} – {period.last:%Y-%m-%d}"


def compliance_report(*, user, organization, period: rollups.Period, rule) -> Report:
    kinds = dict(TrainingClass.Kind.choices)
    threshold = rule.threshold

    def class_rows():
        classes = rollups.compliance_classes(user=user, organization=organization, period=period, rule=rule)
        for c in classes.values_list("title", "organization__name", "kind", "starts_on", "total", "topic").iterator(chunk_size=2000):
            title, host, kind, starts_on, total, topic = c
            state, retag = rollups.class_state(total=total, topic=topic, threshold=threshold)
            yield (title, host, str(kinds.get(kind, kind)), starts_on, hours_value(total), hours_value(topic),
                   percent_value(topic, total), str(STATE_LABELS[state]), hours_value(retag) if retag else None)

    def rollup_rows():
        for row in rollups.compliance_rollup(user=user, organization=organization, period=period, rule=rule):
            yield (row.organization.name, row.organization.depth - organization.depth + 1, row.classes, row.decidable,
                   row.complying, percent_value(row.complying, row.decidable), hours_value(row.total), hours_value(row.topic),
                   percent_value(row.topic, row.total))

    return Report(
        title=_("Topic-hour compliance"), scope=organization.name, period=period_text(period), produced_by=user.display_name or user.username,
        tables=[
            Table(_("Rollup"), [
                Column(_("Organization"), width=24), Column(_("Level"), INTEGER, 6), Column(_("Classes"), INTEGER, 8),
                Column(_("Decidable"), INTEGER, 8), Column(_("Complying"), INTEGER, 8), Column(_("Compliance rate"), PERCENT, 10),
                Column(_("Class hours"), HOURS, 10), Column(_("Topic hours"), HOURS, 10), Column(_("Topic share"), PERCENT, 10),
            ], rollup_rows, note=_("%(rule)s: at least %(threshold)s of a class's hours on %(topic)s.") % {
                "rule": rule.name, "threshold": f"{threshold / 100:g}%", "topic": rule.topic.name if rule.topic else ""}),
            Table(_("Classes"), [
                Column(_("Class"), width=28), Column(_("Host"), width=18), Column(_("Kind"), width=10), Column(_("First day"), width=11),
                Column(_("Class hours"), HOURS, 9), Column(_("Topic hours"), HOURS, 9), Column(_("Topic share"), PERCENT, 9),
                Column(_("Status"), width=10), Column(_("Topic hours to add"), HOURS, 10),
            ], class_rows),
        ],
    )


def completion_report(*, user, training_class) -> Report:
    """One class's roster with attendance rate, attended hours, best exam score and certificate."""
    from courses.training.selectors import class_total_centi_hours

    total = class_total_centi_hours(training_class)

    def rows():
        for e in rollups.completion_rows(training_class=training_class).iterator(chunk_size=2000):
            yield (e.user.display_name, e.user.organization.name if e.user.organization_id else "", percent_value(e.attended, total),
                   hours_value(e.attended), hours_value(e.best_score) if e.best_score is not None else None,
                   str(_("Yes") if e.completed else _("No")) if e.completed is not None else "—", e.serial or "")

    return Report(
        title=_("Class completion"), scope=f"{training_class.title}（{training_class.organization.name}）",
        period=f"{training_class.starts_on:%Y-%m-%d} – {training_class.ends_on:%Y-%m-%d}", produced_by=user.display_name or user.username,
        tables=[Table(_("Roster"), [
            Column(_("Name"), width=12), Column(_("Unit"), width=20), Column(_("Attendance rate"), PERCENT, 10),
            Column(_("Attended hours"), HOURS, 10), Column(_("Best exam score"), HOURS, 10), Column(_("Completed"), width=8),
            Column(_("Certificate"), width=20),
        ], rows, note=_("Class hours in all: %(hours)s.") % {"hours": f"{hours_value(total).normalize():f}"})],
    )


def coverage_report(*, user, organization, period: rollups.Period) -> Report:
    """Rotation training: per class the target, trained and rate; then everyone not yet trained, named."""

    def class_rows():
        for c in rollups.coverage_classes(user=user, organization=organization, period=period).iterator(chunk_size=2000):
            yield (c.title, c.organization.name, c.starts_on, c.target, c.trained, max(c.target - c.trained, 0), percent_value(c.trained, c.target))

    def people_rows():
        for e in rollups.not_yet_trained(user=user, organization=organization, period=period).iterator(chunk_size=2000):
            yield (e.training_class.title, e.user.display_name, e.user.organization.name if e.user.organization_id else "")

    return Report(
        title=_("Rotation training coverage"), scope=organization.name, period=period_text(period),
        produced_by=user.display_name or user.username,
        tables=[
            Table(_("Coverage"), [
                Column(_("Class"), width=28), Column(_("Host"), width=18), Column(_("First day"), width=11), Column(_("Target"), INTEGER, 8),
                Column(_("Trained"), INTEGER, 8), Column(_("Not yet trained"), INTEGER, 10), Column(_("Coverage rate"), PERCENT, 10),
            ], class_rows),
            Table(_("Not yet trained"), [Column(_("Class"), width=28), Column(_("Name"), width=12), Column(_("Unit"), width=24)], people_rows),
        ],
    )


def statistics_report(*, user, organization, period: rollups.Period) -> Report:
    """The training statistics by organization (every level of the subtree) and by class kind,
    with the previous period beside them."""
    previous = period.previous()
    kinds = dict(TrainingClass.Kind.choices)

    def organization_rows():
        before = {o.pk: f for o, f in rollups.statistics_tree(user=user, organization=organization, period=previous)}
        for org, figures in rollups.statistics_tree(user=user, organization=organization, period=period):
            old = before.get(org.pk, {})
            yield (org.name, org.depth - organization.depth + 1, figures["classes"], old.get("classes", 0), figures["person_times"],
                   old.get("person_times", 0), figures["people"], hours_value(figures["hours"]), hours_value(old.get("hours", 0)))

    def kind_rows():
        now = rollups.statistics_by_kind(user=user, organization=organization, period=period)
        old = rollups.statistics_by_kind(user=user, organization=organization, period=previous)
        for kind in sorted(set(now) | set(old)):
            a, b = now.get(kind, {}), old.get(kind, {})
            yield (str(kinds.get(kind, kind)), a.get("classes", 0), b.get("classes", 0), a.get("person_times", 0), b.get("person_times", 0),
                   hours_value(a.get("hours", 0)), hours_value(b.get("hours", 0)))

    then = _("previous period")
    return Report(
        title=_("Training statistics"), scope=organization.name, period=period_text(period), produced_by=user.display_name or user.username,
        tables=[
            Table(_("By organization"), [
                Column(_("Organization"), width=24), Column(_("Level"), INTEGER, 6), Column(_("Classes held"), INTEGER, 9),
                Column(then, INTEGER, 9), Column(_("Person-times trained"), INTEGER, 9), Column(then, INTEGER, 9),
                Column(_("People trained"), INTEGER, 9), Column(_("Class hours delivered"), HOURS, 10), Column(then, HOURS, 10),
            ], organization_rows, note=_("Previous period: %(period)s.") % {"period": period_text(previous)}),
            Table(_("By kind"), [
                Column(_("Kind"), width=24), Column(_("Classes held"), INTEGER, 9), Column(then, INTEGER, 9),
                Column(_("Person-times trained"), INTEGER, 9), Column(then, INTEGER, 9), Column(_("Class hours delivered"), HOURS, 10),
                Column(then, HOURS, 10),
            ], kind_rows),
        ],
    )


def exams_report(*, user, organization, period: rollups.Period) -> Report:
    """Each exam of the scope and period: who sat it, who passed, the pass rate, the mean and the best score."""

    def rows():
        for exam in rollups.exam_rows(user=user, organization=organization, period=period).iterator(chunk_size=2000):
            mean = (Decimal(exam.score_sum) / exam.attempts_graded / 100).quantize(Decimal("0.01"), ROUND_DOWN) if exam.attempts_graded else None
            yield (exam.title, exam.organization.name, timezone.localtime(exam.opens_at).date(), exam.people, exam.passed,
                   percent_value(exam.passed, exam.people), mean, hours_value(exam.best) if exam.best is not None else None,
                   hours_value(exam.pass_score))

    return Report(
        title=_("Exam analysis"), scope=organization.name, period=period_text(period), produced_by=user.display_name or user.username,
        tables=[Table(_("Exams"), [
            Column(_("Exam"), width=28), Column(_("Organization"), width=18), Column(_("Opens"), width=11),
            Column(_("People who sat it"), INTEGER, 9), Column(_("People who passed"), INTEGER, 9), Column(_("Pass rate"), PERCENT, 9),
            Column(_("Mean score"), HOURS, 9), Column(_("Best score"), HOURS, 9), Column(_("Pass mark"), HOURS, 9),
        ], rows, note=_("Per exam: the people with a graded attempt, and those with a passing one; scores over all graded attempts."))],
    )
