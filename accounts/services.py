"""Every write to organizations, users and roles goes through a function here."""
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext as _

from backend.errors import ApplicationError

from . import scope
from .models import Organization, Role, User


def _not_found() -> ApplicationError:
    return ApplicationError("not_found", _("Not found."), status_code=404)


def _forbidden(message: str) -> ApplicationError:
    return ApplicationError("permission_denied", message, status_code=403)


# Which roles an actor must hold at (an ancestor of) an organization to grant each role there.
GRANTORS = {
    Role.Kind.TRAINEE: scope.MANAGER_ROLES,
    Role.Kind.ORGANIZER: (scope.ADMIN,),
    Role.Kind.AUDITOR: (scope.ADMIN,),
    Role.Kind.ADMIN: (scope.ADMIN,),
}


def can_grant(actor: User, organization: Organization, role: str) -> bool:
    return scope.in_scope(actor, organization, GRANTORS[role])


def _save_changes(instance, *, actor: User, fields: dict, allowed: tuple[str, ...]):
    """Set the allowed fields that really change and save only those, recording `actor` in the history."""
    changed = [name for name in allowed if name in fields and getattr(instance, name) != fields[name]]
    for name in changed:
        setattr(instance, name, fields[name])
    if changed:
        instance._history_user = actor
        instance.save(update_fields=changed)
    return instance


# --- organizations -------------------------------------------------------------------------


@transaction.atomic
def organization_create(*, actor: User, parent: Organization | None, name: str, code: str, kind: str) -> Organization:
    if parent is None:
        if not actor.is_superuser:
            raise _forbidden(_("Only a system administrator can create a top-level organization."))
        organization = Organization(name=name, code=code, kind=kind)
        organization._history_user = actor
        return Organization.objects.add_root(instance=organization)
    if not scope.in_scope(actor, parent, scope.ALL_ROLES):
        raise _not_found()
    if not scope.in_scope(actor, parent, (scope.ADMIN,)):
        raise _forbidden(_("Only an administrator of this organization can add units under it."))
    organization = Organization(name=name, code=code, kind=kind)
    organization._history_user = actor
    # treebeard locks the parent row and computes the new path from its current children.
    return Organization.objects.add_child(parent, instance=organization)


@transaction.atomic
def organization_update(*, actor: User, organization: Organization, **fields) -> Organization:
    if not scope.in_scope(actor, organization, (scope.ADMIN,)):
        raise _forbidden(_("Only an administrator of this organization can change it."))
    return _save_changes(organization, actor=actor, fields=fields, allowed=("name", "code", "kind"))


@transaction.atomic
def organization_delete(*, actor: User, organization: Organization) -> None:
    if not scope.in_scope(actor, organization, (scope.ADMIN,)):
        raise _forbidden(_("Only an administrator of this organization can delete it."))
    if Organization.objects.get_children_count(organization):
        raise ApplicationError("organization_has_children", _("This organization still has units under it."))
    if organization.members.exists() or organization.roles.exists():
        raise ApplicationError("organization_in_use", _("This organization still has members or roles."))
    organization._history_user = actor
    organization.delete()


# --- users ---------------------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    display_name: str,
    organization: Organization,
    password: str,
    employee_number: str | None = None,
    phone: str = "",
) -> User:
    if not scope.in_scope(actor, organization, scope.MANAGER_ROLES):
        raise _forbidden(_("You cannot add people to this organization."))
    if User.objects.filter(username=username).exists():
        raise ApplicationError(
            "username_taken", _("The login name %(name)s is already taken.") % {"name": username}
        )
    if employee_number and User.objects.filter(employee_number=employee_number).exists():
        raise ApplicationError(
            "employee_number_taken",
            _("Employee number %(number)s already exists.") % {"number": employee_number},
        )
    user = User(
        username=username,
        display_name=display_name,
        organization=organization,
        employee_number=employee_number or None,
        phone=phone,
        must_change_password=True,
    )
    user.set_password(password)
    user._history_user = actor
    user.save()
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, **fields) -> User:
    targets = [user.organization] + ([fields["organization"]] if fields.get("organization") else [])
    if not all(scope.in_scope(actor, org, scope.MANAGER_ROLES) for org in targets):
        raise _forbidden(_("You cannot change people of this organization."))
    if "employee_number" in fields:  # blank means none: the column is unique
        fields["employee_number"] = fields["employee_number"] or None
    if (employee_number := fields.get("employee_number")) and User.objects.filter(
        employee_number=employee_number
    ).exclude(pk=user.pk).exists():
        raise ApplicationError(
            "employee_number_taken",
            _("Employee number %(number)s already exists.") % {"number": employee_number},
        )
    return _save_changes(
        user, actor=actor, fields=fields, allowed=("display_name", "employee_number", "phone", "organization", "is_active")
    )


@transaction.atomic
def user_change_password(*, user: User, old_password: str, new_password: str) -> User:
    if not user.check_password(old_password):
        raise ApplicationError("wrong_password", _("The current password is not correct."))
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    return user


# --- roles ---------------------------------------------------------------------------------


@transaction.atomic
def role_grant(*, actor: User, user: User, organization: Organization, role: str) -> Role:
    if not can_grant(actor, organization, role):
        raise _forbidden(_("You cannot grant this role at this organization."))
    existing = Role.objects.filter(user=user, organization=organization, role=role).first()
    if existing:
        return existing
    granted = Role(user=user, organization=organization, role=role)
    granted._history_user = actor
    granted.save()
    scope.forget_scope(user)
    return granted


@transaction.atomic
def role_revoke(*, actor: User, role: Role) -> None:
    if not can_grant(actor, role.organization, role.role):
        raise _forbidden(_("You cannot revoke this role."))
    if role.user_id == actor.pk and role.role == Role.Kind.ADMIN and not actor.is_superuser:
        raise ApplicationError("cannot_revoke_own_admin", _("You cannot revoke your own administrator role."))
    role._history_user = actor
    role.delete()
    scope.forget_scope(role.user)


def password_hash_for_import(password: str) -> str:
    """One hash for a whole roster's initial password: hashing thousands of rows one by one
    would take minutes, and everyone must change it at first login anyway."""
    return make_password(password)
