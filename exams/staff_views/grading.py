"""Grading open answers (阅卷) and an exam's statistics, with their Excel download."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.models import Organization
from backend.downloads import file_response
from backend.errors import ApplicationError

from .. import statistics
from ..forms import ReviewForm, StatisticsFilterForm, add_service_errors
from ..grading import grader
from ..models import Answer
from ..serializers import points_text
from . import exam_or_404

GRADING_PAGE_SIZE = 20
FILTER_DEPTH = 2  # organizations offered by the statistics filter: the exam's and two levels below


@login_required
def exam_grading(request, pk):
    """Open answers awaiting a person, oldest submission first; each is graded on its own."""
    user = request.user
    exam = exam_or_404(user, pk, manage=True)
    failed = None
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.is_valid() and grader.review_queue(exam=exam).filter(pk=form.cleaned_data["answer"]).exists():
            try:
                grader.answer_review(actor=user, answer_id=form.cleaned_data["answer"], score=form.cleaned_data["score"],
                                     comment=form.cleaned_data["comment"])
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Score saved."))
                return redirect(request.get_full_path())
        elif form.is_valid():
            if not Answer.objects.filter(pk=form.cleaned_data["answer"], attempt__exam=exam).exists():
                raise Http404
            messages.info(request, _("That answer was graded in the meantime."))
            return redirect(request.get_full_path())
        failed = form
    page = Paginator(grader.review_queue(exam=exam), GRADING_PAGE_SIZE).get_page(request.GET.get("page"))
    for answer in page.object_list:
        answer.points_text = points_text(answer.points)
        answer.reference = (answer.version.key or {}).get("reference", "")
        answer.text = (answer.response or {}).get("text", "") if isinstance(answer.response, dict) else ""
        is_failed = failed is not None and str(failed.data.get("answer")) == str(answer.pk)
        answer.form = failed if is_failed else ReviewForm(initial={"answer": answer.pk})
    return render(request, "exams/staff/grading.html", {"exam": exam, "page": page}, status=400 if failed else 200)


def _filter_organizations(exam):
    root = exam.organization
    return Organization.objects.filter(path__startswith=root.path, depth__lte=root.depth + FILTER_DEPTH).order_by("path")


def _chosen_organization(request, exam):
    form = StatisticsFilterForm(request.GET or None, organizations=_filter_organizations(exam))
    organization = None
    if form.is_bound and form.is_valid() and form.cleaned_data["organization"]:
        organization = Organization.objects.filter(pk=form.cleaned_data["organization"]).first()
    return form, organization


def _bars(counts: list[int]) -> list[int]:
    """Each count as a share of the largest, in whole percent (for the bar widths)."""
    top = max(counts, default=0)
    return [(100 * n // top) if top else 0 for n in counts]


@login_required
def exam_statistics(request, pk):
    user = request.user
    exam = exam_or_404(user, pk)
    form, organization = _chosen_organization(request, exam)
    stats = statistics.exam_statistics(exam=exam, organization=organization)
    bands = list(zip(stats.score_bands, _bars([b.count for b in stats.score_bands]), strict=True))
    times = list(zip(stats.time_taken.bands, _bars([b.count for b in stats.time_taken.bands]), strict=True))
    query = request.GET.urlencode()
    return render(request, "exams/staff/statistics.html", {
        "exam": exam, "stats": stats, "filter_form": form, "bands": bands, "times": times,
        "xlsx_query": f"?{query}" if query else "",
    })


@login_required
def exam_statistics_xlsx(request, pk):
    user = request.user
    exam = exam_or_404(user, pk)
    _form, organization = _chosen_organization(request, exam)
    stats = statistics.exam_statistics(exam=exam, organization=organization)
    suffix = f"-{organization.name}" if organization else ""
    return file_response(statistics.statistics_workbook(stats), f"{exam.title}-统计{suffix}.xlsx")
