from pathlib import Path

import pytest
from django.utils import translation

from exams.importers import ImportIssue, ParsedQuestion, parse_aiken

# Moodle's own fixtures, kept outside the project (see their README.md).
FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "moodle"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_moodle_aiken_file_reads_two_single_choice_questions_with_html_kept_as_text():
    result = parse_aiken((FIXTURES / "questions.aiken.txt").read_text(encoding="utf-8"))

    assert result.errors == [] and result.unsupported == []
    assert result.questions == [
        ParsedQuestion(
            kind="single",
            stem="The Moodle project was started by:",
            options=["Petr Skoda", "Martin Dougiamas", "Eloy Lafuente", "Tim Hunt"],
            key={"options": [1]},
            source_line=1,
        ),
        ParsedQuestion(
            kind="single",
            stem='Moodle\'s abilities include handling user input that includes <html class="cool"> & images:',
            options=["True", "False"],
            key={"options": [0]},
            source_line=8,
        ),
    ]


def test_moodle_error_file_names_its_three_broken_blocks_by_line_and_reads_the_two_good_ones():
    result = parse_aiken((FIXTURES / "aiken_errors.txt").read_text(encoding="utf-8"))

    assert sorted({e.line for e in result.errors}) == [1, 5, 14]
    assert result.errors == [
        ImportIssue(1, "选项", "Line 1: 选项: The question has only one option; give at least two.", 1),
        ImportIssue(5, "题干", "Line 5: 题干: The question has no text before its options.", 2),
        ImportIssue(5, "选项", "Line 5: 选项: The question has only one option; give at least two.", 2),
        ImportIssue(5, "答案", "Line 5: 答案: ANSWER: Question not started does not name one of the options.", 2),
        ImportIssue(14, "答案", "Line 14: 答案: The question ends without an ANSWER line.", 4),
    ]
    # The good blocks still parse, but the caller imports nothing while errors stand.
    assert [(q.stem, q.options, q.key, q.source_line) for q in result.questions] == [
        ("A good question", ["Correct", "Incorrect"], {"options": [0]}, 9),
        ("A second good question", ["Incorrect (No space)", "Correct (No space)"], {"options": [1]}, 18),
    ]


def test_dot_options_lower_case_answer_multi_line_stem_and_full_width_marks():
    text = "\n".join(
        [
            "铸牢中华民族共同体意识是",
            "新时代党的民族工作的（  ）。",
            "A. 主线",
            "B．辅线",
            "C、副线",
            "D）全部",
            "answer： a",
            "",
            "A.I. stands for?",
            "A)Artificial intelligence",
            "B) Nothing",
            "ANSWER:A",
        ]
    )

    result = parse_aiken(text)

    assert result.errors == []
    assert result.questions == [
        ParsedQuestion(
            kind="single",
            stem="铸牢中华民族共同体意识是\n新时代党的民族工作的（  ）。",
            options=["主线", "辅线", "副线", "全部"],
            key={"options": [0]},
            source_line=1,
        ),
        ParsedQuestion(
            kind="single", stem="A.I. stands for?", options=["Artificial intelligence", "Nothing"], key={"options": [0]}, source_line=9
        ),
    ]


def test_answer_naming_a_missing_letter_and_out_of_order_letters_are_errors():
    text = "First?\nA) one\nB) two\nANSWER: C\n\nSecond?\nA) one\nC) three\nANSWER: A\n\n\nThird?\n"

    result = parse_aiken(text)

    assert result.questions == []
    assert [(e.line, e.field, e.position) for e in result.errors] == [
        (1, "答案", 1),
        (6, "选项", 2),
        (12, "选项", 3),
        (12, "答案", 3),
    ]
    assert result.errors[0].message == "Line 1: 答案: ANSWER: C does not name one of the options."
    assert result.errors[1].message == "Line 6: 选项: Options must be lettered A, B, C and so on in order; C is out of place."
    assert result.errors[2].message == "Line 12: 选项: The question has no options: write them as A) text, B) text and so on."


def test_more_than_eight_options_fail_the_common_rules():
    options = "\n".join(f"{chr(65 + i)}) option {i}" for i in range(9))

    result = parse_aiken(f"Too many?\n{options}\nANSWER: A")

    assert result.questions == []
    assert [(e.line, e.field) for e in result.errors] == [(1, "选项")]
    assert result.errors[0].message == "Line 1: 选项: A question of type Single choice needs 2 to 8 options; it has 9."
