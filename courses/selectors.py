"""Every read of the library, courses and study progress, with the caller's scope applied.

Library (documents, sections, imports): organizers, auditors and administrators, in their subtree.
Courses: staff see those of their subtree; a trainee sees published courses offered at or above an
organization where they are a trainee (see docs/decisions/0005-study-credit.md).
"""
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Length, Replace

from accounts import scope

from .models import Course, CourseCredit, CourseSection, Document, DocumentImport, KeyTerm, Section, StudyProgress


def document_list(*, user) -> QuerySet[Document]:
    return (
        scope.scope_filter(Document.objects.all(), user, scope.STAFF_ROLES)
        .select_related("organization", "current_version", "created_by")
        .annotate(version_count=Count("versions", distinct=True))
        .order_by("-created_at", "-id")
    )


def section_list(*, user) -> QuerySet[Section]:
    """Sections of documents in the caller's library scope, every version."""
    return scope.scope_filter(
        Section.objects.all(), user, scope.STAFF_ROLES, field="version__document__organization"
    ).select_related("version__document")


def section_tree(*, version) -> list[Section]:
    """A version's sections in document order, each with its key terms and topics (three queries)."""
    return list(
        Section.objects.filter(version=version)
        .prefetch_related("topics", Prefetch("key_terms", queryset=KeyTerm.objects.order_by("term")))
        .order_by("position")
    )


def document_import_list(*, user) -> QuerySet[DocumentImport]:
    return DocumentImport.objects.filter(created_by=user).select_related("organization").defer("content")


def _course_visibility(user) -> Q:
    offered = scope.audience_q(user, (scope.TRAINEE,)) & Q(status=Course.Status.PUBLISHED)
    return scope.scope_q(user, scope.STAFF_ROLES) | offered


def course_list(*, user) -> QuerySet[Course]:
    return (
        Course.objects.filter(_course_visibility(user))
        .select_related("organization")
        .prefetch_related("topics")
        .annotate(section_count=Count("items", distinct=True))
        .order_by("-created_at", "-id")
    )


def course_offered_list(*, user) -> QuerySet[Course]:
    """Published courses offered to the user as a trainee (not those they see as staff)."""
    return (
        Course.objects.filter(scope.audience_q(user, (scope.TRAINEE,)), status=Course.Status.PUBLISHED)
        .select_related("organization")
        .prefetch_related("topics")
        .annotate(section_count=Count("items", distinct=True))
        .order_by("-created_at", "-id")
    )


def course_progress_for_user(*, user, courses) -> dict[int, dict]:
    """For each course: the user's completed sections and credited minutes (None if not credited). Two queries."""
    ids = [c.pk for c in courses]
    done = {
        row["item__course"]: row["done"]
        for row in StudyProgress.objects.filter(user=user, item__course__in=ids)
        .values("item__course")
        .annotate(done=Count("pk", filter=Q(completed_at__isnull=False)))
    }
    credits = dict(CourseCredit.objects.filter(user=user, course__in=ids).values_list("course", "credited_minutes"))
    return {pk: {"done": done.get(pk, 0), "credited_minutes": credits.get(pk)} for pk in ids}


def course_credit_for_user(*, user, course) -> CourseCredit | None:
    return CourseCredit.objects.filter(user=user, course=course).first()


def course_items(*, course: Course, user) -> list[CourseSection]:
    """The course's sections in order, each with this user's progress as `.progress_for_user`."""
    items = list(
        CourseSection.objects.filter(course=course)
        .select_related("section__version__document")
        .prefetch_related(Prefetch("progress", queryset=StudyProgress.objects.filter(user=user), to_attr="mine"))
        .order_by("position")
    )
    for item in items:
        item.progress_for_user = item.mine[0] if item.mine else None
    return items


def course_item_for_user(*, user, item_id: int) -> CourseSection | None:
    """A course section the user may study or see (404 otherwise)."""
    return (
        CourseSection.objects.filter(pk=item_id, course__in=Course.objects.filter(_course_visibility(user)))
        .select_related("course", "section")
        .first()
    )


def section_search(*, user, query: str) -> QuerySet[Section]:
    """Sections of current document versions in scope that contain `query`, most hits first.

    Chinese has no spaces to split words on, so the match is a plain substring match
    (LIKE '%…%') on headings and bodies, and the rank is the number of occurrences, counted in
    the database as (len(body) - len(body without query)) / len(query), which works the same on
    SQLite and PostgreSQL. See docs/decisions/0006-chinese-search.md.
    """
    query = query.strip()
    if not query:
        return Section.objects.none()
    length = len(query)
    hits_in = lambda field: (Length(field) - Length(Replace(field, Value(query)))) / Value(length)  # noqa: E731
    return (
        section_list(user=user)
        .filter(version__document__current_version=F("version"))
        .filter(Q(body__contains=query) | Q(title__contains=query))
        .annotate(
            hits=hits_in("body") + hits_in("title"),
            # A plain expression on the row, not an EXISTS subquery: one index probe less per match.
            in_title=ExpressionWrapper(Q(title__contains=query), output_field=BooleanField()),
        )
        .order_by("-in_title", "-hits", "version__document_id", "position")
    )
