"""Per-exam statistics for organizers, and their Excel export.

Everything is computed over the attempt that counts per trainee (`results.counted_attempts`) among
graded attempts: one row per trainee. Attempts in review are counted apart and are not in any
figure. The caller checks that the user may see the exam's records (`access.can_view_exam_records`).

Arithmetic is exact (integers and `Fraction`); rounding happens once, when a figure is made a
`Decimal`, and is ROUND_HALF_UP (half away from zero, so -0.125 shows as -0.13):
- scores in points with 2 places; rates in percent with 1 place; difficulty and discrimination
  with 2 places; minutes with 1 place.
- difficulty: the mean of score / points over the counted answers to the question, so for an item
  scored all or nothing it is the share answered correctly, and partial credit counts in part.
- discrimination: difficulty among the top 27 % of participants by total score (score / max score)
  minus difficulty among the bottom 27 %, each group ceil(0.27 n) participants; equal totals at a
  group's edge are split by attempt id. None below 4 participants.
- median: the middle value, or the mean of the two middle values; p90: the nearest rank,
  the ceil(0.9 n)-th smallest value.

Queries: a fixed number whatever the number of attempts (the exam's organization, the attempts,
the organizations rolled up to, the answers of the counted attempts, the question versions).
"""
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from io import BytesIO
from math import floor

from django.db.models import TextField
from django.db.models.functions import Cast
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from accounts.models import Organization

from .grading.scoring import MULTIPLE, SINGLE, TRUE_FALSE, is_answered
from .models import Answer, Attempt, Exam, QuestionVersion
from .results import counted_attempts

STEM_CHARS = 60
SCORE_BANDS = 10
TIME_BAND_MINUTES = 5
DISCRIMINATION_SHARE = Fraction(27, 100)
DISCRIMINATION_MIN_PARTICIPANTS = 4
# Attempt ids per answers query: well under SQLite's default limit of 32,766 bound parameters,
# so up to this many participants it is one query.
ANSWER_ID_CHUNK = 20_000

_ATTEMPT_FIELDS = (
    "id", "user_id", "organization_id", "organization__path", "number", "status", "started_at", "submitted_at",
    "score", "max_score", "passed",
)


# --- the figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreBand:
    lower_percent: int  # of the paper's max score, inclusive
    upper_percent: int  # exclusive, except the top band's 100, which is inclusive
    count: int


@dataclass(frozen=True)
class OrganizationPassRate:
    organization_id: int
    name: str
    participants: int
    passed: int
    pass_rate: Decimal  # percent, 1 place


@dataclass(frozen=True)
class OptionCount:
    index: int  # the option's original index (before shuffling)
    letter: str  # A, B, ... by original index
    text: str
    is_key: bool
    chosen: int


@dataclass(frozen=True)
class QuestionStatistics:
    question_id: int
    number: int  # 1-based, in paper order of first appearance
    stem: str  # the first 60 characters
    kind: str  # Question.Kind
    presented: int  # counted attempts whose paper held the question
    answered: int  # ... that gave any answer
    unanswered: int  # presented - answered
    correct: int  # ... with full marks
    difficulty: Decimal | None  # share correct (mean score / points), 2 places
    discrimination: Decimal | None  # top 27 % minus bottom 27 %, 2 places; None below 4 participants
    options: list[OptionCount] = field(default_factory=list)  # single and multiple choice
    chose_true: int | None = None  # true or false
    chose_false: int | None = None
    true_is_key: bool | None = None  # true or false: the key


@dataclass(frozen=True)
class TimeBand:
    lower_minutes: int  # inclusive
    upper_minutes: int  # exclusive
    count: int


@dataclass(frozen=True)
class TimeTaken:
    median_minutes: Decimal | None  # 1 place
    p90_minutes: Decimal | None  # 1 place
    bands: list[TimeBand]  # 5-minute bands from 0 to the longest


@dataclass(frozen=True)
class ExamStatistics:
    exam_id: int
    exam_title: str
    organization_id: int | None  # the organization filter, None: everyone
    organization_name: str | None
    participants: int  # trainees with a graded attempt (the counted one each)
    attempts_total: int  # every attempt, in any status
    in_review: int  # attempts awaiting a person's grading
    full_marks: Decimal | None  # the papers' max score, None when the counted papers differ
    pass_score: Decimal
    score_mean: Decimal | None  # points, 2 places
    score_median: Decimal | None
    score_min: Decimal | None
    score_max: Decimal | None
    passed: int
    pass_rate: Decimal | None  # percent, 1 place
    score_bands: list[ScoreBand]
    organizations: list[OrganizationPassRate]
    questions: list[QuestionStatistics]
    time_taken: TimeTaken


# --- rounding, once ------------------------------------------------------------------------------


def _decimal(value: Fraction | int, places: int) -> Decimal:
    """`value` rounded to `places` decimals, half away from zero, exactly."""
    value = Fraction(value)
    scaled = abs(value) * 10**places
    whole = floor(scaled + Fraction(1, 2))
    return Decimal(-whole if value < 0 else whole).scaleb(-places)


def _points(hundredths: Fraction | int) -> Decimal:
    return _decimal(Fraction(hundredths) / 100, 2)


def _percent(part: int, whole: int) -> Decimal | None:
    return _decimal(Fraction(100 * part, whole), 1) if whole else None


def _median(values: list[int]) -> Fraction | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[middle])
    return Fraction(ordered[middle - 1] + ordered[middle], 2)


def _nearest_rank(values: list[int], share: Fraction) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = -(-share.numerator * len(ordered) // share.denominator)  # ceil(share × n)
    return ordered[max(rank, 1) - 1]


class _Share:
    """The mean of score / points over some answers, kept exact: Σ over each points value p of
    (Σ scores of p-point answers) / p, over the number of answers."""

    __slots__ = ("count", "by_points")

    def __init__(self):
        self.count = 0
        self.by_points: dict[int, int] = defaultdict(int)

    def add(self, score: int, points: int, correct: bool | None) -> None:
        self.count += 1
        if points:
            self.by_points[points] += score
        else:  # a 0-point item: right or wrong
            self.by_points[1] += 1 if correct else 0

    def value(self) -> Fraction | None:
        if not self.count:
            return None
        return sum((Fraction(total, points) for points, total in self.by_points.items()), Fraction(0)) / self.count


class _Question:
    __slots__ = ("kind", "first", "presented", "answered", "correct", "share", "top", "bottom", "chosen", "versions")

    def __init__(self, kind: str, first: tuple[int, int]):
        self.kind = kind
        self.first = first  # (attempt id, position) where it first appears
        self.presented = self.answered = self.correct = 0
        self.share, self.top, self.bottom = _Share(), _Share(), _Share()
        self.chosen: Counter = Counter()  # option index, or True / False
        self.versions: set[int] = set()


# --- the selector --------------------------------------------------------------------------------


def exam_statistics(*, exam: Exam, organization: Organization | None = None) -> ExamStatistics:
    """Statistics of `exam` over the counted graded attempt of each trainee; with `organization`,
    only trainees of its subtree (by their organization when they started)."""
    attempts = Attempt.objects.filter(exam=exam)
    if organization is not None:
        attempts = attempts.filter(organization__path__startswith=organization.path)
    rows = list(attempts.order_by().values(*_ATTEMPT_FIELDS))
    paths = {row["id"]: row.pop("organization__path") for row in rows}
    graded = [Attempt(**row) for row in rows if row["status"] == Attempt.Status.GRADED]
    counted = sorted(counted_attempts(graded, exam.counting).values(), key=lambda a: a.pk)

    scores = [a.score for a in counted]
    passed = sum(1 for a in counted if a.passed)
    papers = {a.max_score for a in counted}
    questions = _question_statistics(counted)
    return ExamStatistics(
        exam_id=exam.pk,
        exam_title=exam.title,
        organization_id=organization.pk if organization else None,
        organization_name=organization.name if organization else None,
        participants=len(counted),
        attempts_total=len(rows),
        in_review=sum(1 for row in rows if row["status"] == Attempt.Status.REVIEW),
        full_marks=_points(papers.pop()) if len(papers) == 1 else None,
        pass_score=_points(exam.pass_score),
        score_mean=_points(Fraction(sum(scores), len(scores))) if scores else None,
        score_median=_points(_median(scores)) if scores else None,
        score_min=_points(min(scores)) if scores else None,
        score_max=_points(max(scores)) if scores else None,
        passed=passed,
        pass_rate=_percent(passed, len(counted)),
        score_bands=_score_bands(counted),
        organizations=_organizations(exam, organization, counted, paths),
        questions=questions,
        time_taken=_time_taken(counted),
    )


def _score_bands(counted: list[Attempt]) -> list[ScoreBand]:
    counts = [0] * SCORE_BANDS
    for attempt in counted:
        if attempt.max_score:
            band = SCORE_BANDS * max(attempt.score, 0) // attempt.max_score
        else:
            band = SCORE_BANDS - 1  # a paper worth nothing: every score is full marks
        counts[min(band, SCORE_BANDS - 1)] += 1
    step = 100 // SCORE_BANDS
    return [ScoreBand(lower_percent=i * step, upper_percent=(i + 1) * step, count=n) for i, n in enumerate(counts)]


def _organizations(
    exam: Exam, organization: Organization | None, counted: list[Attempt], paths: dict[int, str],
) -> list[OrganizationPassRate]:
    """Pass rates by the organization a trainee was in, rolled up to the anchor's children: the
    anchor is the exam's organization (a league's exam: per banner), or the filter when it is not
    above the exam's organization (a banner's view of a league's exam: per township). An
    organization outside the anchor's subtree, or the anchor itself, stands for itself."""
    if not counted:
        return []
    anchor = Organization.objects.filter(pk=exam.organization_id).values_list("path", flat=True).first() or ""
    if organization is not None and not anchor.startswith(organization.path):
        anchor = organization.path
    child_length = len(anchor) + Organization.steplen
    groups: dict[str, list[Attempt]] = defaultdict(list)
    for attempt in counted:
        path = paths[attempt.pk]
        groups[path[:child_length] if path.startswith(anchor) and len(path) > len(anchor) else path].append(attempt)
    rows = Organization.objects.filter(path__in=list(groups)).order_by("path").values("path", "id", "name")
    result = []
    for row in rows:
        members = groups[row["path"]]
        passed = sum(1 for a in members if a.passed)
        result.append(OrganizationPassRate(
            organization_id=row["id"], name=row["name"], participants=len(members), passed=passed,
            pass_rate=_percent(passed, len(members)),
        ))
    return result


def _answer_rows(attempt_ids: list[int]):
    """(attempt, question, kind, version, position, points, response, score, correct) of these attempts.

    Responses come as text and each distinct text is parsed once: a paper's answers repeat (the
    same option, the same word), and decoding every row's JSON was most of the time."""
    fields = ("attempt_id", "question_id", "question__kind", "version_id", "position", "points", "response_text", "score", "correct")
    parsed: dict[str | None, object] = {None: None}
    for start in range(0, len(attempt_ids), ANSWER_ID_CHUNK):
        chunk = attempt_ids[start:start + ANSWER_ID_CHUNK]
        answers = Answer.objects.filter(attempt_id__in=chunk).annotate(response_text=Cast("response", TextField()))
        for *head, text, score, correct in answers.order_by().values_list(*fields):
            if text not in parsed:
                parsed[text] = json.loads(text)
            yield *head, parsed[text], score, correct


def _question_statistics(counted: list[Attempt]) -> list[QuestionStatistics]:
    if not counted:
        return []
    n = len(counted)
    top, bottom = set(), set()
    if n >= DISCRIMINATION_MIN_PARTICIPANTS:
        ranked = sorted(counted, key=lambda a: (-Fraction(a.score, a.max_score or 1), a.pk))
        size = -(-DISCRIMINATION_SHARE.numerator * n // DISCRIMINATION_SHARE.denominator)  # ceil(0.27 n)
        top = {a.pk for a in ranked[:size]}
        bottom = {a.pk for a in ranked[-size:]}

    items: dict[int, _Question] = {}
    for attempt_id, question_id, kind, version_id, position, points, response, score, correct in _answer_rows([a.pk for a in counted]):
        item = items.get(question_id)
        if item is None:
            item = items[question_id] = _Question(kind, (attempt_id, position))
        elif (attempt_id, position) < item.first:
            item.first = (attempt_id, position)
        item.versions.add(version_id)
        score = score or 0
        item.presented += 1
        item.correct += 1 if correct else 0
        item.share.add(score, points, correct)
        if attempt_id in top:
            item.top.add(score, points, correct)
        elif attempt_id in bottom:  # with 4 or more participants the groups never overlap
            item.bottom.add(score, points, correct)
        if not is_answered(kind, response):
            continue
        item.answered += 1
        if kind in (SINGLE, MULTIPLE):
            item.chosen.update(set(response["options"]))
        elif kind == TRUE_FALSE:
            item.chosen[response["value"]] += 1

    # The latest version's text: a question edited between attempts is shown as it is now.
    latest = [max(item.versions) for item in items.values()]
    versions = {v["id"]: v for v in QuestionVersion.objects.filter(pk__in=latest).order_by().values("id", "stem", "options", "key")}
    result = []
    for number, (question_id, item) in enumerate(sorted(items.items(), key=lambda pair: pair[1].first), start=1):
        version, kind = versions[max(item.versions)], item.kind
        high, low = item.top.value(), item.bottom.value()
        difficulty = item.share.value()
        options, chose_true, chose_false, true_is_key = [], None, None, None
        if kind in (SINGLE, MULTIPLE):
            keys = set((version["key"] or {}).get("options", []))
            options = [
                OptionCount(index=i, letter=_letter(i), text=str(text), is_key=i in keys, chosen=item.chosen[i])
                for i, text in enumerate(version["options"] or [])
            ]
        elif kind == TRUE_FALSE:
            chose_true, chose_false = item.chosen[True], item.chosen[False]
            true_is_key = (version["key"] or {}).get("value") is True
        result.append(QuestionStatistics(
            question_id=question_id, number=number, stem=version["stem"][:STEM_CHARS], kind=kind,
            presented=item.presented, answered=item.answered, unanswered=item.presented - item.answered,
            correct=item.correct,
            difficulty=_decimal(difficulty, 2) if difficulty is not None else None,
            discrimination=_decimal(high - low, 2) if high is not None and low is not None else None,
            options=options, chose_true=chose_true, chose_false=chose_false, true_is_key=true_is_key,
        ))
    return result


def _letter(index: int) -> str:
    return chr(ord("A") + index) if index < 26 else str(index + 1)


def _time_taken(counted: list[Attempt]) -> TimeTaken:
    seconds = [s for s in (a.seconds_taken for a in counted) if s is not None]
    if not seconds:
        return TimeTaken(median_minutes=None, p90_minutes=None, bands=[])
    band_seconds = TIME_BAND_MINUTES * 60
    counts = Counter(max(s, 0) // band_seconds for s in seconds)
    bands = [
        TimeBand(lower_minutes=i * TIME_BAND_MINUTES, upper_minutes=(i + 1) * TIME_BAND_MINUTES, count=counts[i])
        for i in range(max(counts) + 1)
    ]
    return TimeTaken(
        median_minutes=_decimal(_median(seconds) / 60, 1),
        p90_minutes=_decimal(Fraction(_nearest_rank(seconds, Fraction(9, 10)), 60), 1),
        bands=bands,
    )


# --- the Excel export ----------------------------------------------------------------------------

KIND_LABELS = {"single": "单选题", "multiple": "多选题", "true_false": "判断题", "blank": "填空题", "short": "简答题"}
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_KEY_FILL = PatternFill("solid", fgColor="E2EFDA")
_POINTS, _RATE, _SHARE = "0.00", "0.0", "0.00"


def _sheet(workbook: Workbook, title: str, headers: list[str], widths: list[int], *, first: bool = False):
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title
    sheet.append(headers)
    for column, width in enumerate(widths, start=1):
        cell = sheet.cell(row=1, column=column)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def _append(sheet, values: list, formats: dict[int, str] | None = None) -> int:
    sheet.append(values)
    row = sheet.max_row
    for column, number_format in (formats or {}).items():
        sheet.cell(row=row, column=column).number_format = number_format
    return row


def statistics_workbook(stats: ExamStatistics) -> bytes:
    """The statistics as an .xlsx: 概况, 分数分布, 单位通过率, 试题分析, 用时. Figures are numbers
    (points, percent, shares) rounded as in `exam_statistics`."""
    workbook = Workbook()
    n = stats.participants

    summary = _sheet(workbook, "概况", ["项目", "数值"], [22, 40], first=True)
    for label, value, number_format in [
        ("考试", stats.exam_title, None),
        ("统计范围", stats.organization_name or "全部", None),
        ("参考人数", n, None),
        ("作答次数", stats.attempts_total, None),
        ("待人工评分", stats.in_review, None),
        ("满分", stats.full_marks, _POINTS),
        ("及格分", stats.pass_score, _POINTS),
        ("平均分", stats.score_mean, _POINTS),
        ("中位数", stats.score_median, _POINTS),
        ("最高分", stats.score_max, _POINTS),
        ("最低分", stats.score_min, _POINTS),
        ("通过人数", stats.passed, None),
        ("通过率（%）", stats.pass_rate, _RATE),
        ("用时中位数（分钟）", stats.time_taken.median_minutes, _RATE),
        ("用时90%分位（分钟）", stats.time_taken.p90_minutes, _RATE),
    ]:
        _append(summary, [label, value], {2: number_format} if number_format else None)
    summary.append([])
    summary.append(["说明", "每名学员只计一次有效成绩（按考试的计分规则）；比例四舍五入。"])
    summary.append(["", "难度为得分率；区分度为总分前27%与后27%学员得分率之差。"])

    bands = _sheet(workbook, "分数分布", ["分数段（满分的%）", "人数", "占比（%）"], [20, 10, 12])
    for band in stats.score_bands:
        upper = "]" if band.upper_percent == 100 else ")"
        _append(bands, [f"[{band.lower_percent}%, {band.upper_percent}%{upper}", band.count, _percent(band.count, n)], {3: _RATE})

    units = _sheet(workbook, "单位通过率", ["单位", "参考人数", "通过人数", "通过率（%）"], [28, 10, 10, 12])
    for unit in stats.organizations:
        _append(units, [unit.name, unit.participants, unit.passed, unit.pass_rate], {4: _RATE})

    option_count = max((len(q.options) for q in stats.questions), default=0)
    letters = [_letter(i) for i in range(option_count)]
    fixed = ["序号", "题型", "题干", "应答人数", "作答人数", "未作答", "答对人数", "难度（得分率）", "区分度", "答案"]
    questions = _sheet(
        workbook, "试题分析", fixed + [f"选{letter}人数" for letter in letters] + ["判“对”人数", "判“错”人数"],
        [6, 8, 48, 10, 10, 8, 10, 12, 10, 10] + [9] * option_count + [11, 11],
    )
    for q in stats.questions:
        key = "、".join(o.letter for o in q.options if o.is_key) if q.options else {True: "对", False: "错"}.get(q.true_is_key, "")
        row = _append(questions, [
            q.number, KIND_LABELS.get(q.kind, q.kind), q.stem, q.presented, q.answered, q.unanswered, q.correct,
            q.difficulty, q.discrimination, key,
            *[q.options[i].chosen if i < len(q.options) else None for i in range(option_count)],
            q.chose_true, q.chose_false,
        ], {8: _SHARE, 9: _SHARE})
        for option in q.options:
            cell = questions.cell(row=row, column=len(fixed) + 1 + option.index)
            cell.comment = Comment(f"{option.letter}. {option.text}", "统计")
            if option.is_key:
                cell.fill = _KEY_FILL

    times = _sheet(workbook, "用时", ["用时（分钟）", "人数", "占比（%）"], [16, 10, 12])
    timed = sum(band.count for band in stats.time_taken.bands)
    for band in stats.time_taken.bands:
        _append(times, [f"{band.lower_minutes}–{band.upper_minutes}", band.count, _percent(band.count, timed)], {3: _RATE})

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
