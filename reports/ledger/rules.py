"""The finding's status machine and who may move it, in one place: services enforce these rules,
selectors and pages only ask them (which buttons to show).

    open ──start──▶ rectifying ──submit──▶ submitted ──close──▶ closed
    reopened ─start─┘    ▲                     │                   │
        ▲                └──────send_back──────┘                   │
        └──────────────────────────reopen──────────────────────────┘

Auditors and administrators whose scope covers the finding's organization file, close, send back
and reopen (REVIEWER_ROLES); organizers and administrators of it start the rectification, record
measures and submit (RECTIFIER_ROLES); every staff member who sees it may add evidence and
responsible people while it is not closed.
"""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts import scope

from ..findings import Finding

S = Finding.Status
REVIEWER_ROLES = (scope.AUDITOR, scope.ADMIN)
RECTIFIER_ROLES = scope.MANAGER_ROLES
VIEWER_ROLES = scope.STAFF_ROLES
# While rectifying: measures may be recorded, changed and marked done.
MEASURE_STATES = (S.OPEN, S.RECTIFYING, S.REOPENED)


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    comment_required: bool
    label: str


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition("start", (S.OPEN, S.REOPENED), S.RECTIFYING, RECTIFIER_ROLES, False, _("Start rectification")),
        Transition("submit", (S.RECTIFYING,), S.SUBMITTED, RECTIFIER_ROLES, False, _("Submit for review")),
        Transition("close", (S.SUBMITTED,), S.CLOSED, REVIEWER_ROLES, False, _("Accept and close")),
        Transition("send_back", (S.SUBMITTED,), S.RECTIFYING, REVIEWER_ROLES, True, _("Send back")),
        Transition("reopen", (S.CLOSED,), S.REOPENED, REVIEWER_ROLES, True, _("Reopen")),
    )
}


def can_see(user, finding: Finding) -> bool:
    return scope.in_scope(user, finding.organization, VIEWER_ROLES)


def can_review(user, finding: Finding) -> bool:
    return scope.in_scope(user, finding.organization, REVIEWER_ROLES)


def can_rectify(user, finding: Finding) -> bool:
    return scope.in_scope(user, finding.organization, RECTIFIER_ROLES)


def measures_open(finding: Finding) -> bool:
    return finding.status in MEASURE_STATES


def allowed_actions(user, finding: Finding) -> list[str]:
    """The transitions `user` may apply to `finding` now (no query once the user's roles are read)."""
    return [
        t.name for t in TRANSITIONS.values()
        if finding.status in t.sources and scope.in_scope(user, finding.organization, t.roles)
    ]
