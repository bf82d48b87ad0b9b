"""A class's certificates, for the staff of the class: the criteria (template, optional exam, issue on
close), issuing with the latest run's progress and problems, the certificates with revoke and
reissue, and the ZIP of them all. Organizers and administrators act; auditors look."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from backend.errors import ApplicationError
from backend.pages import add_service_errors
from courses.models import TrainingClass
from courses.training import selectors as class_selectors
from exams import access as exam_access
from exams import selectors as exam_selectors

from .. import selectors, services
from ..forms import CriteriaForm, ReasonForm
from ..models import IssueRun
from ..rendering import format_centi_hours
from . import PAGE_SIZE, run

EXAM_CHOICES = 200  # the newest exams the user manages, this class's first


def _class_for_staff(user, pk) -> TrainingClass:
    training_class = class_selectors.class_for_user(user=user, pk=pk)
    if training_class is None or not class_selectors.can_view_records(user, training_class):
        raise Http404
    return training_class


def _exams_to_choose(user, training_class, current=None) -> list:
    exams = [e for e in exam_selectors.exam_list_for_staff(user=user)[:EXAM_CHOICES] if exam_access.can_manage_exam(user, e)]
    if current is not None and current.pk not in {e.pk for e in exams}:
        exams.append(current)  # chosen by someone else: shown, though only its managers may keep it
    return sorted(exams, key=lambda e: e.training_class_id != training_class.pk)


def _criteria_form(data, *, user, training_class, criteria):
    templates = list(selectors.templates_for_class(training_class=training_class))
    exams = _exams_to_choose(user, training_class, criteria.exam if criteria else None)
    initial = {"issue_on_close": True}
    if criteria is not None:
        initial = {"template": criteria.template_id, "exam": criteria.exam_id, "issue_on_close": criteria.issue_on_close}
    return CriteriaForm(data, templates=templates, exams=exams, initial=initial), templates, exams


def _criteria_set(request, form, templates, exams, training_class) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    template = next((t for t in templates if t.pk == data["template"]), None)
    exam = next((e for e in exams if e.pk == data["exam"]), None) if data["exam"] else None
    try:
        services.criteria_set(actor=request.user, training_class=training_class, template=template, exam=exam,
                              issue_on_close=data["issue_on_close"])
    except ApplicationError as exc:
        add_service_errors(form, exc)
        return False
    messages.success(request, _("The certificate criteria are saved."))
    return True


def _certificate_action(request, training_class, action) -> None:
    form = ReasonForm(request.POST)
    if not form.is_valid():
        raise Http404
    certificate = selectors.class_certificates(training_class=training_class).filter(pk=form.cleaned_data["certificate"]).first()
    if certificate is None:
        raise Http404
    reason = form.cleaned_data["reason"]
    if action == "revoke":
        run(request, lambda: services.certificate_revoke(actor=request.user, certificate=certificate, reason=reason),
            _("Certificate %(serial)s is revoked; its verification page says so.") % {"serial": certificate.serial})
    else:
        new = run(request, lambda: services.certificate_reissue(actor=request.user, certificate=certificate, reason=reason))
        if new:
            messages.success(request, _("Certificate %(old)s is replaced by %(new)s.") % {"old": certificate.serial, "new": new.serial})


@login_required
def class_certificates(request, pk):
    user = request.user
    training_class = _class_for_staff(user, pk)
    can_manage = class_selectors.can_manage(user, training_class)
    criteria = selectors.criteria_for_class(training_class=training_class)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    action = request.POST.get("action") if request.method == "POST" else None
    form = None
    if can_manage and action in (None, "criteria"):
        form, templates, exams = _criteria_form(request.POST if action == "criteria" else None,
                                                user=user, training_class=training_class, criteria=criteria)
    if action == "criteria":
        if _criteria_set(request, form, templates, exams, training_class):
            return redirect("class-certificates", pk=training_class.pk)
    elif action == "issue":
        run(request, lambda: services.issue_request(actor=user, training_class=training_class),
            _("Issuing has started; this page follows its progress."))
        return redirect("class-certificates", pk=training_class.pk)
    elif action in ("revoke", "reissue"):
        _certificate_action(request, training_class, action)
        return redirect("class-certificates", pk=training_class.pk)
    elif action is not None:
        raise Http404
    latest = selectors.latest_run(training_class=training_class)
    page = Paginator(selectors.class_certificates(training_class=training_class), PAGE_SIZE).get_page(request.GET.get("page"))
    for certificate in page.object_list:
        certificate.hours_text = format_centi_hours(certificate.centi_hours)
    return render(request, "certificates/class_certificates.html", {
        "training_class": training_class, "can_manage": can_manage, "criteria": criteria, "form": form,
        "run": latest, "run_active": latest is not None and latest.status in (IssueRun.Status.QUEUED, IssueRun.Status.RUNNING),
        "page": page, "closed": training_class.status == TrainingClass.Status.CLOSED,
    }, status=400 if form is not None and form.errors else 200)
