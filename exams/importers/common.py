"""The one shape every importer produces and every exporter reads, and the rules a question obeys.

`validate_question` is the single copy of those rules: the importers run it on what they parsed,
and the services run it on questions typed in the editor. Problems are (field, message) with the
field named as the Excel column is (题干, 选项C, 答案 …), so a message reads the same wherever it
is shown.
"""
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

KINDS = ("single", "multiple", "true_false", "blank", "short")
CHOICE_KINDS = ("single", "multiple")
KIND_LABELS = {  # the same msgids as Question.Kind, so one translation serves both
    "single": gettext_lazy("Single choice"),
    "multiple": gettext_lazy("Multiple choice"),
    "true_false": gettext_lazy("True or false"),
    "blank": gettext_lazy("Fill in the blank"),
    "short": gettext_lazy("Short answer"),
}

MIN_OPTIONS, MAX_OPTIONS = 2, 8
STEM_MAX = 2000
TAG_MAX = 60  # QuestionTag.name
SCORE_MAX = Decimal(1000)  # points are stored as integer hundredths: keep far from the integer limit
BLANK_MARK = "____"
# Any run of three or more underscores marks a blank: people type 3, 4 or 6 of them.
BLANK_MARK_RE = re.compile(r"_{3,}")

# Field names are the Excel column titles (without the * of required columns).
F_KIND, F_STEM, F_OPTION, F_ANSWER = "题型", "题干", "选项", "答案"
F_ANALYSIS, F_DIFFICULTY, F_KNOWLEDGE, F_TAGS, F_SCORE = "解析", "难度", "知识点", "标签", "分值"


@dataclass
class ParsedQuestion:
    kind: str  # one of KINDS
    stem: str
    options: list[str]  # 2..8 for single/multiple, [] otherwise
    key: dict  # {"options": [i]} | {"options": [i, j]} | {"value": bool} | {"blanks": [[alt, ...]]} | {"reference": str}
    analysis: str = ""
    difficulty: int = 3  # 1..5
    knowledge_points: list[str] = field(default_factory=list)  # section names or headings, as written
    tags: list[str] = field(default_factory=list)
    score: Decimal | None = None  # the default score, 0 < score <= 1000 with at most 2 decimals; None: the bank's default
    source_line: int = 0  # Excel row or text line where the question starts (1-based)
    title: str = ""  # GIFT ::name::


@dataclass
class ImportIssue:
    line: int  # Excel row or file line (1-based)
    field: str  # 题型, 答案 …; "" for a whole block
    message: str  # translated, and names the row or line itself
    position: int = 0  # the question's ordinal in the file (1-based)


@dataclass
class ImportResult:
    """`questions` holds only questions that passed `validate_question`. The caller imports nothing
    while `errors` is not empty. `unsupported` names questions of types the system cannot hold
    (matching, numeric …): never dropped silently, and the caller decides what to tell the user."""

    questions: list[ParsedQuestion] = field(default_factory=list)
    errors: list[ImportIssue] = field(default_factory=list)
    unsupported: list[ImportIssue] = field(default_factory=list)


def option_letter(index: int) -> str:
    return chr(ord("A") + index)


def line_issue(line: int, field_name: str, message: str, position: int = 0) -> ImportIssue:
    """An issue in a text file (GIFT, Aiken): the message starts with its line."""
    if field_name:
        text = _("Line %(line)d: %(field)s: %(message)s") % {"line": line, "field": field_name, "message": message}
    else:
        text = _("Line %(line)d: %(message)s") % {"line": line, "message": message}
    return ImportIssue(line=line, field=field_name, message=text, position=position)


def row_issue(row: int, field_name: str, message: str, position: int = 0) -> ImportIssue:
    """An issue in a sheet: the message starts with its Excel row (第N行 in Chinese)."""
    if field_name:
        text = _("Row %(row)d: %(field)s: %(message)s") % {"row": row, "field": field_name, "message": message}
    else:
        text = _("Row %(row)d: %(message)s") % {"row": row, "message": message}
    return ImportIssue(line=row, field=field_name, message=text, position=position)


def validate_question(q: ParsedQuestion) -> list[tuple[str, str]]:
    """Every rule a question breaks, as (field, message); [] for a valid question."""
    problems: list[tuple[str, str]] = []
    if q.kind not in KINDS:
        problems.append((F_KIND, _("Unknown question type %(kind)s.") % {"kind": q.kind}))
    stem = q.stem if isinstance(q.stem, str) else ""
    if not stem.strip():
        problems.append((F_STEM, _("The stem is empty.")))
    elif len(stem) > STEM_MAX:
        problems.append((F_STEM, _("The stem is longer than %(max)d characters.") % {"max": STEM_MAX}))
    if q.kind in KINDS:
        problems += _check_options(q)
        problems += _check_key(q)
    if isinstance(q.difficulty, bool) or not isinstance(q.difficulty, int) or not 1 <= q.difficulty <= 5:
        problems.append((F_DIFFICULTY, _("The difficulty must be a whole number from 1 to 5.")))
    if q.score is not None and not score_is_valid(q.score):
        problems.append((F_SCORE, _("The score must be a number greater than 0 and at most %(max)d, with at most two decimals.") % {"max": SCORE_MAX}))
    if any(not isinstance(t, str) or not t.strip() or len(t) > TAG_MAX for t in q.tags):
        problems.append((F_TAGS, _("Each tag must be 1 to %(max)d characters.") % {"max": TAG_MAX}))
    if any(not isinstance(k, str) or not k.strip() for k in q.knowledge_points):
        problems.append((F_KNOWLEDGE, _("A knowledge point is empty.")))
    return problems


def score_is_valid(score) -> bool:
    return isinstance(score, Decimal) and score.is_finite() and 0 < score <= SCORE_MAX and score == score.quantize(Decimal("0.01"))


def _check_options(q: ParsedQuestion) -> list[tuple[str, str]]:
    label = KIND_LABELS[q.kind]
    if q.kind not in CHOICE_KINDS:
        if q.options:
            return [(F_OPTION, _("A question of type %(kind)s takes no options.") % {"kind": label})]
        return []
    if not MIN_OPTIONS <= len(q.options) <= MAX_OPTIONS:
        return [
            (
                F_OPTION,
                _("A question of type %(kind)s needs %(min)d to %(max)d options; it has %(count)d.")
                % {"kind": label, "min": MIN_OPTIONS, "max": MAX_OPTIONS, "count": len(q.options)},
            )
        ]
    return [
        (F_OPTION + option_letter(i), _("The option is empty."))
        for i, text in enumerate(q.options)
        if not isinstance(text, str) or not text.strip()
    ]


def _check_key(q: ParsedQuestion) -> list[tuple[str, str]]:
    key = q.key if isinstance(q.key, dict) else {}
    malformed = [(F_ANSWER, _("The answer is missing or not in the expected form."))]
    if q.kind in CHOICE_KINDS:
        chosen = key.get("options")
        if set(key) != {"options"} or not isinstance(chosen, list):
            return malformed
        if any(isinstance(i, bool) or not isinstance(i, int) for i in chosen):
            return malformed
        outside = [i for i in chosen if not 0 <= i < len(q.options)]
        if outside:
            return [
                (F_ANSWER, _("The answer names option %(letter)s, which does not exist.") % {"letter": option_letter(i) if 0 <= i < 26 else str(i)})
                for i in outside
            ]
        if q.kind == "single" and len(chosen) != 1:
            return [(F_ANSWER, _("A single-choice question has exactly one right option; this one has %(count)d.") % {"count": len(chosen)})]
        if not chosen:
            return [(F_ANSWER, _("A multiple-choice question needs at least one right option."))]
        if chosen != sorted(set(chosen)):
            return [(F_ANSWER, _("The right options must each be named once, in order."))]
        return []
    if q.kind == "true_false":
        return [] if set(key) == {"value"} and isinstance(key["value"], bool) else malformed
    if q.kind == "blank":
        blanks = key.get("blanks")
        if set(key) != {"blanks"} or not isinstance(blanks, list) or not blanks:
            return malformed
        if any(
            not isinstance(alternatives, list) or not alternatives or any(not isinstance(a, str) or not a.strip() for a in alternatives)
            for alternatives in blanks
        ):
            return [(F_ANSWER, _("Every blank needs at least one accepted answer."))]
        marks = len(BLANK_MARK_RE.findall(q.stem)) if isinstance(q.stem, str) else 0
        if marks and marks != len(blanks):
            return [
                (
                    F_ANSWER,
                    _("The stem marks %(marks)d blank(s) with ____ but the answer gives %(blanks)d.")
                    % {"marks": marks, "blanks": len(blanks)},
                )
            ]
        return []
    # short: a reference answer, possibly empty
    return [] if set(key) == {"reference"} and isinstance(key["reference"], str) else malformed



def collect(result: ImportResult, q: ParsedQuestion, *, position: int, issue=line_issue, reported: Iterable[str] = ()) -> None:
    """Add `q` to the result if it is valid and nothing was `reported` about it already, else its
    problems as errors at its line or row. Fields in `reported` (the parser already named them, and
    the question holds a stand-in there) are not named twice; 选项C stands for every option."""
    reported = {_family(f) for f in reported}
    problems = [(f, m) for f, m in validate_question(q) if _family(f) not in reported]
    result.errors += [issue(q.source_line, f, m, position) for f, m in problems]
    if not problems and not reported:
        result.questions.append(q)


def _family(field_name: str) -> str:
    return F_OPTION if field_name.startswith(F_OPTION) else field_name
