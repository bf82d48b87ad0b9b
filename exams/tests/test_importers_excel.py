import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from backend.errors import ApplicationError
from exams.importers import ImportIssue, ParsedQuestion, error_workbook, parse_excel, template_workbook

HEADER = ["题型*", "题干*", *[f"选项{c}" for c in "ABCDEFGH"], "答案*", "解析", "难度", "知识点", "标签", "分值"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def row(kind, stem, options=(), answer="", analysis="", difficulty=None, knowledge="", tags="", score=None):
    return [kind, stem, *options, *[None] * (8 - len(options)), answer, analysis, difficulty, knowledge, tags, score]


def xlsx(rows, *, header=HEADER, instructions=True) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if instructions:
        sheet.append(["填写须知：……"])
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def open_xlsx(content: bytes):
    return load_workbook(io.BytesIO(content)).worksheets[0]


def test_template_has_merged_instructions_the_header_and_one_sample_per_type():
    sheet = open_xlsx(template_workbook())

    assert sheet.title == "试题"
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:P1"]
    instructions = sheet["A1"].value
    for words in ("单选", "true_false", "ACD", "对", "；", "|", "1–5", "分值", "【示例】", "1000"):
        assert words in instructions
    assert [c.value for c in sheet[2]] == HEADER
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["B"].width == 46
    assert sheet["B3"].alignment.wrap_text
    samples = [[c.value for c in r] for r in sheet.iter_rows(min_row=3)]
    assert [s[0] for s in samples] == ["单选", "多选", "判断", "填空", "简答"]
    assert all(s[1].startswith("【示例】") for s in samples)
    assert [s[10] for s in samples[:4]] == ["A", "ABD", "对", "基|根基；本|根本"]


def test_the_untouched_template_is_refused_row_by_row():
    result = parse_excel(template_workbook())

    assert result.questions == []
    assert [(e.line, e.field, e.position) for e in result.errors] == [(r, "题干", r - 2) for r in range(3, 8)]
    assert result.errors[0].message == (
        "Row 3: 题干: This is a sample row of the template (its stem starts with 【示例】): delete it before importing."
    )


def test_every_type_reads_from_words_codes_and_numbers():
    content = xlsx(
        [
            row("单选题", "新时代党的民族工作的主线是（  ）？", ["铸牢中华民族共同体意识", "其他"], "ａ", "解析：主线。", 2, "第一章；第二节", "理论，基础", 2.5),
            row("multiple", "选出正确的，", ["甲", "乙", "丙", "丁"], "a、c、D", difficulty=4.0, score=3),
            row(3, "对吗：", answer="√"),
            row("填空", "____与____。", answer="甲|乙；丙"),
            row("5", "简述。"),
        ]
    )

    result = parse_excel(content)

    assert result.errors == [] and result.unsupported == []
    assert result.questions == [
        ParsedQuestion(
            kind="single",
            stem="新时代党的民族工作的主线是（  ）？",  # full-width punctuation kept as typed
            options=["铸牢中华民族共同体意识", "其他"],
            key={"options": [0]},
            analysis="解析：主线。",
            difficulty=2,
            knowledge_points=["第一章", "第二节"],
            tags=["理论", "基础"],
            score=Decimal("2.5"),
            source_line=3,
        ),
        ParsedQuestion(
            kind="multiple", stem="选出正确的，", options=["甲", "乙", "丙", "丁"], key={"options": [0, 2, 3]}, difficulty=4, score=Decimal(3), source_line=4
        ),
        ParsedQuestion(kind="true_false", stem="对吗：", options=[], key={"value": True}, source_line=5),
        ParsedQuestion(kind="blank", stem="____与____。", options=[], key={"blanks": [["甲", "乙"], ["丙"]]}, source_line=6),
        ParsedQuestion(kind="short", stem="简述。", options=[], key={"reference": ""}, source_line=7),
    ]


@pytest.mark.parametrize("answer", ["ACD", "A,C,D", "A、C、D", "a c d", "ＡＣＤ", "A，C，D", "CDA", "A;C;D"])
def test_multiple_choice_letters_in_any_common_spelling(answer):
    (question,) = parse_excel(xlsx([row("多选", "Q", ["1", "2", "3", "4"], answer)])).questions

    assert question.key == {"options": [0, 2, 3]}


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        *[(word, True) for word in ("对", "正确", "√", "T", "true", True)],  # True: Excel turns a typed TRUE into a boolean
        *[(word, False) for word in ("错", "错误", "×", "f", "FALSE", False)],
    ],
)
def test_true_false_words(answer, value):
    (question,) = parse_excel(xlsx([row("判断", "Q", answer=answer)])).questions

    assert question.key == {"value": value}


def test_blank_answers_accept_both_semicolons_and_full_width_bars():
    (question,) = parse_excel(xlsx([row("填空", "____ ____ ____", answer="甲｜乙;丙；丁；")])).questions

    assert question.key == {"blanks": [["甲", "乙"], ["丙"], ["丁"]]}


def test_header_on_row_one_and_titles_with_spaces_or_without_stars():
    header = ["题 型", "题干", "选项A", "选项 B", "答案 *", "分数", "备注"]
    content = xlsx([["判断", "Q1", None, None, "错", 1.5, "ignored"], [], ["单选", "Q2", "x", "y", "B", None, None]], header=header, instructions=False)

    result = parse_excel(content)

    assert result.errors == []
    assert [(q.kind, q.key, q.score, q.source_line, q.difficulty) for q in result.questions] == [
        ("true_false", {"value": False}, Decimal("1.5"), 2, 3),
        ("single", {"options": [1]}, None, 4, 3),
    ]


def test_every_problem_names_its_row_and_column():
    content = xlsx(
        [
            row("单选", "Q3", ["a", "b", "c", "d"], "E"),
            row("选择", "Q4", ["a", "b"], "A"),
            row("多选", "Q5", ["a", None, "c"], "AC"),
            row("单选", "Q6", ["a", "b"], "AB"),
            row("单选", "", ["a", "b"], ""),
            row("判断", "Q8", ["对", "错"], "是的"),
            row("单选", "Q9", ["a", "b"], "1", difficulty=6, score=0),
            row("多选", "Q10", ["a", "b"], "A", difficulty="难", score=1.234),
            row("填空", "Q11 ____ ____", answer="甲；；丙"),
            row("单选", "Q12", ["only"], "A", score="abc"),
            row("填空", "Q13 ____", answer="甲；乙"),
            row("简答", "x" * 2001, tags="t" * 61),
            row("简答", "Q15", score="1E+30"),  # over the maximum
        ]
    )

    result = parse_excel(content)

    assert result.questions == []
    assert [(e.line, e.field, e.position, e.message) for e in result.errors] == [
        (3, "答案", 1, "Row 3: 答案: The answer E names an option that is not filled in."),
        (4, "题型", 2, "Row 4: 题型: 选择 is not a question type: use 单选, 多选, 判断, 填空 or 简答."),
        (5, "选项B", 3, "Row 5: 选项B: The option is empty while a later option is filled in: fill the options from 选项A on without gaps."),
        (6, "答案", 4, "Row 6: 答案: A single-choice question takes one letter, but AB names several: use 多选 for several right options."),
        (7, "答案", 5, "Row 7: 答案: The answer is empty."),
        (7, "题干", 5, "Row 7: 题干: The stem is empty."),
        (8, "答案", 6, "Row 8: 答案: 是的 is not a true-or-false answer: write 对 or 错."),
        (8, "选项", 6, "Row 8: 选项: A question of type True or false takes no options."),
        (9, "答案", 7, "Row 9: 答案: 1 is not made of option letters: write letters such as B or ACD."),
        (9, "难度", 7, "Row 9: 难度: The difficulty must be a whole number from 1 to 5."),
        (9, "分值", 7, "Row 9: 分值: The score must be a number greater than 0 and at most 1000, with at most two decimals."),
        (10, "难度", 8, "Row 10: 难度: The difficulty must be a whole number from 1 to 5."),
        (10, "分值", 8, "Row 10: 分值: The score must be a number greater than 0 and at most 1000, with at most two decimals."),
        (11, "答案", 9, "Row 11: 答案: Blank 2 has no answer: separate blanks with ； and a blank's alternatives with |."),
        (12, "选项", 10, "Row 12: 选项: A question of type Single choice needs 2 to 8 options; it has 1."),
        (12, "分值", 10, "Row 12: 分值: The score must be a number greater than 0 and at most 1000, with at most two decimals."),
        (13, "答案", 11, "Row 13: 答案: The stem marks 1 blank(s) with ____ but the answer gives 2."),
        (14, "题干", 12, "Row 14: 题干: The stem is longer than 2000 characters."),
        (14, "标签", 12, "Row 14: 标签: Each tag must be 1 to 60 characters."),
        (15, "分值", 13, "Row 15: 分值: The score must be a number greater than 0 and at most 1000, with at most two decimals."),
    ]


def test_more_rows_than_the_cap_is_one_error_and_nothing_else():
    content = xlsx([row("判断", f"Q{i}", answer="对") for i in range(4)])

    result = parse_excel(content, max_rows=3)

    assert result.questions == []
    assert result.errors == [ImportIssue(6, "", "Row 6: The sheet has more than 3 questions; split it into several files.")]
    assert len(parse_excel(content, max_rows=4).questions) == 4


def test_missing_columns_and_empty_sheets_are_issues_on_their_row():
    missing = parse_excel(xlsx([row("判断", "Q", answer="对")], header=["题型", "题目", "备注"]))
    no_rows = parse_excel(xlsx([]))
    empty = parse_excel(xlsx([], header=[], instructions=False))

    assert [(e.line, e.field, e.message) for e in missing.errors] == [
        (2, "答案", "Row 2: 答案: The column is missing: keep the header row of the template.")
    ]
    assert no_rows.errors == [ImportIssue(2, "", "Row 2: There are no questions under the header row.")]
    assert empty.errors == [ImportIssue(1, "", "Row 1: The sheet is empty: fill in the template and upload it again.")]
    assert missing.questions == no_rows.questions == empty.questions == []


@pytest.mark.parametrize(("content", "code"), [(b"", "file_empty"), (b"not a workbook", "not_excel"), (b"PK\x03\x04broken", "not_excel")])
def test_a_file_that_is_not_a_workbook_raises_the_application_error(content, code):
    with pytest.raises(ApplicationError) as raised:
        parse_excel(content)

    assert raised.value.code == code


def test_error_workbook_keeps_the_rows_in_place_and_explains_the_broken_ones():
    content = xlsx([row("单选", "Q3", ["a", "b"], "C"), row("判断", "Q4", answer="对"), [], row("填空", "Q6", answer="")])
    errors = parse_excel(content).errors

    sheet = open_xlsx(error_workbook(content, errors))

    assert [c.value for c in sheet[2]] == [*HEADER, "错误说明"]
    assert "填写须知" in sheet["A1"].value
    assert [(r[1].value, r[-1].value) for r in sheet.iter_rows(min_row=3)] == [
        ("Q3", "Row 3: 答案: The answer C names an option that is not filled in."),
        ("Q4", None),
        (None, None),
        ("Q6", "Row 6: 答案: The answer is empty."),
    ]


def test_the_error_workbook_reads_back_with_the_same_errors_and_gets_no_second_error_column():
    content = xlsx([row("单选", "Q3", ["a", "b"], "C")], header=HEADER, instructions=False)
    errors = parse_excel(content).errors

    marked = error_workbook(content, errors)
    again = error_workbook(marked, parse_excel(marked).errors)

    assert parse_excel(marked).errors == errors == [ImportIssue(2, "答案", "Row 2: 答案: The answer C names an option that is not filled in.", 1)]
    sheet = open_xlsx(again)
    assert [c.value for c in sheet[1]] == [*HEADER, "错误说明"]  # the header stays on row 1
    assert sheet["Q2"].value == errors[0].message


def test_error_workbook_from_rows_and_with_a_header_problem():
    rows = [(3, row("判断", "Q", answer="也许"))]
    issues = [ImportIssue(2, "答案", "Row 2: 答案: missing"), ImportIssue(3, "答案", "Row 3: 答案: bad")]

    sheet = open_xlsx(error_workbook(rows, issues))

    assert sheet["Q2"].value == "错误说明\nRow 2: 答案: missing"
    assert (sheet["B3"].value, sheet["Q3"].value) == ("Q", "Row 3: 答案: bad")
