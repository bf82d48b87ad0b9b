"""The question sheet (see excel_template for its layout) to questions, and back to a workbook
that marks the rows with errors.

A file that cannot be opened as a workbook (empty, over 10 MB, not .xlsx, no sheet) raises the
same `ApplicationError` as the roster import (`accounts.roster.open_first_sheet`): there is no
row to name. Everything found inside the sheet (a missing column, a bad cell, too many rows, sample
rows left in) is an `ImportIssue` naming its Excel row and column.

Text cells (题干, 选项, 解析, blank answers) are kept as typed; only codes (题型, answer letters,
对/错, 难度, 分值) are NFKC-normalized, since NFKC would turn Chinese full-width punctuation
(，：？) into ASCII.
"""
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font, PatternFill

from accounts.roster import cell_text, open_first_sheet

from .common import (
    F_ANALYSIS,
    F_ANSWER,
    F_DIFFICULTY,
    F_KIND,
    F_KNOWLEDGE,
    F_SCORE,
    F_STEM,
    F_TAGS,
    KINDS,
    ImportIssue,
    ImportResult,
    ParsedQuestion,
    collect,
    row_issue,
)
from .excel_template import COLUMNS, KIND_WORDS, MAX_ROWS, OPTION_COLUMNS, REQUIRED, SAMPLE_MARK, new_sheet, to_bytes, write_row

ERROR_COLUMN = "错误说明"
ALIASES = {
    F_KIND: {"题型", "题目类型", "类型", "kind", "type"},
    F_STEM: {"题干", "题目", "试题", "stem", "question"},
    **{c: {c.lower(), c[-1].lower(), f"option{c[-1].lower()}", f"option_{c[-1].lower()}"} for c in OPTION_COLUMNS},
    F_ANSWER: {"答案", "正确答案", "标准答案", "参考答案", "answer", "key"},
    F_ANALYSIS: {"解析", "答案解析", "试题解析", "analysis", "explanation"},
    F_DIFFICULTY: {"难度", "difficulty"},
    F_KNOWLEDGE: {"知识点", "knowledgepoints", "knowledge_points"},
    F_TAGS: {"标签", "tags", "tag"},
    F_SCORE: {"分值", "分数", "score", "points"},
}
KIND_CODES = {
    **{word: kind for kind, word in KIND_WORDS.items()},
    **{word + "题": kind for kind, word in KIND_WORDS.items()},
    **{kind: kind for kind in KINDS},
    **{str(number): kind for number, kind in enumerate(KINDS, start=1)},
    "单项选择": "single", "单项选择题": "single", "多项选择": "multiple", "多项选择题": "multiple",
    "是非题": "true_false", "问答题": "short",
}
TRUE_WORDS = {"对", "正确", "是", "√", "✓", "✔", "t", "true", "y", "yes"}
FALSE_WORDS = {"错", "错误", "否", "×", "✗", "✘", "f", "false", "n", "no"}
_LETTER_SEPARATORS_RE = re.compile(r"[\s,;、/]")  # after NFKC: full-width ，；／ are ASCII
_LIST_SEPARATORS_RE = re.compile(r"[;；\n]")
_TAG_SEPARATORS_RE = re.compile(r"[;；,，、\n]")


def _header_key(value) -> str:
    """Titles match ignoring *, spaces, case and full-width forms: 题型*, 题 型, 选项ａ."""
    return re.sub(r"[*\s]", "", cell_text(value)).lower()


def _plain(value) -> str:
    """A text cell as typed (no NFKC), with Excel's 12.0 read back as 12."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@dataclass
class _Upload:
    header_row: int
    header: list[str]  # the titles as written
    columns: dict[str, int]  # our column -> index
    missing: list[str]  # required columns not found
    rows: list[tuple[int, list]]  # (Excel row, values), blank rows skipped


def _read_upload(content: bytes, limit: int | None = None) -> _Upload | None:
    """The header (row 2, or row 1 when the instructions were deleted) and the rows under it;
    None for a sheet with nothing in its first two rows. Stops after `limit` + 1 rows."""
    rows = open_first_sheet(content).iter_rows(values_only=True)
    top = [list(next(rows, None) or []), list(next(rows, None) or [])]
    candidates = []
    for header_row, values in ((2, top[1]), (1, top[0])):
        columns = {}
        for index, value in enumerate(values):
            key = _header_key(value)
            column = next((c for c, names in ALIASES.items() if key in names), None)
            if column and column not in columns:
                columns[column] = index
        candidates.append((header_row, values, columns, [c for c in REQUIRED if c not in columns]))
    if not any(_plain(v) for v in top[0] + top[1]):
        return None
    header_row, titles, columns, missing = min(candidates, key=lambda c: len(c[3]))  # row 2 wins a tie
    titles = [_plain(v) for v in titles]
    while titles and not titles[-1]:
        titles.pop()
    body = [(2, top[1])] if header_row == 1 and any(_plain(v) for v in top[1]) else []
    for number, values in enumerate(rows, start=3):
        if limit is not None and len(body) > limit:
            break
        if any(_plain(v) for v in values):
            body.append((number, list(values)))
    return _Upload(header_row, titles, columns, missing, body)


def parse_excel(content: bytes, max_rows: int = MAX_ROWS) -> ImportResult:
    """Raises ApplicationError only for a file that is not a readable .xlsx (see the module doc)."""
    result = ImportResult()
    upload = _read_upload(content, limit=max_rows)
    if upload is None:
        result.errors.append(row_issue(1, "", _("The sheet is empty: fill in the template and upload it again.")))
        return result
    if upload.missing:
        result.errors += [
            row_issue(upload.header_row, c, _("The column is missing: keep the header row of the template.")) for c in upload.missing
        ]
        return result
    if not upload.rows:
        result.errors.append(row_issue(upload.header_row, "", _("There are no questions under the header row.")))
        return result
    if len(upload.rows) > max_rows:
        row = upload.rows[max_rows][0]
        message = _("The sheet has more than %(max)d questions; split it into several files.") % {"max": max_rows}
        result.errors.append(row_issue(row, "", message))
        return result
    for position, (row, values) in enumerate(upload.rows, start=1):
        _read_row(result, row, _Cells(values, upload.columns), position)
    return result


class _Cells:
    def __init__(self, values: list, columns: dict[str, int]):
        self.values, self.columns = values, columns

    def raw(self, column: str):
        index = self.columns.get(column)
        return self.values[index] if index is not None and index < len(self.values) else None

    def text(self, column: str) -> str:
        return _plain(self.raw(column))

    def code(self, column: str) -> str:
        return cell_text(self.raw(column))


def _read_row(result: ImportResult, row: int, cells: _Cells, position: int) -> None:
    stem = cells.text(F_STEM)
    if stem.startswith(SAMPLE_MARK):
        message = _("This is a sample row of the template (its stem starts with 【示例】): delete it before importing.")
        result.errors.append(row_issue(row, F_STEM, message, position))
        return
    problems: list[tuple[str, str]] = []
    code = re.sub(r"\s", "", cells.code(F_KIND)).lower()
    kind = KIND_CODES.get(code)
    if kind is None and code:
        message = _("%(value)s is not a question type: use 单选, 多选, 判断, 填空 or 简答.") % {"value": cells.text(F_KIND)}
        problems.append((F_KIND, message))
    elif kind is None:
        problems.append((F_KIND, _("The question type is empty.")))
    typed = [cells.text(c) for c in OPTION_COLUMNS]
    options = typed[: max((i + 1 for i, t in enumerate(typed) if t), default=0)]
    problems += [
        (OPTION_COLUMNS[i], _("The option is empty while a later option is filled in: fill the options from 选项A on without gaps."))
        for i, text in enumerate(options)
        if not text
    ]
    key = _key(kind, cells, options, problems) if kind else {}
    question = ParsedQuestion(
        kind=kind or "",
        stem=stem,
        options=options,
        key=key,
        analysis=cells.text(F_ANALYSIS),
        difficulty=_difficulty(cells.code(F_DIFFICULTY)),
        knowledge_points=_split(cells.text(F_KNOWLEDGE), _LIST_SEPARATORS_RE),
        tags=_split(cells.text(F_TAGS), _TAG_SEPARATORS_RE),
        score=_score(cells.code(F_SCORE)),
        source_line=row,
    )
    result.errors += [row_issue(row, f, m, position) for f, m in problems]
    collect(result, question, position=position, issue=row_issue, reported={f for f, _m in problems})


def _key(kind: str, cells: _Cells, options: list[str], problems: list) -> dict:
    """The answer cell as a key; a problem appended (and {} returned) when it cannot be read."""
    typed = cells.text(F_ANSWER)
    if kind == "short":
        return {"reference": typed}
    if not typed:
        problems.append((F_ANSWER, _("The answer is empty.")))
        return {}
    if kind == "blank":
        parts = re.split(r"[;；]", typed.rstrip(";； "))
        blanks = [[a.strip() for a in re.split(r"[|｜]", part) if a.strip()] for part in parts]
        empty = [number for number, alternatives in enumerate(blanks, start=1) if not alternatives]
        message = _("Blank %(number)d has no answer: separate blanks with ； and a blank's alternatives with |.")
        problems += [(F_ANSWER, message % {"number": number}) for number in empty]
        return {} if empty else {"blanks": blanks}
    code = cells.code(F_ANSWER).lower()
    if kind == "true_false":
        if code in TRUE_WORDS or code in FALSE_WORDS:
            return {"value": code in TRUE_WORDS}
        problems.append((F_ANSWER, _("%(answer)s is not a true-or-false answer: write 对 or 错.") % {"answer": typed}))
        return {}
    letters = _LETTER_SEPARATORS_RE.sub("", code).upper()
    if not re.fullmatch(r"[A-Z]+", letters):
        problems.append((F_ANSWER, _("%(answer)s is not made of option letters: write letters such as B or ACD.") % {"answer": typed}))
        return {}
    chosen = sorted({ord(letter) - ord("A") for letter in letters})
    if any(i >= len(options) for i in chosen):
        problems.append((F_ANSWER, _("The answer %(answer)s names an option that is not filled in.") % {"answer": typed}))
        return {}
    if kind == "single" and len(chosen) > 1:
        message = _("A single-choice question takes one letter, but %(answer)s names several: use 多选 for several right options.")
        problems.append((F_ANSWER, message % {"answer": typed}))
        return {}
    return {"options": chosen}


def _difficulty(code: str) -> int:
    if not code:
        return 3
    return int(code) if re.fullmatch(r"\d+", code) else 0  # 0 fails validate_question, which names it


def _score(code: str) -> Decimal | None:
    if not code:
        return None
    try:
        return Decimal(code)
    except InvalidOperation:
        return Decimal("NaN")  # fails validate_question, which names it


def _split(text: str, separators: re.Pattern) -> list[str]:
    return [part.strip() for part in separators.split(text) if part.strip()]


def error_workbook(content_or_rows: bytes | Iterable[tuple[int, list]], errors: Iterable[ImportIssue]) -> bytes:
    """The uploaded rows, each at its own row number, with a 错误说明 column holding the messages of
    the rows that have errors, so the user fixes the file and uploads it again. Pass the uploaded
    bytes, or (Excel row, values in template column order) pairs. Messages for rows that hold no
    question (a missing column on the header row) go under the 错误说明 title."""
    if isinstance(content_or_rows, (bytes, bytearray)):
        upload = _read_upload(bytes(content_or_rows))
        header_row, header, rows = (upload.header_row, upload.header, upload.rows) if upload else (2, None, [])
    else:
        header_row, header, rows = 2, None, list(content_or_rows)
    keep = [i for i, title in enumerate(header or []) if not title.startswith(ERROR_COLUMN)] if header else None
    if keep is not None:
        header = [header[i] for i in keep]
        rows = [(row, [values[i] if i < len(values) else None for i in keep]) for row, values in rows]
    messages: dict[int, list[str]] = {}
    for issue in errors:
        messages.setdefault(issue.line, []).append(issue.message)
    workbook, sheet = new_sheet([ERROR_COLUMN], header=header, header_row=header_row)
    error_column = len(header) + 1 if header is not None else len(COLUMNS) + 1
    data_rows = {row for row, _values in rows}
    stray = [m for line, texts in sorted(messages.items()) if line not in data_rows for m in texts]
    if stray:
        sheet.cell(row=header_row, column=error_column).value = "\n".join([ERROR_COLUMN, *stray])
    for row, values in rows:
        write_row(sheet, row, list(values))
        if row in messages:
            cell = sheet.cell(row=row, column=error_column, value="\n".join(messages[row]))
            cell.font = Font(color="C00000")
            cell.fill = PatternFill("solid", fgColor="FCE4E4")
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions[sheet.cell(row=header_row, column=error_column).column_letter].width = 48
    return to_bytes(workbook)
