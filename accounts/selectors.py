"""Every read of organizations, users and roles, with the caller's scope applied."""
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Length, Substr

from . import scope
from .models import Organization, Role, RosterImport, User


def organization_list(*, user: User) -> QuerySet[Organization]:
    """Organizations in any of the user's roles' subtrees, in tree order, each with its parent's id."""
    parent = Organization.objects.filter(
        path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Organization.steplen)
    ).values("id")[:1]
    return (
        scope.organizations_in_scope(user, scope.ALL_ROLES)
        .annotate(parent_id=Subquery(parent))
        .order_by("path")
    )


def user_list(*, user: User) -> QuerySet[User]:
    """People the caller may see as staff: those whose unit, or one of whose roles,
    lies inside the caller's organizer/auditor/admin scope."""
    paths = scope.scope_paths(user, scope.STAFF_ROLES)
    if paths is None:  # a system administrator
        users = User.objects.all()
    elif not paths:
        return User.objects.none()
    else:
        role_in_scope = scope.scope_filter(Role.objects.filter(user=OuterRef("pk")), user, scope.STAFF_ROLES)
        users = User.objects.filter(scope.scope_q(user, scope.STAFF_ROLES) | Exists(role_in_scope))
    return (
        users
        .select_related("organization")
        .prefetch_related(Prefetch("roles", queryset=Role.objects.select_related("organization").order_by("id")))
        .order_by("organization__path", "employee_number", "id")
    )


def role_list(*, user: User) -> QuerySet[Role]:
    return (
        scope.scope_filter(Role.objects.all(), user, scope.STAFF_ROLES)
        .select_related("user", "organization")
        .order_by("organization__path", "user_id", "role")
    )


def role_history_list(*, user: User) -> QuerySet:
    """Who granted or revoked which role, when: for auditors and administrators in scope.
    The organization of a history row may be deleted since; the row's own path is not kept,
    so scope is decided by the organization as it is now."""
    history = Role.history.model.objects.all()
    return (
        scope.scope_filter(history, user, (scope.AUDITOR, scope.ADMIN))
        .select_related("history_user", "user", "organization")
        .order_by("-history_date", "-history_id")
    )


def roster_import_list(*, user: User) -> QuerySet[RosterImport]:
    return RosterImport.objects.filter(created_by=user).defer("content")
