"""Who may see, use and change banks and exams, and who may sit an exam. Built on accounts.scope.

- A bank belongs to an organization. Its organizers and administrators (of that subtree) edit it;
  staff of the organization and of its subtree may draw on it ("usable in its subtree"), so a
  banner's organizer can set a paper from the league's bank.
- An exam is managed by the organizers and administrators of its organization's subtree, and
  its records (attempts, statistics) are seen by staff there.
- A trainee may sit a published exam when they are on its class's roster, or when the exam is
  offered to an organization at or above one where they are a trainee.
"""
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts import scope
from backend.errors import ApplicationError
from courses.models import Enrollment

from .models import Exam, QuestionBank


def bank_visibility_q(user) -> Q:
    return scope.scope_q(user, scope.STAFF_ROLES) | scope.audience_q(user, scope.STAFF_ROLES)


def can_edit_bank(user, bank: QuestionBank) -> bool:
    return scope.in_scope(user, bank.organization, scope.MANAGER_ROLES)


def require_bank_editor(user, bank: QuestionBank) -> None:
    if not can_edit_bank(user, bank):
        raise ApplicationError(
            "permission_denied", _("Only organizers and administrators of the bank's organization can change its questions."), status_code=403
        )


def can_manage_exam(user, exam: Exam) -> bool:
    return scope.in_scope(user, exam.organization, scope.MANAGER_ROLES)


def can_view_exam_records(user, exam: Exam) -> bool:
    return scope.in_scope(user, exam.organization, scope.STAFF_ROLES)


def require_exam_manager(user, exam: Exam) -> None:
    if not can_manage_exam(user, exam):
        raise ApplicationError(
            "permission_denied", _("Only organizers and administrators of the exam's organization can change it."), status_code=403
        )


def audience_q(user) -> Q:
    """Published exams this user may sit."""
    on_roster = Q(training_class__in=Enrollment.objects.filter(user=user, status=Enrollment.Status.ENROLLED).values("training_class"))
    by_organization = Q(training_class__isnull=True) & scope.audience_q(user, (scope.TRAINEE,), field="audience_organization")
    return Q(status=Exam.Status.PUBLISHED) & (on_roster | by_organization)


def can_sit(user, exam: Exam) -> bool:
    return Exam.objects.filter(audience_q(user), pk=exam.pk).exists()
