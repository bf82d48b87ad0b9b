"""Web pages of the theory library, the course builder and online study: thin views over the
same selectors and services as the API."""
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from accounts import scope
from backend import hours
from backend.errors import ApplicationError

from . import selectors, services
from .forms import CourseBuildForm, DocumentSaveForm, DocumentUploadForm, LibraryFilterForm, SectionSearchForm
from .models import Course, DocumentImport

PAGE_SIZE = 30
SNIPPET_CHARS = 60
# The reading page reports every this many seconds (tests shorten it through settings).
DEFAULT_HEARTBEAT_SECONDS = 15
# A reader counts as active for this long after a scroll, key, touch or mouse move (tests
# shorten it through settings too).
IDLE_AFTER_SECONDS = 60


def _require_roles(user, roles, message):
    if not scope.has_any_role(user, roles):
        raise PermissionDenied(message)


def _page_query(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _int_or_404(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404


def class_hours(minutes: int) -> str:
    """Integer minutes as 课时 for display, without trailing zeros ("2", "0.44")."""
    return f"{hours.class_hours(minutes).normalize():f}"


def clock(seconds: int) -> str:
    """Seconds as m:ss, the same as study.js shows."""
    return f"{seconds // 60}:{seconds % 60:02d}"


def _percent(part: int, whole: int) -> int:
    return min(100, part * 100 // whole) if whole else 0


def _require_library(user):
    _require_roles(user, scope.STAFF_ROLES, _("Only organizers, auditors and administrators can open the theory library."))


def _require_importer(user):
    _require_roles(user, scope.MANAGER_ROLES, _("Only organizers and administrators can import documents."))


# --- the library ---------------------------------------------------------------------------


@login_required
def library(request):
    user = request.user
    _require_library(user)
    form = LibraryFilterForm(request.GET or None)
    documents = selectors.document_list(user=user)
    query = form.cleaned_data["q"].strip() if form.is_bound and form.is_valid() else ""
    if query:
        documents = documents.filter(title__icontains=query)
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/library.html",
        {
            "form": form,
            "query": query,
            "page": page,
            "page_query": _page_query(request),
            "search_form": SectionSearchForm(),
            "can_import": scope.has_any_role(user, scope.MANAGER_ROLES),
        },
    )


@login_required
def document_detail(request, pk):
    user = request.user
    _require_library(user)
    document = get_object_or_404(selectors.document_list(user=user), pk=pk)
    versions = list(document.versions.order_by("-number"))
    version = document.current_version
    if number := request.GET.get("version"):
        version = next((v for v in versions if str(v.number) == number), None)
    if version is None:
        raise Http404
    sections = selectors.section_tree(version=version)
    for section in sections:
        section.paragraphs = [p for p in section.body.split("\n") if p.strip()]
    can_manage = scope.in_scope(user, document.organization, scope.MANAGER_ROLES)
    return render(
        request,
        "courses/document_detail.html",
        {
            "document": document,
            "version": version,
            "versions": versions,
            "is_current": version.pk == document.current_version_id,
            "sections": sections,
            "can_manage": can_manage,
            "search_form": SectionSearchForm(),
        },
    )


def _snippet(section, query: str) -> dict:
    """The text around the first hit, cut into plain and matching parts: the template escapes
    every part and wraps only the matches in <mark>."""
    text = section.body if query in section.body else section.title
    at = max(text.find(query), 0)
    start = max(0, at - SNIPPET_CHARS)
    end = min(len(text), at + len(query) + SNIPPET_CHARS)
    parts = re.split(f"({re.escape(query)})", text[start:end])
    return {"lead": start > 0, "tail": end < len(text), "parts": [(p, p == query) for p in parts if p]}


@login_required
def library_search(request):
    user = request.user
    _require_library(user)
    form = SectionSearchForm(request.GET or None)
    page, query = None, ""
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"]
        page = Paginator(selectors.section_search(user=user, query=query), PAGE_SIZE).get_page(request.GET.get("page"))
        for section in page.object_list:
            section.snippet = _snippet(section, query)
    return render(
        request,
        "courses/search.html",
        {"form": form, "query": query, "page": page, "page_query": _page_query(request)},
    )


# --- importing -----------------------------------------------------------------------------


@login_required
def document_import(request):
    """Upload a file. It is read into a section tree (in the background when large); nothing
    enters the library until the preview is saved."""
    user = request.user
    _require_importer(user)
    document = None
    if doc_id := request.POST.get("document") or request.GET.get("document"):
        document = get_object_or_404(selectors.document_list(user=user), pk=_int_or_404(doc_id))
        if not scope.in_scope(user, document.organization, scope.MANAGER_ROLES):
            raise PermissionDenied(_("Only organizers and administrators of the document's unit can add a version."))
    organizations = scope.organizations_in_scope(user, scope.MANAGER_ROLES)
    problem = None
    if request.method == "POST":
        form = DocumentUploadForm(request.POST, request.FILES, organizations=organizations, document=document)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = services.document_import_create(
                    actor=user,
                    organization=form.cleaned_data["organization"],
                    file_name=upload.name,
                    content=upload.read(),
                    document=document,
                )
            except ApplicationError as exc:
                problem = exc.message
            else:
                if job.status == DocumentImport.Status.FAILED:
                    problem = job.error_message
                else:
                    return redirect("library-import-review", pk=job.pk)
    else:
        form = DocumentUploadForm(organizations=organizations, document=document)
    return render(
        request,
        "courses/import_form.html",
        {
            "form": form,
            "problem": problem,
            "document": document,
            "recent": selectors.document_import_list(user=user)[:10],
        },
    )


def _preview_rows(parsed: dict) -> list[dict]:
    rows = []

    def walk(nodes):
        for node in nodes:
            rows.append({"level": node["level"], "number": node["number"], "title": node["title"], "chars": len(node["body"])})
            walk(node.get("children") or [])

    walk(parsed.get("sections") or [])
    return rows


@login_required
def document_import_review(request, pk):
    """One import: still being read (the page polls the API), failed, ready to preview and
    save, or saved."""
    user = request.user
    job = get_object_or_404(selectors.document_import_list(user=user).select_related("document"), pk=pk)
    ready = job.status == DocumentImport.Status.READY
    parsed = job.parsed or {}
    form = None
    if ready:
        if request.method == "POST":
            form = DocumentSaveForm(request.POST, new_version=bool(job.document_id))
            if form.is_valid():
                try:
                    version = services.document_import_save(actor=user, document_import=job, **form.cleaned_data)
                except ApplicationError as exc:
                    if exc.status_code == 403:
                        raise PermissionDenied(exc.message)
                    messages.error(request, exc.message)
                    return redirect("library-import-review", pk=job.pk)
                messages.success(
                    request,
                    _("Saved to the library: %(title)s, version %(number)d.")
                    % {"title": version.document.title, "number": version.number},
                )
                return redirect("library-document", pk=version.document_id)
        else:
            initial = {"title": parsed.get("title") or job.file_name.rsplit(".", 1)[0]}
            if job.document_id:
                initial.update(issuer=job.document.issuer, issued_on=job.document.issued_on)
            form = DocumentSaveForm(initial=initial, new_version=bool(job.document_id))
    rows = _preview_rows(parsed) if parsed else []
    return render(
        request,
        "courses/import_review.html",
        {
            "job": job,
            "Status": DocumentImport.Status,
            "form": form,
            "rows": rows,
            "text_chars": len(parsed.get("text") or ""),
            "preamble_chars": len(parsed.get("preamble") or ""),
            "api_url": reverse("document-import-detail", args=[job.pk]),
        },
    )


# --- courses (staff) -----------------------------------------------------------------------


@login_required
def course_index(request):
    user = request.user
    _require_roles(user, scope.STAFF_ROLES, _("Only organizers, auditors and administrators can see all courses. Your courses are under “My courses”."))
    page = Paginator(selectors.course_list(user=user), PAGE_SIZE).get_page(request.GET.get("page"))
    for course in page.object_list:
        course.hours = class_hours(course.minutes)
    return render(
        request,
        "courses/course_list.html",
        {"page": page, "page_query": _page_query(request), "can_build": scope.has_any_role(user, scope.MANAGER_ROLES)},
    )


def _document_ids(request) -> list[int]:
    """The documents whose trees the builder shows, in the order they were added."""
    data = request.POST if request.method == "POST" else request.GET
    ids = [v for v in data.getlist("documents") + data.getlist("document") if v.isdigit()]
    action = request.POST.get("action", "")
    if action == "add" and request.POST.get("add_document", "").isdigit():
        ids.append(request.POST["add_document"])
    if action.startswith("remove:"):
        ids = [v for v in ids if v != action.removeprefix("remove:")]
    return list(dict.fromkeys(int(v) for v in ids))


@login_required
def course_new(request):
    """Build a course: sections ticked in the trees of one or more documents, class hours, topics."""
    user = request.user
    _require_roles(user, scope.MANAGER_ROLES, _("Only organizers and administrators can build courses."))
    organizations = list(scope.organizations_in_scope(user, scope.MANAGER_ROLES))
    documents = list(selectors.document_list(user=user).filter(current_version__isnull=False))
    by_id = {d.pk: d for d in documents}
    chosen = [by_id[pk] for pk in _document_ids(request) if pk in by_id]
    trees = [(doc, selectors.section_tree(version=doc.current_version)) for doc in chosen]
    section_ids = [s.pk for _doc, sections in trees for s in sections]
    creating = request.method == "POST" and request.POST.get("action") == "create"

    if creating:
        form = CourseBuildForm(request.POST, organizations=organizations, section_ids=section_ids)
        if form.is_valid():
            data = form.cleaned_data
            wanted = set(data["sections"])
            found = {s.pk: s for s in selectors.section_list(user=user).filter(pk__in=wanted)}
            sections = [found[pk] for pk in section_ids if pk in found]  # in the order shown
            try:
                course = services.course_create(
                    actor=user, organization=data["organization"], title=data["title"], minutes=data["hours"],
                    sections=sections, format=data["format"], description=data["description"],
                    topics=data["topics"], requires_quiz=data["requires_quiz"],
                )
            except ApplicationError as exc:
                if exc.status_code == 404:
                    raise Http404
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The course was created as a draft. Check it, then publish it to offer it to trainees."))
                return redirect("course-page", pk=course.pk)
        checked = set(form.cleaned_data.get("sections") or []) if form.is_bound else set()
    else:
        # Showing, adding or removing a document keeps what was typed, without error messages.
        posted = request.POST if request.method == "POST" else {}
        initial = {name: posted[name] for name in ("organization", "title", "hours", "format", "topics", "description") if posted.get(name)}
        initial["requires_quiz"] = bool(posted.get("requires_quiz"))
        if "organization" not in initial and chosen:
            manageable = {o.pk for o in organizations}
            if chosen[0].organization_id in manageable:
                initial["organization"] = chosen[0].organization_id
        form = CourseBuildForm(initial=initial, organizations=organizations, section_ids=section_ids)
        checked = {int(v) for v in (posted.getlist("sections") if posted else []) if v.isdigit()}

    chosen_ids = {d.pk for d in chosen}
    return render(
        request,
        "courses/course_form.html",
        {
            "form": form,
            "trees": trees,
            "checked": checked,
            "documents": chosen,
            "other_documents": [d for d in documents if d.pk not in chosen_ids],
            "has_documents": bool(documents),
        },
    )


@login_required
def course_detail(request, pk):
    """Staff: the course, its sections and Publish. Trainees: the sections and their progress."""
    user = request.user
    course = get_object_or_404(selectors.course_list(user=user), pk=pk)
    items = selectors.course_items(course=course, user=user)
    for item in items:
        progress = item.progress_for_user
        item.credited = progress.credited_seconds if progress else 0
        item.completed = bool(progress and progress.completed_at)
        item.percent = 100 if item.completed else _percent(item.credited, item.min_seconds)
        item.credited_clock, item.min_clock = clock(min(item.credited, item.min_seconds)), clock(item.min_seconds)
    credit = selectors.course_credit_for_user(user=user, course=course)
    completed = sum(1 for i in items if i.completed)
    return render(
        request,
        "courses/course_detail.html",
        {
            "course": course,
            "items": items,
            "hours": class_hours(course.minutes),
            "completed": completed,
            "percent": _percent(completed, len(items)),
            "credited_hours": class_hours(credit.credited_minutes) if credit else "0",
            "credit": credit,
            "is_published": course.status == Course.Status.PUBLISHED,
            "is_staff": scope.in_scope(user, course.organization, scope.STAFF_ROLES),
            "can_manage": scope.in_scope(user, course.organization, scope.MANAGER_ROLES),
            "first_item": next((i for i in items if not i.completed), items[0] if items else None),
        },
    )


@login_required
@require_POST
def course_publish(request, pk):
    course = get_object_or_404(selectors.course_list(user=request.user), pk=pk)
    try:
        services.course_publish(actor=request.user, course=course)
    except ApplicationError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(exc.message)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The course is published: trainees of %(org)s and its units can study it now.") % {"org": course.organization.name})
    return redirect("course-page", pk=course.pk)


# --- studying (trainees) -------------------------------------------------------------------


@login_required
def my_courses(request):
    user = request.user
    _require_roles(user, (scope.TRAINEE,), _("“My courses” lists the courses offered to trainees, and you have no trainee role."))
    courses = selectors.course_offered_list(user=user)
    page = Paginator(courses, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    progress = selectors.course_progress_for_user(user=user, courses=rows)
    for course in rows:
        mine = progress[course.pk]
        course.done = mine["done"]
        course.percent = _percent(course.done, course.section_count)
        course.hours = class_hours(course.minutes)
        course.credited_hours = class_hours(mine["credited_minutes"]) if mine["credited_minutes"] is not None else None
    return render(request, "courses/my_courses.html", {"page": page, "rows": rows, "page_query": _page_query(request)})


@login_required
@ensure_csrf_cookie
def study_section(request, pk):
    """The reading view of one course section; study.js reports reading time to the API."""
    user = request.user
    found = selectors.course_item_for_user(user=user, item_id=pk)
    if found is None:
        raise Http404
    course = found.course
    items = selectors.course_items(course=course, user=user)
    index = next(i for i, it in enumerate(items) if it.pk == found.pk)
    item = items[index]
    progress = item.progress_for_user
    credited = progress.credited_seconds if progress else 0
    completed = bool(progress and progress.completed_at)
    section = item.section
    return render(
        request,
        "courses/study.html",
        {
            "course": course,
            "item": item,
            "section": section,
            "document": section.version.document,
            "paragraphs": [p.strip() for p in section.body.split("\n") if p.strip()],
            "position": index + 1,
            "total": len(items),
            "previous": items[index - 1] if index > 0 else None,
            "next": items[index + 1] if index + 1 < len(items) else None,
            "credited": credited,
            "credited_clock": clock(min(credited, item.min_seconds)),
            "min_clock": clock(item.min_seconds),
            "percent": 100 if completed else _percent(credited, item.min_seconds),
            "completed": completed,
            "counts": course.status == Course.Status.PUBLISHED,
            "heartbeat_url": reverse("api-study-heartbeat"),
            "heartbeat_seconds": getattr(settings, "STUDY_HEARTBEAT_SECONDS", DEFAULT_HEARTBEAT_SECONDS),
            "idle_seconds": getattr(settings, "STUDY_IDLE_SECONDS", IDLE_AFTER_SECONDS),
            "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
        },
    )
