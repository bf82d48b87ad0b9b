import io
from dataclasses import replace
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from exams.importers import ParsedQuestion, export_excel, export_gift, parse_excel, parse_gift, validate_question

QUESTIONS = [
    ParsedQuestion(
        kind="single",
        stem="新时代党的民族工作的主线是（  ）？",
        options=["铸牢中华民族共同体意识", "加快发展，共同富裕", "a = b; {c} #d ~e \\ f:"],
        key={"options": [0]},
        analysis="主线：铸牢中华民族共同体意识。\n见第一章。",
        difficulty=2,
        knowledge_points=["第一章 总论", "第二节"],
        tags=["理论", "基础"],
        score=Decimal("2.5"),
        title="主线",
    ),
    ParsedQuestion(
        kind="multiple",
        stem="有利于交往交流交融的做法有：",
        options=["共居", "共学", "隔离", "共事"],
        key={"options": [0, 1, 3]},
        difficulty=4,
        score=Decimal("3.25"),
    ),
    ParsedQuestion(kind="true_false", stem="中华民族是一个大家庭。", options=[], key={"value": True}, analysis="对。", difficulty=1),
    ParsedQuestion(kind="blank", stem="国家统一之____、民族团结之____。", options=[], key={"blanks": [["基", "根基"], ["本"]]}, score=Decimal("1")),
    ParsedQuestion(kind="short", stem="简述意义。\n（不少于 100 字）", options=[], key={"reference": "要点：一；二。"}, tags=["简答"]),
]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_questions_used_here_are_valid():
    assert [validate_question(q) for q in QUESTIONS] == [[]] * 5


def test_excel_export_round_trips_every_type():
    content = export_excel(QUESTIONS)

    result = parse_excel(content)

    assert result.errors == []
    assert result.questions == [replace(q, source_line=row, title="") for row, q in enumerate(QUESTIONS, start=3)]


def test_excel_export_uses_the_template_layout_without_samples():
    sheet = load_workbook(io.BytesIO(export_excel(QUESTIONS[:2]))).worksheets[0]

    assert "填写须知" in sheet["A1"].value
    assert sheet["A2"].value == "题型*"
    assert [[c.value for c in r][:2] + [r[10].value] for r in sheet.iter_rows(min_row=3)] == [
        ["单选", "新时代党的民族工作的主线是（  ）？", "A"],
        ["多选", "有利于交往交流交融的做法有：", "ABD"],
    ]


def test_gift_export_text():
    text = export_gift([QUESTIONS[1], replace(QUESTIONS[2], analysis=""), QUESTIONS[3], replace(QUESTIONS[4], stem="Say <why> & how"), QUESTIONS[0]])

    assert text == "\n".join(
        [
            "有利于交往交流交融的做法有：{",
            "\t~%33.33333%共居",
            "\t~%33.33333%共学",
            "\t~%-100%隔离",
            "\t~%33.33333%共事",
            "}",
            "",
            "中华民族是一个大家庭。{TRUE}",
            "",
            "国家统一之{=基 =根基}、民族团结之{=本}。",
            "",
            "[plain]Say <why> & how{}",  # an essay; [plain] so Moodle does not read <why> as HTML
            "",
            "::主线::新时代党的民族工作的主线是（  ）？{",
            "\t=铸牢中华民族共同体意识",
            "\t~加快发展，共同富裕",
            "\t" + r"~a \= b; \{c\} \#d \~e \\ f\:",
            "\t" + r"####主线：铸牢中华民族共同体意识。\n见第一章。",  # a line break travels as \n
            "}",
            "",
        ]
    )


@pytest.mark.parametrize("index", range(5))
def test_gift_export_round_trips_each_type(index):
    # GIFT has no room for difficulty, score, knowledge points, tags or a reference answer.
    question = QUESTIONS[index]
    expected = replace(question, difficulty=3, score=None, knowledge_points=[], tags=[])
    if question.kind == "short":
        expected.key = {"reference": ""}

    result = parse_gift(export_gift([question]))

    assert result.errors == [] and result.unsupported == []
    assert result.questions == [replace(expected, source_line=1)]


def test_gift_export_of_a_file_round_trips_with_line_numbers():
    text = export_gift(QUESTIONS)

    result = parse_gift(text)

    assert [q.kind for q in result.questions] == ["single", "multiple", "true_false", "blank", "short"]
    assert [q.source_line for q in result.questions] == [1, 8, 15, 17, 19]


@pytest.mark.parametrize(
    ("stem", "blanks", "read_back"),
    [
        ("The capital is ____", [["Beijing"]], "The capital is ____"),  # the mark ends the stem
        ("Which is the best animal?", [["Frog", "Cat"]], "Which is the best animal?"),  # no mark
        ("Two blanks, no marks:", [["a"], ["b"]], "Two blanks, no marks: ____ ____"),  # marks appear
    ],
)
def test_gift_blank_marks(stem, blanks, read_back):
    question = ParsedQuestion(kind="blank", stem=stem, options=[], key={"blanks": blanks})

    (parsed,) = parse_gift(export_gift([question])).questions

    assert (parsed.stem, parsed.key) == (read_back, {"blanks": blanks})


def test_gift_weights_for_eight_right_options_and_one_right_option():
    many = ParsedQuestion(kind="multiple", stem="All", options=list("abcdefgh"), key={"options": list(range(8))})
    one = ParsedQuestion(kind="multiple", stem="One", options=["a", "b"], key={"options": [1]})

    text = export_gift([many, one])

    assert text.count("~%12.5%") == 8
    assert "~%-100%a\n\t~%100%b" in text
    assert [q.key for q in parse_gift(text).questions] == [{"options": list(range(8))}, {"options": [1]}]
