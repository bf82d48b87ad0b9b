"""The question editor: a new question of a chosen kind, editing (a new version once an attempt
used the current one), and correcting the key (which regrades the attempts that used it)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from backend.errors import ApplicationError
from courses import selectors as course_selectors
from courses.models import Section

from .. import questions
from ..forms import KeyCorrectionForm, QuestionForm, add_service_errors, answer_from_key, points_input
from ..models import Answer, Question
from . import bank_or_404, question_or_404

SECTION_CHOICES_MAX = 500


def section_choices(user, linked=()) -> list:
    """Sections of the current versions of the documents in the user's library, grouped by
    document, and the sections the question already links to."""
    sections = list(
        course_selectors.section_list(user=user).filter(version=F("version__document__current_version"))
        .order_by("version__document__title", "version__document_id", "position")[:SECTION_CHOICES_MAX]
    )
    known = {s.pk for s in sections}
    sections += [s for s in linked if s.pk not in known]
    groups: dict[str, list] = {}
    for section in sections:
        groups.setdefault(section.version.document.title, []).append((section.pk, section.heading or str(section)))
    return list(groups.items())


def _values(form) -> dict:
    data = form.cleaned_data
    return {
        "stem": data["stem"], "options": data["options"], "key": data["key"], "analysis": data["analysis"],
        "difficulty": data["difficulty"], "points": data["points"], "tags": data["tags"],
        "knowledge_points": list(Section.objects.filter(pk__in=data["knowledge_points"])),
    }


@login_required
def question_new(request, pk):
    user = request.user
    bank = bank_or_404(user, pk, edit=True)
    kind = request.POST.get("kind") or request.GET.get("kind") or Question.Kind.SINGLE
    if kind not in Question.Kind.values:
        kind = Question.Kind.SINGLE
    form = QuestionForm(request.POST or None, kind=kind, sections=section_choices(user))
    if request.method == "POST" and form.is_valid():
        try:
            question = questions.question_create(actor=user, bank=bank, kind=kind, **_values(form))
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Question saved."))
            if "add_another" in request.POST:
                return redirect(f"{request.path}?kind={kind}")
            return redirect("question-edit", pk=question.pk)
    return render(request, "exams/staff/question_form.html", {
        "bank": bank, "form": form, "kind": kind, "kinds": Question.Kind.choices, "question": None,
    }, status=400 if form.errors else 200)


def _initial(question: Question) -> dict:
    version = question.current
    initial = {
        "stem": version.stem, "analysis": version.analysis, "difficulty": question.difficulty,
        "points": points_input(question.points), "tags": "、".join(t.name for t in question.tags.all()),
        "knowledge_points": [s.pk for s in question.knowledge_points.all()],
        "answer": answer_from_key(question.kind, version.key),
    }
    for i, text in enumerate(version.options):
        initial[f"option_{i}"] = text
    return initial


def _key_form(question, data=None):
    version = question.current
    return KeyCorrectionForm(data, prefix="key", kind=question.kind, options=version.options,
                             initial={"answer": answer_from_key(question.kind, version.key)})


@login_required
def question_edit(request, pk):
    user = request.user
    question = question_or_404(user, pk, edit=True)
    linked = list(question.knowledge_points.select_related("version__document"))
    form = QuestionForm(request.POST or None, kind=question.kind, sections=section_choices(user, linked), initial=_initial(question))
    if request.method == "POST" and form.is_valid():
        before = question.current
        try:
            question = questions.question_update(actor=user, question=question, **_values(form))
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            if question.current_id != before.pk:
                messages.success(request, _(
                    "Saved as version %(number)d: attempts already held version %(previous)d and keep what they were given."
                ) % {"number": question.current.number, "previous": before.number})
            else:
                messages.success(request, _("Question saved."))
            return redirect("question-edit", pk=question.pk)
    return render(request, "exams/staff/question_form.html", _edit_context(question, form, _key_form(question)), status=400 if form.errors else 200)


def _edit_context(question, form, key_form) -> dict:
    used = Answer.objects.filter(version=question.current).values("attempt").distinct().count()
    return {
        "bank": question.bank, "form": form, "kind": question.kind, "kinds": Question.Kind.choices, "question": question,
        "key_form": key_form if question.kind != Question.Kind.SHORT else None, "used_by": used,
    }


@login_required
@require_POST
def question_correct_key_page(request, pk):
    user = request.user
    question = question_or_404(user, pk, edit=True)
    key_form = _key_form(question, request.POST)
    if key_form.is_valid() and key_form.cleaned_data["key"] == question.current.key:
        messages.info(request, _("The key is the same as before: nothing was changed."))
        return redirect("question-edit", pk=question.pk)
    if key_form.is_valid():
        try:
            count = questions.question_correct_key(actor=user, version=question.current, key=key_form.cleaned_data["key"],
                                                   reason=key_form.cleaned_data["reason"])
        except ApplicationError as exc:
            add_service_errors(key_form, exc)
        else:
            messages.success(request, ngettext(
                "The key is corrected: %(count)d attempt will be regraded.",
                "The key is corrected: %(count)d attempts will be regraded.", count,
            ) % {"count": count})
            return redirect("question-edit", pk=question.pk)
    linked = list(question.knowledge_points.select_related("version__document"))
    form = QuestionForm(kind=question.kind, sections=section_choices(user, linked), initial=_initial(question))
    return render(request, "exams/staff/question_form.html", _edit_context(question, form, key_form), status=400)
