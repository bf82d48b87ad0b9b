"""Certificate templates: the list (and a new template), a template's page (edit, remove the seal,
archive) and its preview, a sample certificate as a PDF."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import scope
from backend.errors import ApplicationError
from backend.pages import add_service_errors

from .. import selectors, services
from ..forms import TemplateForm
from . import allowed, pdf_bytes

TEMPLATE_PAGE_SIZE = 30


def _template_or_404(user, pk):
    template = selectors.template_for_user(user=user, pk=pk)
    if template is None:
        raise Http404
    return template


@login_required
def template_index(request):
    user = request.user
    if not scope.has_any_role(user, scope.STAFF_ROLES):
        raise PermissionDenied
    organizations = scope.organizations_in_scope(user, scope.MANAGER_ROLES)
    can_create = scope.has_any_role(user, scope.MANAGER_ROLES)
    form = TemplateForm(request.POST or None, request.FILES or None, organizations=organizations) if can_create else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            organization = organizations.filter(pk=data["organization"]).first()
            try:
                template = services.template_create(
                    actor=user, organization=organization, name=data["name"], title=data["title"], body=data["body"],
                    issuer_line=data["issuer_line"], landscape=data["landscape"], seal=data["seal"] or None,
                )
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The template is saved. Open its preview to see a sample certificate."))
                return redirect("certificate-template-page", pk=template.pk)
    page = Paginator(selectors.template_list(user=user), TEMPLATE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "certificates/template_list.html", {"page": page, "form": form},
                  status=400 if form is not None and form.errors else 200)


@login_required
def template_page(request, pk):
    user = request.user
    template = _template_or_404(user, pk)
    can_edit = allowed(selectors.require_template_manager, user, template.organization)
    form = None
    if can_edit:
        initial = {field: getattr(template, field) for field in ("name", "title", "body", "issuer_line", "landscape", "archived")}
        form = TemplateForm(request.POST or None, request.FILES or None, initial=initial, has_seal=bool(template.seal))
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.template_update(
                    actor=user, template=template, name=data["name"], title=data["title"], body=data["body"],
                    issuer_line=data["issuer_line"], landscape=data["landscape"], seal=data["seal"] or None,
                    remove_seal=data.get("remove_seal", False), archived=data["archived"],
                )
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The template is saved."))
                return redirect("certificate-template-page", pk=template.pk)
    return render(request, "certificates/template_detail.html", {"template": template, "form": form, "can_edit": can_edit},
                  status=400 if form is not None and form.errors else 200)


@login_required
def template_preview(request, pk):
    template = _template_or_404(request.user, pk)
    return pdf_bytes(services.template_preview(template=template), f"{template.name}.pdf", inline=True)
