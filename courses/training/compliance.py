"""A class's status against every compliance rule that covers it, computed exactly.

Ratios are compared with integers only (hundredths of a 课时 and hundredths of a percent), so the
boundary is inclusive and exact: 0.7 of 7.0 课时 is 10 % and complies, 0.69 does not. Shortfalls
are rounded up to the unit shown, so doing what the message says is always enough.
"""
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import ClassSession, ComplianceRule, Enrollment, TrainingClass

COMPLIES, SHORT, UNDECIDED = "complies", "short", "undecided"
WHOLE = 10_000  # 100 % in hundredths of a percent


@dataclass
class RuleStatus:
    rule: ComplianceRule
    state: str
    measured: str  # what was measured, for people: "0.7 / 7 课时（10%）"
    message: str  # the verdict in a sentence: "还需 0.5 个专题课时"
    shortfall: Decimal | int | None = None  # in the rule's unit: 课时, sessions or people
    details: dict = field(default_factory=dict)

    @property
    def state_label(self) -> str:
        return {COMPLIES: _("Complies"), SHORT: _("Falls short"), UNDECIDED: _("Not yet decidable")}[self.state]


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def hours_text(centi: int) -> str:
    """Hundredths of a 课时 as a number without trailing zeros: 70 → "0.7", 400 → "4"."""
    return f"{(Decimal(centi) / 100).normalize():f}"


def percent_value(part: int, whole: int) -> str:
    """part / whole in percent, two decimals at most, rounded down: a ratio that falls short
    never reads as the threshold ("9.85" for 69 / 700)."""
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_DOWN)
    return f"{value.normalize():f}"


def percent_text(part: int, whole: int) -> str:
    return percent_value(part, whole) + "%"


def threshold_text(rule: ComplianceRule) -> str:
    if rule.metric == ComplianceRule.Metric.TOPIC_SESSIONS_PER_YEAR:
        return ngettext("at least %(n)d session", "at least %(n)d sessions", rule.threshold) % {"n": rule.threshold}
    return _("at least %(percent)s") % {"percent": percent_text(rule.threshold, 100 * 100)}


def rule_covers(rule: ComplianceRule, training_class: TrainingClass) -> bool:
    if not rule.active or training_class.kind not in (rule.class_kinds or []):
        return False
    return rule.organization is None or training_class.organization.path.startswith(rule.organization.path)


def rules_for_class(training_class: TrainingClass) -> list[ComplianceRule]:
    rules = ComplianceRule.objects.filter(active=True).select_related("organization", "topic")
    return [rule for rule in rules if rule_covers(rule, training_class)]


def _topic_ratio(rule, total: int, topic: int) -> RuleStatus:
    topic_name = rule.topic.name if rule.topic else ""
    if total == 0:
        return RuleStatus(rule, UNDECIDED, _("No class hours scheduled"), _("No sessions with class hours are scheduled yet."))
    measured = _("%(topic)s / %(total)s class hours (%(percent)s)") % {
        "topic": hours_text(topic), "total": hours_text(total), "percent": percent_text(topic, total),
    }
    details = {"topic_centi_hours": topic, "total_centi_hours": total}
    if topic * WHOLE >= rule.threshold * total:
        return RuleStatus(rule, COMPLIES, measured, _("Complies: %(topic_name)s takes %(percent)s of the class hours.") % {
            "topic_name": topic_name, "percent": percent_text(topic, total)}, Decimal(0), details)
    # Tagging existing sessions: the total stays, the topic hours must reach threshold × total.
    retag = _ceil_div(rule.threshold * total, WHOLE) - topic
    details["retag_centi_hours"] = retag
    message = _("Needs %(hours)s more topic class hours (of %(total)s class hours in all).") % {
        "hours": hours_text(retag), "total": hours_text(total)}
    if rule.threshold < WHOLE:
        # Adding new topic sessions raises the total too: x ≥ (threshold × total − topic) / (1 − threshold).
        added = _ceil_div(rule.threshold * total - WHOLE * topic, WHOLE - rule.threshold)
        details["add_centi_hours"] = added
        message += " " + _("Scheduling new topic sessions instead takes %(hours)s class hours, as they add to the total.") % {
            "hours": hours_text(added)}
    return RuleStatus(rule, SHORT, measured, message, Decimal(retag) / 100, details)


def _sessions_per_year(rule, year: int, sessions: int, topic_sessions: int) -> RuleStatus:
    if sessions == 0:
        return RuleStatus(rule, UNDECIDED, _("No sessions scheduled"), _("No sessions are scheduled yet."))
    measured = ngettext("%(n)d topic session in %(year)d", "%(n)d topic sessions in %(year)d", topic_sessions) % {
        "n": topic_sessions, "year": year}
    details = {"topic_sessions": topic_sessions}
    if topic_sessions >= rule.threshold:
        return RuleStatus(rule, COMPLIES, measured, _("Complies."), 0, details)
    missing = rule.threshold - topic_sessions
    return RuleStatus(rule, SHORT, measured, ngettext(
        "Needs %(n)d more session on %(topic)s in %(year)d.", "Needs %(n)d more sessions on %(topic)s in %(year)d.", missing,
    ) % {"n": missing, "topic": rule.topic.name if rule.topic else "", "year": year}, missing, details)


def _coverage(rule, training_class, enrolled: int, trained: int) -> RuleStatus:
    target = training_class.target_count or enrolled
    if target == 0:
        return RuleStatus(rule, UNDECIDED, _("No target roster"), _("Set the target number of trainees or enrol the roster."))
    measured = _("%(trained)d of %(target)d trained (%(percent)s)") % {
        "trained": trained, "target": target, "percent": percent_text(trained, target)}
    details = {"trained": trained, "target": target}
    if training_class.status != TrainingClass.Status.CLOSED:
        return RuleStatus(rule, UNDECIDED, _("%(enrolled)d enrolled of %(target)d") % {"enrolled": enrolled, "target": target},
                          _("Decided when the class closes and completion is known."), None, details)
    if trained * WHOLE >= rule.threshold * target:
        return RuleStatus(rule, COMPLIES, measured, _("Complies."), 0, details)
    missing = _ceil_div(rule.threshold * target, WHOLE) - trained
    return RuleStatus(rule, SHORT, measured, ngettext(
        "%(n)d more person must be trained.", "%(n)d more people must be trained.", missing) % {"n": missing}, missing, details)


def class_compliance(training_class: TrainingClass) -> list[RuleStatus]:
    """The class's status against each active rule that covers it (a handful of aggregate queries)."""
    rules = rules_for_class(training_class)
    if not rules:
        return []
    sessions = ClassSession.objects.filter(training_class=training_class)
    totals = sessions.aggregate(total=Sum("centi_hours", default=0), count=Count("id"))
    topic_ids = {rule.topic_id for rule in rules if rule.topic_id}
    by_topic = {
        row["topics"]: row
        for row in sessions.filter(topics__in=topic_ids).values("topics").annotate(
            centi=Sum("centi_hours"), in_year=Count("id", filter=Q(starts_at__year=training_class.year))
        )
    } if topic_ids else {}
    people = None
    result = []
    for rule in rules:
        row = by_topic.get(rule.topic_id, {})
        if rule.metric == ComplianceRule.Metric.TOPIC_HOUR_RATIO:
            result.append(_topic_ratio(rule, totals["total"], row.get("centi", 0)))
        elif rule.metric == ComplianceRule.Metric.TOPIC_SESSIONS_PER_YEAR:
            result.append(_sessions_per_year(rule, training_class.year, totals["count"], row.get("in_year", 0)))
        elif rule.metric == ComplianceRule.Metric.ROSTER_COVERAGE:
            if people is None:
                people = Enrollment.objects.filter(
                    training_class=training_class, status=Enrollment.Status.ENROLLED
                ).aggregate(enrolled=Count("id"), trained=Count("id", filter=Q(completed=True)))
            result.append(_coverage(rule, training_class, people["enrolled"], people["trained"]))
    return result
