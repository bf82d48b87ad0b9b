"""The annual summary paragraph (年度培训工作小结): an organization's year in sentences in the
style of the seed reports, every number from the same queries as the reports."""
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from courses.training.compliance import hours_text, percent_text

from . import rollups


def annual_summary(*, user, organization, year: int) -> dict:
    """{"text": the paragraph, "figures": the numbers it quotes}."""
    period = rollups.Period.year(year)
    rules = rollups.topic_rules()
    rule = rules[0] if rules else None
    stats = rollups.statistics(user=user, organization=organization, period=period, topic_id=rule.topic_id if rule else None)
    sentences = [
        _("In %(year)d, %(name)s held %(classes)d training classes, training %(person_times)d person-times "
          "(%(people)d people) over %(hours)s class hours.") % {
            "year": year, "name": organization.name, "classes": stats["classes"], "person_times": stats["person_times"],
            "people": stats["people"], "hours": hours_text(stats["hours"])},
    ]
    if stats["lectures"]:
        sentences.append(_("It held %(lectures)d lectures with an audience of %(audience)d person-times.") % {
            "lectures": stats["lectures"], "audience": stats["audience"]})
    figures = dict(stats)
    if rule is not None:
        rollup = rollups.compliance_rollup(user=user, organization=organization, period=period, rule=rule)
        top = next((r for r in rollup if r.organization.pk == organization.pk), None)
        if top is not None and top.total:
            sentences.append(_("In the main classes the rule covers, %(topic)s took %(percent)s of the class hours; "
                               "%(complying)d of %(decidable)d classes met the %(threshold)s threshold.") % {
                "topic": rule.topic.name if rule.topic else "", "percent": percent_text(top.topic, top.total),
                "complying": top.complying, "decidable": top.decidable, "threshold": percent_text(rule.threshold, rollups.WHOLE)})
            figures.update(covered_classes=top.classes, complying=top.complying, decidable=top.decidable,
                           covered_hours=top.total, covered_topic_hours=top.topic)
    separator = "" if (get_language() or "").startswith("zh") else " "  # Chinese sentences run on
    return {"text": separator.join(sentences), "figures": figures}
