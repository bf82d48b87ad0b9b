"""Question banks: the list (and a new bank), a bank's questions, export, and importing a file
(preview, then confirm)."""
import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts import scope
from backend.downloads import file_response
from backend.errors import ApplicationError

from .. import access, importing, questions, selectors
from ..forms import BankForm, ImportConfirmForm, ImportForm, QuestionFilterForm
from ..importers import template_workbook
from ..importers.common import KIND_LABELS
from . import PAGE_SIZE, bank_or_404, question_or_404, run, with_points


@login_required
def bank_index(request):
    user = request.user
    if not scope.has_any_role(user, scope.STAFF_ROLES):
        raise PermissionDenied
    organizations = scope.organizations_in_scope(user, scope.MANAGER_ROLES)
    can_create = scope.has_any_role(user, scope.MANAGER_ROLES)
    form = BankForm(request.POST or None, organizations=organizations) if can_create else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            organization = organizations.get(pk=data["organization"])
            try:
                bank = questions.bank_create(actor=user, organization=organization, title=data["title"], description=data["description"])
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The bank is created. Add questions, or import them from a file."))
                return redirect("bank-detail", pk=bank.pk)
    page = Paginator(selectors.bank_list(user=user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "exams/staff/bank_list.html", {"page": page, "form": form, "can_create": can_create})


def _filtered_questions(user, bank, form):
    queryset = selectors.question_list(user=user, bank=bank)
    if not form.is_valid():
        return queryset
    data = form.cleaned_data
    if data["kind"]:
        queryset = queryset.filter(kind=data["kind"])
    if data["difficulty"]:
        queryset = queryset.filter(difficulty=data["difficulty"])
    if data["tag"]:
        queryset = queryset.filter(tags__name=data["tag"].strip())
    if data["q"].strip():
        queryset = queryset.filter(current__stem__icontains=data["q"].strip())
    if data["state"] == "active":
        queryset = queryset.filter(archived=False)
    elif data["state"] == "archived":
        queryset = queryset.filter(archived=True)
    return queryset


@login_required
def bank_detail(request, pk):
    user = request.user
    bank = bank_or_404(user, pk)
    form = QuestionFilterForm(request.GET or None)
    page = Paginator(_filtered_questions(user, bank, form), PAGE_SIZE).get_page(request.GET.get("page"))
    with_points(page.object_list, "points")
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(request, "exams/staff/bank_detail.html", {
        "bank": bank, "page": page, "filter_form": form, "can_edit": access.can_edit_bank(user, bank),
        "filtered": bool(query), "page_query": urlencode(query),
    })


@login_required
@require_POST
def question_archive_page(request, pk):
    user = request.user
    question = question_or_404(user, pk, edit=True)
    archived = request.POST.get("archived") != "0"
    run(request, lambda: questions.question_archive(actor=user, question=question, archived=archived),
        _("The question is archived: new papers no longer draw it.") if archived else _("The question is back in use."))
    back = reverse("bank-detail", args=[question.bank_id])
    target = request.POST.get("next") or ""
    return redirect(target if target.startswith(back) else back)


@login_required
def bank_export(request, pk, file_format):
    user = request.user
    bank = bank_or_404(user, pk)
    if file_format not in ("xlsx", "gift"):
        raise PermissionDenied
    rows = selectors.question_list(user=user, bank=bank).filter(archived=False).order_by("id")
    content, extension, content_type = importing.bank_export(questions=rows, file_format="gift" if file_format == "gift" else "excel")
    return file_response(content, f"{bank.title}.{extension}", content_type)


@login_required
def bank_template(request):
    if not scope.has_any_role(request.user, scope.STAFF_ROLES):
        raise PermissionDenied
    return file_response(template_workbook(), "试题导入模板.xlsx")


def _preview_rows(preview) -> list[dict]:
    return [
        {"position": n, "line": q.source_line, "kind": KIND_LABELS.get(q.kind, q.kind), "stem": q.stem,
         "options": len(q.options), "duplicate_of": preview.duplicates.get(n)}
        for n, q in enumerate(preview.result.questions, start=1)
    ]


@login_required
def bank_import(request, pk):
    """Upload → a dry-run preview with every problem; the preview carries the file so that
    Confirm imports exactly what was checked (nothing is kept on the server in between)."""
    user = request.user
    bank = bank_or_404(user, pk, edit=True)
    context = {"bank": bank, "form": ImportForm()}
    if request.method == "POST" and request.POST.get("step") == "confirm":
        confirm = ImportConfirmForm(request.POST)
        if not confirm.is_valid():
            messages.error(request, _("The file was lost on the way; upload it again."))
            return redirect("bank-import", pk=bank.pk)
        data = confirm.cleaned_data
        name, content, file_format, duplicates = data["file_name"], data["content"], data["file_format"] or None, data["include_duplicates"]
        dry_run = False
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        context["form"] = form
        if not form.is_valid():
            return render(request, "exams/staff/bank_import.html", context, status=400)
        upload = form.cleaned_data["file"]
        name, content = upload.name, upload.read()
        file_format, duplicates = form.cleaned_data["file_format"] or None, form.cleaned_data["include_duplicates"]
        dry_run = True
    else:
        return render(request, "exams/staff/bank_import.html", context)
    try:
        preview = importing.questions_preview_or_import(
            actor=user, bank=bank, file_name=name, content=content, file_format=file_format, dry_run=dry_run,
            include_duplicates=duplicates,
        )
    except ApplicationError as exc:
        context["problem"] = exc.message
        return render(request, "exams/staff/bank_import.html", context, status=400)
    if preview.created:
        messages.success(request, ngettext("%(count)d question imported.", "%(count)d questions imported.", len(preview.created)) % {"count": len(preview.created)})
        return redirect("bank-detail", pk=bank.pk)
    if not dry_run and preview.ok:
        messages.info(request, _("Nothing to import: every question of the file is already in the bank."))
        return redirect("bank-detail", pk=bank.pk)
    is_excel = importing.format_for(name, file_format) == "excel"
    context.update(
        preview=preview, rows=_preview_rows(preview), file_name=name, is_excel=is_excel,
        importable=len(preview.result.questions) - (0 if duplicates else len(preview.duplicates)),
        confirm_form=ImportConfirmForm(initial={
            "file_name": name, "file_format": file_format or "", "include_duplicates": duplicates,
            "content": base64.b64encode(content).decode("ascii"),
        }),
    )
    return render(request, "exams/staff/bank_import.html", context, status=200 if preview.ok else 400)


@login_required
@require_POST
def bank_import_errors(request, pk):
    """The uploaded sheet again, with a 错误说明 column on every row that has a problem."""
    user = request.user
    bank = bank_or_404(user, pk, edit=True)
    confirm = ImportConfirmForm(request.POST)
    if not confirm.is_valid():
        messages.error(request, _("The file was lost on the way; upload it again."))
        return redirect("bank-import", pk=bank.pk)
    name = confirm.cleaned_data["file_name"]
    content = run(request, lambda: importing.error_sheet(actor=user, bank=bank, file_name=name, content=confirm.cleaned_data["content"]))
    if content is None:
        return redirect("bank-import", pk=bank.pk)
    return file_response(content, "错误说明-" + (name if name.lower().endswith((".xlsx", ".xlsm")) else name + ".xlsx"))

