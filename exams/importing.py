"""Question files in and out of a bank: preview (a dry run), import, the error sheet, export.

A file is read whole and checked before anything is written; while any error stands nothing is
imported. Questions whose stem a bank already holds are flagged in the preview and skipped unless
the organizer asks to import them anyway.
"""
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from backend.errors import ApplicationError

from . import access
from .importers import (
    ImportIssue,
    ImportResult,
    ParsedQuestion,
    error_workbook,
    export_excel,
    export_gift,
    parse_aiken,
    parse_excel,
    parse_gift,
)
from .models import Question, QuestionBank
from .questions import duplicate_stems, knowledge_point_names, questions_import

MAX_ROWS = 1000
MAX_TEXT_BYTES = 2 * 1024 * 1024
FORMATS = ("excel", "gift", "aiken")


def format_for(file_name: str, requested: str | None) -> str:
    if requested:
        return requested
    name = file_name.lower()
    if name.endswith((".xlsx", ".xlsm")):
        return "excel"
    if name.endswith(".gift") or name.endswith(".gift.txt"):
        return "gift"
    if name.endswith(".txt"):
        return "aiken"
    raise ApplicationError("format_unknown", _("Say which format the file is in: Excel (.xlsx), GIFT or Aiken (.txt)."))


def _text(content: bytes) -> str:
    if len(content) > MAX_TEXT_BYTES:
        raise ApplicationError("file_too_large", _("The file is larger than %(mb)d MB.") % {"mb": MAX_TEXT_BYTES // (1024 * 1024)})
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ApplicationError("encoding_unknown", _("The file is neither UTF-8 nor GB18030 text."))


def parse_file(*, file_name: str, content: bytes, file_format: str | None = None) -> ImportResult:
    kind = format_for(file_name, file_format)
    if not content:
        raise ApplicationError("file_empty", _("The file is empty."))
    if kind == "excel":
        return parse_excel(content, max_rows=MAX_ROWS)
    result = (parse_gift if kind == "gift" else parse_aiken)(_text(content))
    if len(result.questions) > MAX_ROWS:
        result.errors.append(ImportIssue(line=0, field="", message=_("The file holds more than %(max)d questions; split it.") % {"max": MAX_ROWS}))
    return result


@dataclass
class Preview:
    result: ImportResult
    duplicates: dict[int, int] = field(default_factory=dict)  # position in file → existing question id
    unknown_points: set[str] = field(default_factory=set)
    created: list[Question] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.result.errors and not self.result.unsupported


def questions_preview_or_import(
    *, actor, bank: QuestionBank, file_name: str, content: bytes, file_format: str | None = None,
    dry_run: bool = True, include_duplicates: bool = False,
) -> Preview:
    access.require_bank_editor(actor, bank)
    result = parse_file(file_name=file_name, content=content, file_format=file_format)
    preview = Preview(result=result, duplicates=duplicate_stems(bank, result.questions))
    preview.unknown_points = knowledge_point_names(result.questions, bank)
    if dry_run or not preview.ok:
        return preview
    wanted = [q for n, q in enumerate(result.questions, start=1) if include_duplicates or n not in preview.duplicates]
    preview.created = questions_import(actor=actor, bank=bank, questions=wanted)
    return preview


def error_sheet(*, actor, bank: QuestionBank, file_name: str, content: bytes) -> bytes:
    """The uploaded sheet with a 错误说明 column naming what is wrong in each row."""
    access.require_bank_editor(actor, bank)
    result = parse_file(file_name=file_name, content=content, file_format="excel")
    return error_workbook(content, result.errors + result.unsupported)


def _parsed(question: Question) -> ParsedQuestion:
    from decimal import Decimal

    version = question.current
    return ParsedQuestion(
        kind=question.kind, stem=version.stem, options=list(version.options), key=version.key, analysis=version.analysis,
        difficulty=question.difficulty, knowledge_points=[s.heading for s in question.knowledge_points.all()],
        tags=[t.name for t in question.tags.all()], score=Decimal(question.points) / 100,
    )


def bank_export(*, questions, file_format: str) -> tuple[bytes, str, str]:
    """(content, file extension, content type) of a bank's questions as Excel or GIFT."""
    parsed = [_parsed(q) for q in questions]
    if file_format == "gift":
        return export_gift(parsed).encode("utf-8"), "gift.txt", "text/plain; charset=utf-8"
    return export_excel(parsed), "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
