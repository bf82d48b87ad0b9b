"""Exams: the list, a new exam, and an exam's page (settings, the paper, publishing, releasing,
the attempts)."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from accounts import scope
from backend.errors import ApplicationError
from courses.models import TrainingClass

from .. import access, selectors, setup
from ..forms import ExamForm, RuleFormSet, add_service_errors, parse_points, points_input
from ..grading import grader
from ..models import Attempt, Exam, ExamItem, ExamRule, Question
from ..serializers import points_text
from . import PAGE_SIZE, exam_or_404, minutes_text, run

PICKER_MAX = 200
CLASS_CHOICES_MAX = 200


def _classes(user):
    return (
        scope.scope_filter(TrainingClass.objects.select_related("organization"), user, scope.MANAGER_ROLES)
        .exclude(status=TrainingClass.Status.CLOSED).order_by("-starts_on", "-id")[:CLASS_CHOICES_MAX]
    )


def _managed_organizations(user):
    return scope.organizations_in_scope(user, scope.MANAGER_ROLES)


def _exam_values(user, form) -> dict:
    """The form's values for exam_create / exam_update, with the audience looked up in scope."""
    values = dict(form.cleaned_data)
    values.pop("organization", None)
    class_id, organization_id = values.pop("training_class"), values.pop("audience_organization")
    values["training_class"] = TrainingClass.objects.select_related("organization").filter(pk=class_id).first() if class_id else None
    values["audience_organization"] = _managed_organizations(user).filter(pk=organization_id).first() if organization_id else None
    return values


@login_required
def exam_index(request):
    user = request.user
    if not scope.has_any_role(user, scope.STAFF_ROLES):
        raise PermissionDenied
    exams = selectors.exam_list_for_staff(user=user)
    status = request.GET.get("status", "")
    if status in Exam.Status.values:
        exams = exams.filter(status=status)
    page = Paginator(exams, PAGE_SIZE).get_page(request.GET.get("page"))
    ids = [e.pk for e in page.object_list]
    attempts = dict(Attempt.objects.filter(exam__in=ids).order_by().values("exam").annotate(n=Count("id")).values_list("exam", "n"))
    waiting = grader.review_queue_counts(ids)
    random_totals: dict[int, int] = {}
    for exam_id, count, points in ExamRule.objects.filter(exam__in=ids).values_list("exam", "count", "points"):
        random_totals[exam_id] = random_totals.get(exam_id, 0) + count * points
    for exam in page.object_list:
        exam.attempt_count = attempts.get(exam.pk, 0)
        exam.waiting = waiting.get(exam.pk, 0)
        exam.question_count = exam.item_count if exam.paper == Exam.Paper.FIXED else exam.rule_questions
        exam.total_text = points_text(exam.fixed_total if exam.paper == Exam.Paper.FIXED else random_totals.get(exam.pk, 0))
    return render(request, "exams/staff/exam_list.html", {
        "page": page, "status": status, "statuses": Exam.Status.choices,
        "can_create": scope.has_any_role(user, scope.MANAGER_ROLES), "page_query": f"status={status}" if status else "",
    })


@login_required
def exam_new(request):
    user = request.user
    organizations = _managed_organizations(user)
    if not organizations.exists():
        raise PermissionDenied(_("Only organizers and administrators can set an exam."))
    form = ExamForm(request.POST or None, organizations=organizations, classes=_classes(user))
    if request.method == "POST" and form.is_valid():
        organization = organizations.get(pk=form.cleaned_data["organization"])
        try:
            exam = setup.exam_create(actor=user, organization=organization, **_exam_values(user, form))
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The exam is set up as a draft. Put questions on its paper, then publish it."))
            return redirect("exam-page", pk=exam.pk)
    return render(request, "exams/staff/exam_form.html", {"form": form}, status=400 if form.errors else 200)


def _leaderboard_url(exam) -> str | None:
    """The contest ranking page, when it is installed."""
    path = f"/exams/{exam.pk}/leaderboard/"
    try:
        resolve(path)
    except Resolver404:
        return None
    return path


def _items(exam):
    items = list(ExamItem.objects.filter(exam=exam).select_related("question__current", "question__bank").order_by("position"))
    for item in items:
        item.points_value = points_input(item.points)
    return items


def _picker(request, user, exam, items):
    """The bank whose questions are offered for the fixed paper, and those questions."""
    banks = list(setup.usable_banks(user).select_related("organization").order_by("title", "id"))
    chosen = request.GET.get("bank")
    bank = next((b for b in banks if str(b.pk) == chosen), None)
    if bank is None and items:
        bank = next((b for b in banks if b.pk == items[0].question.bank_id), None)
    if bank is None and banks:
        bank = banks[0]
    candidates = []
    if bank is not None:
        on_paper = [i.question_id for i in items]
        queryset = selectors.question_list(user=user, bank=bank).prefetch_related(None).filter(archived=False).exclude(pk__in=on_paper)
        if request.GET.get("kind") in Question.Kind.values:
            queryset = queryset.filter(kind=request.GET["kind"])
        candidates = list(queryset.order_by("id")[:PICKER_MAX + 1])
        for question in candidates:
            question.points_value = points_input(question.points)
    return banks, bank, candidates


def _rule_initial(rules) -> list[dict]:
    return [
        {"bank": r.bank_id, "kind": r.kind, "tag": r.tag.name if r.tag_id else "", "difficulty": r.difficulty,
         "count": r.count, "points": points_input(r.points)}
        for r in rules
    ]


def _exam_context(request, exam, *, settings_form=None, rule_formset=None, rule_errors=None, paper_tab=None) -> dict:
    user = request.user
    can_manage = access.can_manage_exam(user, exam)
    attempts = Paginator(selectors.attempt_list(exam=exam), PAGE_SIZE).get_page(request.GET.get("page"))
    for attempt in attempts.object_list:
        attempt.score_text = points_text(attempt.score)
        attempt.max_text = points_text(attempt.max_score)
        attempt.taken_text = minutes_text(attempt.seconds_taken)
    items = _items(exam)
    rules = list(ExamRule.objects.filter(exam=exam).select_related("bank", "tag").order_by("position", "id"))
    for rule in rules:
        rule.stock = setup.rule_stock(rule)
        rule.points_text = points_text(rule.points)
    count, total = setup.paper_summary(exam)
    context = {
        "exam": exam, "can_manage": can_manage, "attempts": attempts, "started": attempts.paginator.count > 0,
        "items": items, "rules": rules, "paper_count": count, "paper_total": points_text(total),
        "pass_text": points_text(exam.pass_score), "waiting": grader.review_queue_counts([exam.pk]).get(exam.pk, 0),
        "leaderboard_url": _leaderboard_url(exam), "rule_errors": rule_errors or [],
        "paper_tab": paper_tab or exam.paper, "kinds": Question.Kind.choices,
    }
    if can_manage:
        banks, bank, candidates = _picker(request, user, exam, items)
        context.update(
            settings_form=settings_form or ExamForm(initial=ExamForm.initial_for(exam), organizations=_managed_organizations(user),
                                                    classes=_classes(user), fixed_organization=True),
            banks=banks, picker_bank=bank, candidates=candidates[:PICKER_MAX], more_candidates=len(candidates) > PICKER_MAX,
            picker_kind=request.GET.get("kind", ""),
            rule_formset=rule_formset or RuleFormSet(prefix="rules", initial=_rule_initial(rules), form_kwargs={"banks": banks}),
        )
    return context


@login_required
def exam_page(request, pk):
    user = request.user
    exam = exam_or_404(user, pk)
    if request.method == "POST":
        if not access.can_manage_exam(user, exam):
            raise PermissionDenied
        handler = _ACTIONS.get(request.POST.get("action", ""))
        if handler is None:
            raise Http404
        response = handler(request, exam)
        if response is not None:
            return response
        return redirect("exam-page", pk=exam.pk)
    return render(request, "exams/staff/exam_detail.html", _exam_context(request, exam))


def _save_settings(request, exam):
    user = request.user
    form = ExamForm(request.POST, organizations=_managed_organizations(user), classes=_classes(user), fixed_organization=True)
    if form.is_valid():
        try:
            setup.exam_update(actor=user, exam=exam, **_exam_values(user, form))
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Settings saved."))
            return None
    messages.error(request, _("The settings were not saved: see the marked fields."))
    return render(request, "exams/staff/exam_detail.html", _exam_context(request, exam, settings_form=form), status=400)


def _save_items(request, exam):
    items, problems = [], []
    for raw in request.POST.getlist("question"):
        if not raw.isdigit():
            continue
        typed = (request.POST.get(f"points_{raw}") or "").strip()
        try:
            points = parse_points(typed) if typed else None
        except forms.ValidationError as exc:
            problems.append(_("Question %(id)s: %(message)s") % {"id": raw, "message": " ".join(exc.messages)})
            continue
        items.append((int(raw), points))
    if problems:
        for problem in problems:
            messages.error(request, problem)
        return None
    if not items:
        messages.error(request, _("Tick at least one question for the paper."))
        return None
    run(request, lambda: setup.exam_set_items(actor=request.user, exam=exam, items=items),
        _("The paper is saved: %(count)d questions.") % {"count": len(items)})
    return None


def _save_rules(request, exam):
    banks = list(setup.usable_banks(request.user).order_by("title", "id"))
    formset = RuleFormSet(request.POST, prefix="rules", form_kwargs={"banks": banks})
    errors = []
    if formset.is_valid():
        rules = [
            {k: f.cleaned_data[k] for k in ("bank", "kind", "tag", "difficulty", "count", "points")}
            for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("empty")
        ]
        if not rules:
            errors = [_("Fill in at least one rule.")]
        else:
            try:
                setup.exam_set_rules(actor=request.user, exam=exam, rules=rules)
            except ApplicationError as exc:
                errors = list((exc.errors or {}).get("rules") or [exc.message]) if isinstance(exc.errors, dict) or exc.errors is None else [exc.message]
            else:
                messages.success(request, _("The rules are saved: each trainee gets a paper drawn by them."))
                return None
    context = _exam_context(request, exam, rule_formset=formset, rule_errors=errors, paper_tab=Exam.Paper.RANDOM)
    messages.error(request, _("The rules were not saved."))
    return render(request, "exams/staff/exam_detail.html", context, status=400)


def _publish(request, exam):
    run(request, lambda: setup.exam_publish(actor=request.user, exam=exam), _("The exam is published: its audience can see it."))


def _release(request, exam):
    run(request, lambda: setup.exam_release(actor=request.user, exam=exam), _("Results and keys are released to the trainees."))


_ACTIONS = {"settings": _save_settings, "items": _save_items, "rules": _save_rules, "publish": _publish, "release": _release}
