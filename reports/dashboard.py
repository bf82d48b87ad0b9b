"""The auditors' dashboard: an organization of the tree with its year's figures, each unit under it
with its own (drill down by clicking), and the classes it hosts itself, those that fall short
standing out. Thin over reports.rollups; the figures are the reports' own."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from accounts import scope
from accounts.models import Organization
from courses.training.compliance import hours_text, percent_text

from . import rollups


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        raise Http404
    if not 2000 <= year <= 2100:
        raise Http404
    return year


def _rate(complying: int, decidable: int) -> str:
    return "—" if not decidable else percent_text(complying, decidable)


@login_required
def dashboard(request):
    user = request.user
    if not scope.has_any_role(user, scope.STAFF_ROLES):
        raise PermissionDenied
    allowed = scope.organizations_in_scope(user, scope.STAFF_ROLES)
    node = allowed.filter(pk=request.GET.get("organization")).first() if request.GET.get("organization") else allowed.order_by("depth", "path").first()
    if node is None:
        raise Http404
    year = _year(request)
    period = rollups.Period.year(year)
    rule = next(iter(rollups.topic_rules()), None)
    rollup = {r.organization.path: r for r in rollups.compliance_rollup(user=user, organization=node, period=period, rule=rule)} if rule else {}
    step = Organization.steplen
    children = list(allowed.filter(path__startswith=node.path, depth=node.depth + 1).order_by("path"))
    by_child = rollups.statistics_by_prefix(user=user, organization=node, period=period, width=(node.depth + 1) * step)
    figures = rollups.statistics(user=user, organization=node, period=period)
    rows = []
    for child in children:
        compliance = rollup.get(child.path)
        stats = by_child.get(child.path, {})
        rows.append({
            "organization": child, "classes": stats.get("classes", 0), "person_times": stats.get("person_times", 0),
            "people": stats.get("people", 0), "hours": hours_text(stats.get("hours", 0)),
            "covered": compliance.classes if compliance else 0,
            "rate": _rate(compliance.complying, compliance.decidable) if compliance else "—",
            "short": bool(compliance and compliance.complying < compliance.decidable),
        })
    here = []
    page = None
    if rule:
        hosted = rollups.compliance_classes(user=user, organization=node, period=period, rule=rule).filter(organization=node)
        page = Paginator(hosted, 50).get_page(request.GET.get("page"))
        for c in page.object_list:
            state, retag = rollups.class_state(total=c.total, topic=c.topic, threshold=rule.threshold)
            here.append({"class": c, "state": state, "total": hours_text(c.total), "topic": hours_text(c.topic),
                         "share": percent_text(c.topic, c.total) if c.total else "—", "retag": hours_text(retag)})
    top = rollup.get(node.path)
    ancestors = list(allowed.filter(path__in=[node.path[:end] for end in range(step, len(node.path), step)]).order_by("depth"))
    return render(request, "reports/dashboard.html", {
        "node": node, "ancestors": ancestors, "year": year, "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
        "rule": rule, "figures": figures, "hours": hours_text(figures["hours"]), "rows": rows, "here": here, "page": page,
        "rate": _rate(top.complying, top.decidable) if top else "—", "top": top,
        "can_file": scope.has_any_role(user, (scope.AUDITOR, scope.ADMIN)),
    })
