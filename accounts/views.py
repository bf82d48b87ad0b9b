"""Web pages of the accounts app: thin views over the same selectors and services as the API."""
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backend.errors import ApplicationError

from . import roster, scope, selectors
from .capabilities import capabilities_for
from .forms import LoginForm, PasswordChangeForm, RosterUploadForm, UserFilterForm
from .models import Role, RosterImport

PAGE_SIZE = 50


def lockout_response(request, credentials=None, *args, **kwargs):
    """What a locked-out login gets: JSON for the API, a page for the browser."""
    message = _("Too many failed logins. Try again in 15 minutes or ask an administrator to unlock the account.")
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "login_locked", "message": message}, status=429)
    from django.shortcuts import render

    return render(request, "accounts/locked.html", {"message": message}, status=429)


def _require_roles(user, roles, message):
    """Pages for some roles only: others get the friendly 403 page with `message`."""
    if not scope.has_any_role(user, roles):
        raise PermissionDenied(message)


def _page_query(request) -> str:
    """The current query string without `page`, for the pager's links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- sign in and out -----------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have signed out."))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Also the page that people with an initial password are sent to (see the middleware)."""

    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        try:
            user = form.save()
        except ApplicationError:
            return self.form_invalid(form)
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("Your password has been changed."))
        return redirect(self.get_success_url())


# --- home and organizations ----------------------------------------------------------------


@login_required
def home(request):
    user = request.user
    roles = list(Role.objects.filter(user=user).select_related("organization").order_by("role", "organization__path"))
    return render(
        request,
        "home.html",
        {"roles": roles, "capabilities": capabilities_for(user)},
    )


@login_required
def org_tree(request):
    organizations = list(selectors.organization_list(user=request.user))
    by_id = {o.pk: o for o in organizations}
    roots = []
    for org in organizations:  # tree order: a parent always comes before its children
        org.children_list, org.descendant_count = [], 0
        org.parent_node = by_id.get(org.parent_id)
        (org.parent_node.children_list if org.parent_node else roots).append(org)
    for org in reversed(organizations):  # children before parents
        if org.parent_node:
            org.parent_node.descendant_count += 1 + org.descendant_count
    top = min((o.depth for o in organizations), default=1)
    for org in organizations:
        org.open = org.depth - top < 2  # the first two levels open; deeper ones on demand
    return render(request, "accounts/org_tree.html", {"roots": roots, "count": len(organizations)})


# --- people --------------------------------------------------------------------------------


@login_required
def user_list(request):
    user = request.user
    _require_roles(user, scope.STAFF_ROLES, _("Only organizers, auditors and administrators can see the list of people."))
    form = UserFilterForm(request.GET or None, organizations=selectors.organization_list(user=user))
    people = selectors.user_list(user=user)
    if form.is_bound:
        people = form.filter(people)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    export_params = form.export_params() if form.is_bound else {}
    export_url = reverse("user-export") + ("?" + urlencode(export_params) if export_params else "")
    return render(
        request,
        "accounts/user_list.html",
        {
            "form": form,
            "page": page,
            "filtered": form.is_bound and form.is_filtered,
            "export_url": export_url,
            "page_query": _page_query(request),
            "can_import": scope.has_any_role(user, scope.MANAGER_ROLES),
        },
    )


def _require_importer(user):
    _require_roles(user, scope.MANAGER_ROLES, _("Only organizers and administrators can import rosters."))


@login_required
def user_import(request):
    user = request.user
    _require_importer(user)
    problem = None
    if request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = roster.roster_import_create(
                    actor=user,
                    file_name=upload.name,
                    content=upload.read(),
                    initial_password=form.cleaned_data["initial_password"],
                )
            except ApplicationError as exc:
                problem = exc
            else:
                return redirect("user-import-review", pk=job.pk)
    else:
        form = RosterUploadForm()
    recent = selectors.roster_import_list(user=user)[:10]
    return render(
        request,
        "accounts/user_import.html",
        {"form": form, "problem": problem, "recent": recent, "columns": _roster_columns()},
    )


def _roster_columns():
    return [
        (roster.COL_NAME, True, _("Full name, up to 50 characters.")),
        (roster.COL_NUMBER, True, _("Unique; it is also the login name.")),
        (roster.COL_PHONE, False, _("11-digit mobile number.")),
        (roster.COL_ORG, True, _("The code of a unit in your scope (see the organization tree).")),
        (
            roster.COL_ROLE,
            False,
            _("One of %(roles)s; empty means %(default)s.") % {"roles": "学员、组织者、督查、管理员", "default": "学员"},
        ),
    ]


@login_required
def user_import_review(request, pk):
    """One import: its errors, or the preview and the Confirm button, or its progress and result."""
    job = get_object_or_404(selectors.roster_import_list(user=request.user), pk=pk)
    return render(
        request,
        "accounts/user_import_review.html",
        {
            "job": job,
            "Status": RosterImport.Status,
            "preview_limit": roster.PREVIEW_ROWS,
            "preview_truncated": job.total_rows > len(job.preview) and job.status == RosterImport.Status.VALIDATED,
            "api_url": reverse("user-import-detail", args=[job.pk]),
        },
    )


@login_required
@require_POST
def user_import_start(request, pk):
    job = get_object_or_404(selectors.roster_import_list(user=request.user), pk=pk)
    try:
        roster.roster_import_confirm(actor=request.user, roster_import=job)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        job.refresh_from_db(fields=["status"])
        if job.status == RosterImport.Status.QUEUED:  # without a broker it is already done
            messages.success(request, _("The import has started."))
    return redirect("user-import-review", pk=job.pk)


# --- roles ---------------------------------------------------------------------------------


@login_required
def role_history(request):
    user = request.user
    _require_roles(user, (scope.AUDITOR, scope.ADMIN), _("Only auditors and administrators can see the role history."))
    page = Paginator(selectors.role_history_list(user=user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/role_history.html", {"page": page, "page_query": _page_query(request)})
