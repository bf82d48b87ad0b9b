"""Every write of the theory library, courses and study progress."""
import hashlib
import logging
import math
from dataclasses import asdict
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import scope
from backend.errors import ApplicationError

from .models import (
    Course,
    CourseCredit,
    CourseSection,
    Document,
    DocumentImport,
    DocumentVersion,
    KeyTerm,
    Section,
    StudyClock,
    StudyProgress,
    Topic,
)

logger = logging.getLogger(__name__)

# Reading speed used for estimates: 300 Chinese characters a minute, a careful reading of policy
# text. A section counts as studied after half of that estimate (600 characters a minute, a brisk
# but real reading), and never under 30 seconds. See docs/decisions/0005-study-credit.md.
READING_CHARS_PER_MINUTE = 300
MIN_STUDY_CHARS_PER_MINUTE = 600
MIN_SECTION_SECONDS = 30
# Files up to this size are read during the upload request; larger ones by a Celery task.
SYNC_PARSE_BYTES = 512 * 1024
# The page sends a heartbeat every 15 s; one heartbeat earns at most this much.
HEARTBEAT_MAX_SECONDS = 30


def _not_found():
    return ApplicationError("not_found", _("Not found."), status_code=404)


def _require_manager(actor, organization):
    if not scope.in_scope(actor, organization, scope.MANAGER_ROLES):
        raise ApplicationError(
            "permission_denied", _("Only organizers and administrators of this organization can do this."), status_code=403
        )


# --- importing documents -------------------------------------------------------------------


def document_import_create(*, actor, organization, file_name: str, content: bytes, document: Document | None = None) -> DocumentImport:
    """Store an upload and read it (now if small, else in the background). Nothing enters the library yet."""
    from .importing import MAX_BYTES
    from .tasks import document_import_parse_task

    _require_manager(actor, organization)
    if document is not None and document.organization_id != organization.pk:
        raise ApplicationError("wrong_organization", _("A new version must belong to the document's organization."))
    if not content:
        raise ApplicationError("file_empty", _("The file is empty."))
    if len(content) > MAX_BYTES:
        raise ApplicationError(
            "file_too_large", _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    with transaction.atomic():
        job = DocumentImport.objects.create(
            organization=organization, document=document, created_by=actor, file_name=file_name[:255], content=content
        )
        if len(content) > SYNC_PARSE_BYTES:
            transaction.on_commit(lambda: document_import_parse_task.delay(job.pk))
    if len(content) <= SYNC_PARSE_BYTES:
        job = document_import_parse(import_id=job.pk)
        if job.status == DocumentImport.Status.FAILED:
            # Answered at once: keep nothing of a file that could not be read.
            job.delete()
            raise ApplicationError(job.error_code, job.error_message)
    return job


def document_import_parse(*, import_id: int) -> DocumentImport:
    """Extract the text and build the section tree for the preview. Idempotent."""
    from .importing import extract_text, parse_document

    job = DocumentImport.objects.get(pk=import_id)
    if job.status != DocumentImport.Status.PENDING:
        return job
    try:
        text = extract_text(job.file_name, bytes(job.content))
        parsed = parse_document(text)
    except ApplicationError as exc:
        return _document_import_fail(job, exc.code, exc.message)
    except SoftTimeLimitExceeded:
        # Whatever stops the reading, the import must end as failed, or its page would poll forever.
        return _document_import_fail(
            job, "file_too_slow", _("Reading the file took too long. Split it into smaller files and import them one by one.")
        )
    except Exception:  # noqa: BLE001 - a parser bug on an odd file; logged, and the user told plainly
        logger.exception("document import %s: reading %r failed", job.pk, job.file_name)
        return _document_import_fail(
            job, "file_unreadable",
            _("The file could not be read. Save it again as .docx or .txt and import that, or send it to the administrator."),
        )
    job.parsed = {"text": text, **asdict(parsed)}
    job.status = DocumentImport.Status.READY
    job.save(update_fields=["parsed", "status"])
    return job


def _document_import_fail(job: DocumentImport, code: str, message: str) -> DocumentImport:
    job.status, job.error_code, job.error_message = DocumentImport.Status.FAILED, code, message
    job.save(update_fields=["status", "error_code", "error_message"])
    return job


def _flatten(sections, level_parent=None):
    """Depth-first (node, parent) pairs of the parsed tree (dicts from asdict)."""
    for node in sections:
        yield node, level_parent
        yield from _flatten(node["children"], node)


def _section_text(section: Section) -> str:
    return f"{section.heading}\n{section.body}"


@transaction.atomic
def document_import_save(*, actor, document_import: DocumentImport, title: str = "", issuer: str = "", issued_on=None) -> DocumentVersion:
    """Put a read import into the library: a new document, or a new version of the one it names."""
    job = DocumentImport.objects.select_for_update().get(pk=document_import.pk)
    if job.created_by_id != actor.pk:
        raise _not_found()
    if job.status != DocumentImport.Status.READY:
        raise ApplicationError(
            "import_not_ready", _("This import cannot be saved: its status is %(status)s.") % {"status": job.get_status_display()}
        )
    _require_manager(actor, job.organization)
    parsed = job.parsed
    title = (title or parsed["title"] or job.file_name.rsplit(".", 1)[0]).strip()[:200]
    if job.document_id:
        document = Document.objects.select_for_update().get(pk=job.document_id)
        if issuer:
            document.issuer = issuer
        if issued_on:
            document.issued_on = issued_on
    else:
        document = Document.objects.create(
            organization=job.organization, title=title, issuer=issuer, issued_on=issued_on, created_by=actor
        )
    number = (document.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    content = bytes(job.content)
    version = DocumentVersion(
        document=document,
        number=number,
        file_name=job.file_name,
        file_sha256=hashlib.sha256(content).hexdigest(),
        file_size=len(content),
        text=parsed["text"],
        char_count=len(parsed["text"]),
        created_by=actor,
    )
    version.source.save(job.file_name, ContentFile(content), save=False)
    version.save()
    _sections_create(version, parsed)
    document.current_version = version
    document.save()
    job.status, job.saved_version, job.document = DocumentImport.Status.SAVED, version, document
    job.save(update_fields=["status", "saved_version", "document"])
    return version


def _sections_create(version: DocumentVersion, parsed: dict) -> None:
    from .importing import find_key_terms
    from .importing.keyterms import quoted_terms

    nodes = list(_flatten(parsed["sections"]))
    objects, by_node = [], {}
    for position, (node, parent) in enumerate(nodes):
        body = node["body"]
        section = Section(
            version=version, position=position, level=node["level"], number=node["number"][:20],
            title=node["title"][:300], body=body, char_count=len(node["title"]) + len(body),
        )
        by_node[id(node)] = section
        objects.append((section, parent))
    # Parents first: create level by level so that each level's parents already have ids.
    for level in sorted({s.level for s, _p in objects}):
        batch = []
        for section, parent in objects:
            if section.level == level:
                section.parent = by_node[id(parent)] if parent is not None else None
                batch.append(section)
        Section.objects.bulk_create(batch, batch_size=500)
    # A term quoted anywhere in the document counts wherever it recurs, quoted or not.
    known = quoted_terms(parsed["text"])
    terms = []
    for section, _p in objects:
        hits: dict[str, list] = {}
        for hit in find_key_terms(_section_text(section), known_terms=known):
            hits.setdefault(hit.term, []).append([hit.start, hit.end])
        terms.extend(KeyTerm(section=section, term=term, offsets=offsets) for term, offsets in hits.items())
    KeyTerm.objects.bulk_create(terms, batch_size=500)


# --- topics --------------------------------------------------------------------------------


def topics_get_or_create(names) -> list[Topic]:
    names = sorted({n.strip() for n in names if n and n.strip()})
    existing = {t.name: t for t in Topic.objects.filter(name__in=names)}
    for name in names:
        if name not in existing:
            try:
                with transaction.atomic():
                    existing[name] = Topic.objects.create(name=name[:60])
            except IntegrityError:  # created meanwhile by someone else
                existing[name] = Topic.objects.get(name=name[:60])
    return [existing[n] for n in names]


@transaction.atomic
def section_set_topics(*, actor, section: Section, names) -> Section:
    _require_manager(actor, section.version.document.organization)
    section.topics.set(topics_get_or_create(names))
    return section


def topic_suggestions(section: Section) -> list[Topic]:
    """Known topics whose name occurs in the section's text."""
    text = _section_text(section)
    return [t for t in Topic.objects.all() if t.name in text]


# --- courses -------------------------------------------------------------------------------


def section_min_seconds(char_count: int) -> int:
    return max(MIN_SECTION_SECONDS, math.ceil(char_count * 60 / MIN_STUDY_CHARS_PER_MINUTE))


def reading_minutes(char_count: int) -> int:
    return math.ceil(char_count / READING_CHARS_PER_MINUTE)


@transaction.atomic
def course_create(
    *, actor, organization, title: str, minutes: int, sections: list[Section], format: str = Course.Format.ONLINE,
    description: str = "", topics=(), requires_quiz: bool = False,
) -> Course:
    _require_manager(actor, organization)
    if not sections:
        raise ApplicationError("no_sections", _("Choose at least one section."))
    if minutes <= 0:
        raise ApplicationError("bad_hours", _("Class hours must be more than zero."))
    outside = [s for s in sections if not scope.in_scope(actor, s.version.document.organization, scope.ALL_ROLES)]
    if outside:
        raise _not_found()
    course = Course.objects.create(
        organization=organization, title=title, description=description, minutes=minutes, format=format,
        requires_quiz=requires_quiz, created_by=actor,
        reading_minutes=reading_minutes(sum(s.char_count for s in sections)),
    )
    course.topics.set(topics_get_or_create(topics))
    CourseSection.objects.bulk_create(
        CourseSection(course=course, section=s, position=i, min_seconds=section_min_seconds(s.char_count))
        for i, s in enumerate(sections)
    )
    return course


@transaction.atomic
def course_publish(*, actor, course: Course) -> Course:
    _require_manager(actor, course.organization)
    course.status = Course.Status.PUBLISHED
    course.save(update_fields=["status"])
    return course


# --- study credit --------------------------------------------------------------------------


@transaction.atomic
def study_heartbeat(*, user, item: CourseSection, visible: bool, active: bool, now=None) -> StudyProgress:
    """Credit the time since this user's previous heartbeat, from any tab or device, to `item`.

    Only a visible page with an active reader earns credit; at most HEARTBEAT_MAX_SECONDS per
    heartbeat; a hidden or idle beat stops the clock, so the next beat starts a fresh interval.
    Because every tab shares one clock per user, parallel tabs split the wall-clock time
    instead of multiplying it. The page cannot claim time: only arrival times count.
    """
    now = now or timezone.now()
    clock, _created = StudyClock.objects.select_for_update().get_or_create(user=user)
    credit = 0
    if not (visible and active):
        clock.last_beat_at = None
    elif clock.last_beat_at is None:
        clock.last_beat_at = now
    else:
        elapsed = (now - clock.last_beat_at) / timedelta(seconds=1)
        if elapsed > HEARTBEAT_MAX_SECONDS:
            credit, clock.last_beat_at = HEARTBEAT_MAX_SECONDS, now
        elif elapsed > 0:
            # Whole seconds only; the clock moves by what was credited, so the fraction left over
            # counts with the next beat instead of being rounded away at every beat.
            credit = int(elapsed)
            clock.last_beat_at += timedelta(seconds=credit)
    clock.save(update_fields=["last_beat_at"])

    progress, _created = StudyProgress.objects.select_for_update().get_or_create(user=user, item=item)
    if credit:
        StudyProgress.objects.filter(pk=progress.pk).update(credited_seconds=F("credited_seconds") + credit)
        progress.refresh_from_db(fields=["credited_seconds"])
    if progress.completed_at is None and progress.credited_seconds >= item.min_seconds:
        progress.completed_at = now
        progress.save(update_fields=["completed_at"])
        _course_credit_if_complete(user=user, course=item.course)
    return progress


def _course_credit_if_complete(*, user, course: Course) -> CourseCredit | None:
    if course.requires_quiz:
        return None  # credited once the quiz is passed (the exams app calls course_credit_grant)
    total = course.items.count()
    done = StudyProgress.objects.filter(user=user, item__course=course, completed_at__isnull=False).count()
    if done < total:
        return None
    return course_credit_grant(user=user, course=course)


def course_credit_grant(*, user, course: Course) -> CourseCredit:
    credit, _created = CourseCredit.objects.get_or_create(user=user, course=course, defaults={"credited_minutes": course.minutes})
    return credit
