"""Every write of question banks and questions: create, edit (a new version once an attempt used
the current one), archive, correct a key (which regrades), and import a checked file."""
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import Organization
from backend.errors import ApplicationError
from courses.models import Section

from . import access
from .importers.common import ParsedQuestion, validate_question
from .models import Answer, Attempt, Question, QuestionBank, QuestionTag, QuestionVersion

REGRADE_BATCH = 2000
_SPACES = re.compile(r"\s+")
_NUMBERING = re.compile(r"^[（(]?[一二三四五六七八九十0-9]+[)）、.．]?\s*")


def stem_digest(stem: str) -> str:
    """Two stems that differ only in spacing or full-width characters are the same question."""
    text = _SPACES.sub("", unicodedata.normalize("NFKC", stem)).casefold()
    return hashlib.sha256(text.encode()).hexdigest()


def points_from_decimal(value: Decimal | None, default: int = 100) -> int:
    return default if value is None else int(value * 100)


def _invalid(problems: list[tuple[str, str]]) -> ApplicationError:
    errors: dict[str, list[str]] = {}
    for field, message in problems:
        errors.setdefault(field or "non_field_errors", []).append(message)
    return ApplicationError("invalid", problems[0][1], errors=errors)


def tags_get_or_create(names: Iterable[str]) -> list[QuestionTag]:
    names = sorted({n.strip()[:60] for n in names if n and n.strip()})
    existing = {t.name: t for t in QuestionTag.objects.filter(name__in=names)}
    missing = [QuestionTag(name=n) for n in names if n not in existing]
    QuestionTag.objects.bulk_create(missing, ignore_conflicts=True)
    if missing:
        existing = {t.name: t for t in QuestionTag.objects.filter(name__in=names)}
    return [existing[n] for n in names]


@transaction.atomic
def bank_create(*, actor, organization: Organization, title: str, description: str = "") -> QuestionBank:
    bank = QuestionBank(organization=organization, title=title.strip(), description=description, created_by=actor)
    access.require_bank_editor(actor, bank)
    if not bank.title:
        raise ApplicationError("invalid", _("The bank needs a title."), errors={"title": [_("This field is required.")]})
    bank._history_user = actor
    bank.save()
    return bank


@transaction.atomic
def bank_update(*, actor, bank: QuestionBank, title: str | None = None, description: str | None = None) -> QuestionBank:
    access.require_bank_editor(actor, bank)
    if title is not None:
        bank.title = title.strip()
    if description is not None:
        bank.description = description
    bank._history_user = actor
    bank.save(update_fields=["title", "description"])
    return bank


def _parsed(kind, stem, options, key, analysis, difficulty, points) -> ParsedQuestion:
    return ParsedQuestion(
        kind=kind, stem=(stem or "").strip(), options=[o.strip() for o in options or []], key=key or {},
        analysis=analysis or "", difficulty=difficulty, score=Decimal(points) / 100,
    )


def _set_relations(question: Question, tags, knowledge_points) -> None:
    if tags is not None:
        question.tags.set(tags_get_or_create(tags))
    if knowledge_points is not None:
        question.knowledge_points.set(knowledge_points)


@transaction.atomic
def question_create(
    *, actor, bank: QuestionBank, kind: str, stem: str, options: list[str] | None = None, key: dict, analysis: str = "",
    difficulty: int = 3, points: int = 100, tags: Iterable[str] = (), knowledge_points: Iterable[Section] = (),
) -> Question:
    access.require_bank_editor(actor, bank)
    parsed = _parsed(kind, stem, options, key, analysis, difficulty, points)
    problems = validate_question(parsed)
    if problems:
        raise _invalid(problems)
    question = Question.objects.create(
        bank=bank, kind=kind, difficulty=difficulty, points=points, stem_digest=stem_digest(parsed.stem), created_by=actor
    )
    version = QuestionVersion(
        question=question, number=1, stem=parsed.stem, options=parsed.options, key=parsed.key, analysis=parsed.analysis, created_by=actor
    )
    version._history_user = actor
    version.save()
    question.current = version
    question.save(update_fields=["current"])
    _set_relations(question, list(tags), list(knowledge_points))
    return question


@transaction.atomic
def question_update(
    *, actor, question: Question, stem: str | None = None, options: list[str] | None = None, key: dict | None = None,
    analysis: str | None = None, difficulty: int | None = None, points: int | None = None,
    tags: Iterable[str] | None = None, knowledge_points: Iterable[Section] | None = None,
) -> Question:
    """Edit a question. Once an attempt holds the current version, the edit makes a new version and
    that attempt keeps what it was given; otherwise the version is edited in place."""
    access.require_bank_editor(actor, question.bank)
    question = Question.objects.select_for_update(of=("self",)).select_related("current").get(pk=question.pk)
    current = question.current
    parsed = _parsed(
        question.kind, current.stem if stem is None else stem, current.options if options is None else options,
        current.key if key is None else key, current.analysis if analysis is None else analysis,
        question.difficulty if difficulty is None else difficulty, question.points if points is None else points,
    )
    problems = validate_question(parsed)
    if problems:
        raise _invalid(problems)
    content_changed = (parsed.stem, parsed.options, parsed.key, parsed.analysis) != (current.stem, current.options, current.key, current.analysis)
    if content_changed:
        if Answer.objects.filter(version=current).exists():
            version = QuestionVersion(question=question, number=current.number + 1, created_by=actor)
        else:
            version = current
        version.stem, version.options, version.key, version.analysis = parsed.stem, parsed.options, parsed.key, parsed.analysis
        version._history_user = actor
        version.save()
        question.current = version
    question.difficulty = parsed.difficulty
    question.points = int(parsed.score * 100)
    question.stem_digest = stem_digest(parsed.stem)
    question.save(update_fields=["current", "difficulty", "points", "stem_digest", "updated_at"])
    _set_relations(question, None if tags is None else list(tags), None if knowledge_points is None else list(knowledge_points))
    return question


@transaction.atomic
def question_archive(*, actor, question: Question, archived: bool = True) -> Question:
    """Archived questions are no longer drawn for new papers; attempts that hold them keep them."""
    access.require_bank_editor(actor, question.bank)
    question.archived = archived
    question.save(update_fields=["archived", "updated_at"])
    return question


@transaction.atomic
def question_correct_key(*, actor, version: QuestionVersion, key: dict, reason: str) -> int:
    """Correct the key of a version that attempts were graded against, and regrade every attempt
    that holds it (in batches, by Celery, after this commits). Returns how many will be regraded.

    Unlike an edit, a correction applies to the past: the key was wrong. The version's history keeps
    the old key; each attempt's previous score is kept in its grade events."""
    from .tasks import attempts_regrade_task

    question = version.question
    access.require_bank_editor(actor, question.bank)
    if not reason.strip():
        raise ApplicationError("reason_required", _("Say why the key is corrected."), errors={"reason": [_("This field is required.")]})
    version = QuestionVersion.objects.select_for_update().get(pk=version.pk)
    parsed = ParsedQuestion(kind=question.kind, stem=version.stem, options=version.options, key=key, analysis=version.analysis)
    problems = validate_question(parsed)
    if problems:
        raise _invalid(problems)
    if key == version.key:
        return 0
    version.key = key
    version._history_user = actor
    version._change_reason = reason.strip()[:100]
    version.save(update_fields=["key"])
    attempt_ids = list(
        Answer.objects.filter(version=version, attempt__status__in=(Attempt.Status.GRADED, Attempt.Status.REVIEW))
        .order_by("attempt_id").values_list("attempt_id", flat=True)
    )
    for start in range(0, len(attempt_ids), REGRADE_BATCH):
        batch = attempt_ids[start:start + REGRADE_BATCH]
        transaction.on_commit(
            lambda batch=batch: attempts_regrade_task.delay(version.pk, batch, actor.pk, reason.strip()[:200])
        )
    return len(attempt_ids)


@transaction.atomic
def questions_import(*, actor, bank: QuestionBank, questions: list[ParsedQuestion]) -> list[Question]:
    """Write checked questions in one transaction (the caller refuses a file with any error)."""
    access.require_bank_editor(actor, bank)
    problems = [(q.source_line, p) for q in questions for p in validate_question(q)]
    if problems:
        line, (field, message) = problems[0]
        raise ApplicationError("invalid", message, errors=[{"row": line, "column": field, "message": message}])
    created = Question.objects.bulk_create([
        Question(
            bank=bank, kind=q.kind, difficulty=q.difficulty, points=points_from_decimal(q.score),
            stem_digest=stem_digest(q.stem), created_by=actor,
        )
        for q in questions
    ])
    if not created or created[0].pk is None:  # a backend without RETURNING: read them back
        created = list(Question.objects.filter(bank=bank).order_by("-id")[: len(questions)])[::-1]
    versions = QuestionVersion.objects.bulk_create([
        QuestionVersion(question=question, number=1, stem=q.stem, options=q.options, key=q.key, analysis=q.analysis, created_by=actor)
        for question, q in zip(created, questions)
    ])
    for question, version in zip(created, versions):
        question.current = version
    Question.objects.bulk_update(created, ["current"])
    _link_imported(created, questions, bank)
    return created


def _link_imported(created: list[Question], questions: list[ParsedQuestion], bank: QuestionBank) -> None:
    tag_names = {name for q in questions for name in q.tags}
    tags = {t.name: t for t in tags_get_or_create(tag_names)} if tag_names else {}
    Tagging = Question.tags.through
    Tagging.objects.bulk_create([
        Tagging(question_id=question.pk, questiontag_id=tags[name.strip()[:60]].pk)
        for question, q in zip(created, questions) for name in set(q.tags) if name.strip()
    ], ignore_conflicts=True)
    wanted = {name for q in questions for name in q.knowledge_points}
    if not wanted:
        return
    sections = _sections_by_heading(wanted, bank)
    Linking = Question.knowledge_points.through
    Linking.objects.bulk_create([
        Linking(question_id=question.pk, section_id=sections[name].pk)
        for question, q in zip(created, questions) for name in set(q.knowledge_points) if name in sections
    ], ignore_conflicts=True)


def _sections_by_heading(names: set[str], bank: QuestionBank) -> dict[str, Section]:
    """Sections of the library around the bank (documents of its organization, its ancestors and
    its subtree) whose heading ("（一）坚持…") or bare title is one of `names`; newest version wins."""
    path, step = bank.organization.path, Organization.steplen
    ancestors = [path[:end] for end in range(step, len(path) + 1, step)]
    near = Q(version__document__organization__path__in=ancestors) | Q(version__document__organization__path__startswith=path)
    titles = {_NUMBERING.sub("", name).strip() for name in names} | set(names)
    found: dict[str, Section] = {}
    for section in Section.objects.filter(near, title__in=titles).order_by("-version__created_at", "position"):
        for name in names:
            if name not in found and name in (section.heading, section.title):
                found[name] = section
    return found


def knowledge_point_names(questions: list[ParsedQuestion], bank: QuestionBank) -> set[str]:
    """The knowledge points named in a file that match no section (shown as warnings in the preview)."""
    wanted = {name for q in questions for name in q.knowledge_points}
    return wanted - set(_sections_by_heading(wanted, bank)) if wanted else set()


def duplicate_stems(bank: QuestionBank, questions: list[ParsedQuestion]) -> dict[int, int]:
    """{position in the file: id of the bank's question with the same stem}."""
    digests = {stem_digest(q.stem): i for i, q in enumerate(questions, start=1)}
    existing = dict(
        Question.objects.filter(bank=bank, stem_digest__in=list(digests), archived=False).values_list("stem_digest", "id")
    )
    return {digests[d]: pk for d, pk in existing.items()}
