"""Which organizations a user may see or manage, as which role.

This is the one place that answers the question. Every selector in every app filters
through it: `scope_filter(queryset, user, roles, field=...)`. A role held at an
organization covers that organization's whole subtree; the tree is materialized
paths (treebeard), so "inside the subtree of X" is `path LIKE 'X.path%'`.
"""
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from .models import Organization, Role

TRAINEE = Role.Kind.TRAINEE
ORGANIZER = Role.Kind.ORGANIZER
AUDITOR = Role.Kind.AUDITOR
ADMIN = Role.Kind.ADMIN
ALL_ROLES = (TRAINEE, ORGANIZER, AUDITOR, ADMIN)
# Who may look at people, rosters and records of an organization (not only their own).
STAFF_ROLES = (ORGANIZER, AUDITOR, ADMIN)
# Who may change people and rosters.
MANAGER_ROLES = (ORGANIZER, ADMIN)

_CACHE_ATTR = "_scope_paths_cache"


def _role_key(roles: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(roles)))


def scope_paths(user, roles: Iterable[str] = ALL_ROLES) -> list[str] | None:
    """The tree paths whose subtrees `user` covers as any of `roles`.

    None means everything (a superuser). An empty list means nothing. Paths nested
    in another listed path are dropped. Cached on the user object for the request.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    key = _role_key(roles)
    cache = user.__dict__.setdefault(_CACHE_ATTR, {})
    if key not in cache:
        if "all" not in cache:  # every (role, path) the user holds: one query per request
            cache["all"] = list(Role.objects.filter(user=user).values_list("role", "organization__path"))
        paths = sorted({path for role, path in cache["all"] if role in key})
        kept: list[str] = []
        for path in paths:  # sorted, so an ancestor comes before its descendants
            if not any(path.startswith(k) for k in kept):
                kept.append(path)
        cache[key] = kept
    return cache[key]


def remember_roles(user, pairs: Iterable[tuple[str, str]]) -> None:
    """Seed the per-request cache with (role, organization path) pairs the caller has already
    read, so that scope checks on the same request need no query of their own."""
    user.__dict__[_CACHE_ATTR] = {"all": list(pairs)}


def forget_scope(user) -> None:
    """Drop the cached paths (after the user's roles change)."""
    user.__dict__.pop(_CACHE_ATTR, None)


def scope_q(user, roles: Iterable[str] = ALL_ROLES, *, field: str = "organization") -> Q:
    """A Q that keeps rows whose `field` (an Organization relation, or "" for the
    Organization itself) lies inside the user's scope."""
    paths = scope_paths(user, roles)
    if paths is None:
        return Q()
    prefix = f"{field}__path" if field else "path"
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(**{f"{prefix}__startswith": path})
    return q


def audience_q(user, roles: Iterable[str] = (TRAINEE,), *, field: str = "organization") -> Q:
    """Rows whose `field` organization is at or above one where the user holds `roles`:
    what an organization offers (a published course) reaches everyone in its subtree."""
    paths = scope_paths(user, roles)
    if paths is None:
        return Q()
    step = Organization.steplen
    ancestors = {path[:end] for path in _all_paths(user, roles) for end in range(step, len(path) + 1, step)}
    if not ancestors:
        return Q(pk__in=[])
    return Q(**{f"{field}__path__in" if field else "path__in": sorted(ancestors)})


def _all_paths(user, roles: Iterable[str]) -> list[str]:
    """Every path the user holds `roles` at, nested ones included (audience needs each one's ancestors)."""
    if not scope_paths(user, roles):  # nobody, or inactive (or None: everything, handled by the caller)
        return []
    key = _role_key(roles)
    return sorted({path for role, path in user.__dict__[_CACHE_ATTR]["all"] if role in key})


def scope_filter(queryset: QuerySet, user, roles: Iterable[str] = ALL_ROLES, *, field: str = "organization") -> QuerySet:
    return queryset.filter(scope_q(user, roles, field=field))


def organizations_in_scope(user, roles: Iterable[str] = ALL_ROLES) -> QuerySet[Organization]:
    return scope_filter(Organization.objects.all(), user, roles, field="")


def in_scope(user, organization: Organization | None, roles: Iterable[str] = ALL_ROLES) -> bool:
    """Whether one organization lies inside the user's scope for `roles` (no query once cached)."""
    if organization is None:
        return False
    paths = scope_paths(user, roles)
    if paths is None:
        return True
    return any(organization.path.startswith(p) for p in paths)


def has_any_role(user, roles: Iterable[str]) -> bool:
    paths = scope_paths(user, roles)
    return paths is None or bool(paths)
