"""The question sheet's layout: row 1 the filling instructions (merged), row 2 the header, then one
question a row. The template, the export and the error workbook all write it from here, and
`question_row` is the one place a question becomes cells (`excel.parse_excel` reads them back).
"""
import io
from collections.abc import Iterable
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .common import (
    F_ANALYSIS,
    F_ANSWER,
    F_DIFFICULTY,
    F_KIND,
    F_KNOWLEDGE,
    F_OPTION,
    F_SCORE,
    F_STEM,
    F_TAGS,
    MAX_OPTIONS,
    ParsedQuestion,
    option_letter,
)

SHEET_TITLE = "试题"
MAX_ROWS = 1000  # questions per file
SAMPLE_MARK = "【示例】"
OPTION_COLUMNS = [F_OPTION + option_letter(i) for i in range(MAX_OPTIONS)]
COLUMNS = [F_KIND, F_STEM, *OPTION_COLUMNS, F_ANSWER, F_ANALYSIS, F_DIFFICULTY, F_KNOWLEDGE, F_TAGS, F_SCORE]
REQUIRED = (F_KIND, F_STEM, F_ANSWER)
WIDTHS = {F_KIND: 9, F_STEM: 46, F_ANSWER: 16, F_ANALYSIS: 32, F_DIFFICULTY: 7, F_KNOWLEDGE: 20, F_TAGS: 14, F_SCORE: 7}
OPTION_WIDTH = 16

KIND_WORDS = {"single": "单选", "multiple": "多选", "true_false": "判断", "blank": "填空", "short": "简答"}
TRUE_WORD, FALSE_WORD = "对", "错"
BLANK_SEPARATOR, ALTERNATIVE_SEPARATOR, LIST_SEPARATOR = "；", "|", "；"

INSTRUCTIONS = "\n".join(
    [
        "填写须知（请保留本行和第 2 行表头；带 * 的列必填；导入前删除题干以“【示例】”开头的示例行）",
        "1. 题型：填 单选、多选、判断、填空、简答；也可填 single、multiple、true_false、blank、short，或数字 1–5（依次对应）。",
        "2. 单选、多选：从“选项A”起依次填 2–8 个选项，中间不要空列。答案填选项字母：单选如 B，多选如 ACD（A,C,D 或 A、C、D 也可，大小写、全角均可）。",
        "3. 判断：选项不填，答案填 对 或 错（也可填 正确/错误、√/×、T/F）。",
        "4. 填空：在题干中用 ____（下划线）标出每个空；答案按空的顺序填写，空与空之间用分号“；”隔开（中文、英文分号均可），"
        "同一个空的几种正确写法用竖线“|”隔开，如：基|根基；本|根本。",
        "5. 简答：答案列填参考答案，可不填。",
        "6. 难度填 1–5 的整数（1 最易，5 最难），不填为 3；分值填大于 0、不超过 1000 的数，最多两位小数，不填用题库默认分值。",
        "7. 知识点、标签可填多个，用分号“；”隔开；知识点填理论文献的章节标题。",
        f"8. 每个文件最多 {MAX_ROWS} 道题；文件须为 .xlsx 格式（Excel 或 WPS 另存为 .xlsx）。",
    ]
)

_THIN = Side(style="thin", color="BFBFBF")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_INSTRUCTIONS_FILL = PatternFill("solid", fgColor="FFF2CC")


def header_title(column: str) -> str:
    return column + "*" if column in REQUIRED else column


def new_sheet(extra_columns: Iterable[str] = (), *, header: list[str] | None = None, header_row: int = 2):
    """A workbook whose first sheet has the instructions in row 1 and the header in row 2.
    The error workbook passes the uploaded header, and header_row=1 for an upload that had no
    instructions row, so every row keeps the number its error message names."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    titles = [*(header if header is not None else [header_title(c) for c in COLUMNS]), *extra_columns]
    if header_row == 2:
        sheet.cell(row=1, column=1, value=INSTRUCTIONS)
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(titles))
        first = sheet.cell(row=1, column=1)
        first.alignment = Alignment(wrap_text=True, vertical="top")
        first.fill = _INSTRUCTIONS_FILL
        first.font = Font(size=10)
        sheet.row_dimensions[1].height = 16 * (INSTRUCTIONS.count("\n") + 2)
    for index, title in enumerate(titles, start=1):
        cell = sheet.cell(row=header_row, column=index, value=title)
        cell.font = Font(bold=True, color="C00000" if title.endswith("*") else "000000")
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
        name = title.rstrip("*")
        width = OPTION_WIDTH if name in OPTION_COLUMNS else WIDTHS.get(name, 18)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.row_dimensions[header_row].height = 22
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1).coordinate
    return workbook, sheet


def add_input_help(sheet) -> None:
    """A drop-down for 题型 and a 1–5 check for 难度 (codes can still be typed in 题型)."""
    last = MAX_ROWS + 2
    kinds = DataValidation(type="list", formula1='"' + ",".join(KIND_WORDS.values()) + '"', allow_blank=True)
    kinds.showErrorMessage = False
    kinds.add(f"A3:A{last}")
    difficulty = DataValidation(type="whole", operator="between", formula1="1", formula2="5", allow_blank=True)
    difficulty.error, difficulty.errorTitle, difficulty.showErrorMessage = "难度填 1–5 的整数。", "难度", True
    column = get_column_letter(COLUMNS.index(F_DIFFICULTY) + 1)
    difficulty.add(f"{column}3:{column}{last}")
    sheet.add_data_validation(kinds)
    sheet.add_data_validation(difficulty)


def write_row(sheet, row: int, values: list) -> None:
    for index, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=index, value=value)
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def question_row(q: ParsedQuestion) -> list:
    """A question as the cells of one row, in COLUMNS order."""
    options = q.options + [""] * (MAX_OPTIONS - len(q.options))
    return [
        KIND_WORDS[q.kind],
        q.stem,
        *options,
        answer_text(q),
        q.analysis,
        q.difficulty,
        LIST_SEPARATOR.join(q.knowledge_points),
        LIST_SEPARATOR.join(q.tags),
        q.score,  # a Decimal; openpyxl writes it as a number
    ]


def answer_text(q: ParsedQuestion) -> str:
    if q.kind in ("single", "multiple"):
        return "".join(option_letter(i) for i in q.key["options"])
    if q.kind == "true_false":
        return TRUE_WORD if q.key["value"] else FALSE_WORD
    if q.kind == "blank":
        return BLANK_SEPARATOR.join(ALTERNATIVE_SEPARATOR.join(alternatives) for alternatives in q.key["blanks"])
    return q.key["reference"]


def to_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


SAMPLES = [
    ParsedQuestion(
        kind="single",
        stem=SAMPLE_MARK + "新时代党的民族工作的主线是（  ）。",
        options=["铸牢中华民族共同体意识", "加快民族地区经济发展", "保护和传承民族文化", "完善民族区域自治制度"],
        key={"options": [0]},
        analysis="新时代党的民族工作以铸牢中华民族共同体意识为主线，其他各项工作都围绕这条主线展开。",
        difficulty=2,
        knowledge_points=["民族工作的主线"],
        tags=["示例"],
        score=Decimal("2"),
    ),
    ParsedQuestion(
        kind="multiple",
        stem=SAMPLE_MARK + "下列做法中，有利于促进各民族交往交流交融的有（  ）。",
        options=["推广普及国家通用语言文字", "推动各民族共居共学、共建共享、共事共乐", "按民族把群众分开居住、分开学习", "深入开展民族团结进步创建"],
        key={"options": [0, 1, 3]},
        analysis="交往交流交融要求各民族在空间、文化、经济、社会、心理等方面全方位嵌入，人为隔离与之背道而驰。",
        difficulty=3,
        knowledge_points=["各民族交往交流交融"],
        tags=["示例"],
        score=Decimal("3"),
    ),
    ParsedQuestion(
        kind="true_false",
        stem=SAMPLE_MARK + "中华民族共同体意识是国家统一之基、民族团结之本、精神力量之魂。",
        options=[],
        key={"value": True},
        difficulty=1,
        knowledge_points=["中华民族共同体意识的内涵"],
        tags=["示例"],
        score=Decimal("1"),
    ),
    ParsedQuestion(
        kind="blank",
        stem=SAMPLE_MARK + "中华民族共同体意识是国家统一之____、民族团结之____、精神力量之魂。",
        options=[],
        key={"blanks": [["基", "根基"], ["本", "根本"]]},
        analysis="两个空按顺序用分号隔开；“基|根基”表示这一空填“基”或“根基”都算对。",
        difficulty=2,
        knowledge_points=["中华民族共同体意识的内涵"],
        tags=["示例"],
        score=Decimal("2"),
    ),
    ParsedQuestion(
        kind="short",
        stem=SAMPLE_MARK + "结合本单位实际，简述如何在工作中铸牢中华民族共同体意识。",
        options=[],
        key={"reference": "要点：加强共同体理论学习；促进各民族交往交流交融；办好惠及各族群众的实事；营造团结和睦的氛围。（言之有理即可酌情给分）"},
        difficulty=4,
        knowledge_points=["铸牢中华民族共同体意识的实践路径"],
        tags=["示例"],
        score=Decimal("10"),
    ),
]


def template_workbook() -> bytes:
    """The empty template people download: instructions, header and one sample row per type."""
    workbook, sheet = new_sheet()
    for row, sample in enumerate(SAMPLES, start=3):
        write_row(sheet, row, question_row(sample))
    add_input_help(sheet)
    return to_bytes(workbook)
