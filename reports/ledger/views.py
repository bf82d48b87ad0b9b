"""Pages of the rectification ledger: the list (filters, overdue in red, exports), a finding's page
(status and the next steps the user may take, measures, evidence, responsible people, the
timeline), and the form that files a finding, prefilled from a class that falls short. Thin over
the same selectors and services as the API."""
import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import scope
from backend.errors import ApplicationError
from backend.pages import add_service_errors
from courses.training import selectors as class_selectors

from . import rules, selectors, services
from .downloads import evidence_download, export_response, filtered
from .forms import (
    EvidenceForm,
    FindingForm,
    LedgerFilterForm,
    MeasureForm,
    ResponsibilityForm,
    TransitionForm,
)

PAGE_SIZE = 30
DEFAULT_DAYS_TO_RECTIFY = 30
FORMLESS_OPS = ("measure_done", "measure_undone", "measure_delete", "responsibility_delete", "evidence_delete")


def _require_staff(user) -> None:
    if not scope.has_any_role(user, rules.VIEWER_ROLES):
        raise PermissionDenied(_("The rectification ledger is for organizers, auditors and administrators."))


def _filter_form(request):
    organizations = selectors.organizations_for_filter(user=request.user)
    return LedgerFilterForm(request.GET or None, organizations=organizations)


@login_required
def ledger(request):
    user = request.user
    _require_staff(user)
    form = _filter_form(request)
    filters = form.filters()
    findings, _organization = filtered(request, selectors.finding_list(user=user), filters)
    page = Paginator(findings, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(request, "reports/ledger/list.html", {
        "form": form, "page": page, "page_query": urlencode(query), "filtered": bool(query),
        "can_file": selectors.can_file(user), "export_query": urlencode(query),
    })


@login_required
def ledger_export(request):
    _require_staff(request.user)
    form = _filter_form(request)
    filters = form.filters()
    file_format = "pdf" if request.GET.get("file_format") == "pdf" else "xlsx"
    findings, organization = filtered(request, selectors.finding_list(user=request.user), filters)
    return export_response(request, findings, filters, organization, file_format)


@login_required
def finding_new(request):
    user = request.user
    organizations = selectors.organizations_for_filing(user=user)
    if not selectors.can_file(user):
        raise PermissionDenied(_("Only auditors and administrators file findings."))
    training_class, draft = None, None
    class_pk = request.POST.get("training_class") or request.GET.get("training_class")
    if class_pk:
        training_class = class_selectors.class_for_user(user=user, pk=class_pk) if str(class_pk).isdigit() else None
        if training_class is None or not class_selectors.can_view_records(user, training_class):
            raise Http404
        draft = selectors.finding_draft_for_class(training_class=training_class)
    initial = {"due_on": timezone.localdate() + datetime.timedelta(days=DEFAULT_DAYS_TO_RECTIFY)}
    if draft:
        initial.update(organization=draft["organization"].pk, training_class=training_class.pk, title=draft["title"],
                       description=draft["description"], category=draft["category"])
    form = FindingForm(request.POST or None, organizations=organizations, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        organization = organizations.filter(pk=data.pop("organization")).first()
        data.pop("training_class", None)
        try:
            if organization is None:
                raise ApplicationError("not_in_scope", _("Choose an organization you audit."),
                                       errors={"organization": [_("Choose an organization you audit.")]})
            finding = services.finding_file(actor=user, organization=organization, training_class=training_class, **data)
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The finding is filed. The organization's organizers can now answer it."))
            return redirect("ledger-finding", pk=finding.pk)
    return render(request, "reports/ledger/new.html", {
        "form": form, "training_class": training_class, "shortfalls": draft["shortfalls"] if draft else [],
    }, status=400 if form.errors else 200)


def _finding_or_404(user, pk):
    finding = selectors.finding_for_user(user=user, pk=pk)
    if finding is None:
        raise Http404
    return finding


def _bound(form_class, request, op, current_op, **kwargs):
    """A form bound to the POST when it was the one sent, else a blank one."""
    if op == current_op:
        return form_class(request.POST, request.FILES, **kwargs)
    return form_class(**kwargs)


def _run(request, form, work, success: str) -> bool:
    """Call a service with a valid form; its refusal goes on the form (or into a message)."""
    if form is not None and not form.is_valid():
        return False
    try:
        work()
    except ApplicationError as exc:
        if form is None:
            messages.error(request, exc.message)
        else:
            add_service_errors(form, exc)
        return False
    messages.success(request, success)
    return True


def _handle(request, finding, op, forms):
    """Apply one POSTed operation; True when it succeeded (then the page redirects)."""
    user, post = request.user, request.POST
    if op == "transition":
        form = forms["transition"]
        if not form.is_valid():
            return False
        action = form.cleaned_data["action"]
        label = rules.TRANSITIONS[action].label if action in rules.TRANSITIONS else action
        return _run(request, form, lambda: services.finding_transition(
            actor=user, finding=finding, action=action, comment=form.cleaned_data["comment"]),
            _("Done: %(action)s.") % {"action": label})
    if op == "edit":
        form = forms["edit"]
        return _run(request, form, lambda: services.finding_update(actor=user, finding=finding, **form.cleaned_data),
                    _("The finding is saved."))
    if op == "measure_add":
        form = forms["measure"]
        return _run(request, form, lambda: services.measure_create(actor=user, finding=finding, **form.cleaned_data),
                    _("Measure added."))
    if op in ("measure_done", "measure_undone", "measure_delete"):
        measure = selectors.measure_of(finding=finding, pk=post.get("measure")) if post.get("measure", "").isdigit() else None
        if measure is None:
            raise Http404
        if op == "measure_delete":
            return _run(request, None, lambda: services.measure_delete(actor=user, measure=measure), _("Measure removed."))
        done = op == "measure_done"
        return _run(request, None, lambda: services.measure_set_done(actor=user, measure=measure, done=done),
                    _("Measure marked done.") if done else _("Measure marked not done."))
    if op == "responsibility_add":
        form = forms["responsibility"]
        return _run(request, form, lambda: services.responsibility_create(actor=user, finding=finding, **form.cleaned_data),
                    _("Responsible person added."))
    if op == "responsibility_delete":
        item = selectors.responsibility_of(finding=finding, pk=post.get("responsibility")) if post.get("responsibility", "").isdigit() else None
        if item is None:
            raise Http404
        return _run(request, None, lambda: services.responsibility_delete(actor=user, responsibility=item),
                    _("Responsible person removed."))
    if op == "evidence_add":
        form = forms["evidence"]
        if not form.is_valid():
            return False
        measure = None
        if form.cleaned_data["measure"]:
            measure = selectors.measure_of(finding=finding, pk=form.cleaned_data["measure"])
        return _run(request, form, lambda: services.evidence_upload(actor=user, finding=finding, file=form.cleaned_data["file"],
                                                                   measure=measure), _("File uploaded."))
    if op == "evidence_delete":
        evidence = selectors.evidence_of(finding=finding, pk=post.get("evidence")) if post.get("evidence", "").isdigit() else None
        if evidence is None:
            raise Http404
        return _run(request, None, lambda: services.evidence_delete(actor=user, evidence=evidence), _("File removed."))
    raise Http404


@login_required
def finding_page(request, pk):
    user = request.user
    finding = _finding_or_404(user, pk)
    op = request.POST.get("op") if request.method == "POST" else None
    measures = list(selectors.measure_list(finding=finding))
    forms = {
        "transition": _bound(TransitionForm, request, op, "transition"),
        "edit": _bound(FindingForm, request, op, "edit", initial={
            "title": finding.title, "description": finding.description, "category": finding.category, "due_on": finding.due_on}),
        "measure": _bound(MeasureForm, request, op, "measure_add"),
        "responsibility": _bound(ResponsibilityForm, request, op, "responsibility_add"),
        "evidence": _bound(EvidenceForm, request, op, "evidence_add", measures=measures),
    }
    if op is not None:
        # Buttons without a form of their own show a refusal as a message after the redirect.
        if _handle(request, finding, op, forms) or op in FORMLESS_OPS:
            return redirect("ledger-finding", pk=finding.pk)
        finding = _finding_or_404(user, pk)  # a refused write changed nothing; show it as stored
    actions = [rules.TRANSITIONS[name] for name in rules.allowed_actions(user, finding)]
    evidence = list(selectors.evidence_list(finding=finding))
    can_rectify = rules.can_rectify(user, finding)
    not_closed = finding.status != finding.Status.CLOSED
    failed = op is not None and any(form.is_bound and form.errors for form in forms.values())
    return render(request, "reports/ledger/detail.html", {
        "finding": finding, "measures": measures, "evidence": [e for e in evidence if e.measure_id is None],
        "responsibilities": list(selectors.responsibility_list(finding=finding)),
        "timeline": selectors.finding_timeline(finding=finding), "actions": actions, "forms": forms, "open_op": op,
        "can_review": rules.can_review(user, finding), "can_rectify": can_rectify,
        "measures_open": can_rectify and rules.measures_open(finding), "can_attach": not_closed,
        "can_reviewer_edit": rules.can_review(user, finding) and not_closed,
    }, status=400 if failed else 200)


@login_required
def evidence_page_download(request, pk):
    evidence = selectors.evidence_for_user(user=request.user, pk=pk)
    if evidence is None:
        raise Http404
    return evidence_download(evidence)
