"""Each report as tables, for the page, the workbook and the PDF alike (the same rows everywhere)."""
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
