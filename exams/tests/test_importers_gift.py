from pathlib import Path

import pytest
from django.utils import translation

from exams.importers import ImportIssue, ParsedQuestion, parse_gift

# Moodle's own fixtures, kept outside the project (see their README.md).
FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "moodle"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def read_fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_moodle_questions_file_imports_every_supported_type_and_names_the_others():
    result = parse_gift(read_fixture("questions.gift.txt"))

    assert result.errors == []
    assert result.questions == [
        ParsedQuestion(kind="short", stem="How are you?", options=[], key={"reference": ""}, source_line=2, title="Q8"),
        ParsedQuestion(
            kind="single",
            stem="What's between orange and green in the spectrum?",
            options=["yellow", "red", "blue"],
            key={"options": [0]},
            source_line=14,
            title="Q2",
        ),
        ParsedQuestion(
            kind="multiple",
            stem="What's between orange and green in the spectrum?",
            options=["yellow", "red", "off-beige", "blue"],
            key={"options": [0, 2]},
            source_line=22,
            title="colours",
        ),
        # =%0%* (the catch-all wrong answer) is dropped; Frog (no weight) and Cat (50 %) are accepted.
        ParsedQuestion(
            kind="blank", stem="Which is the best animal?", options=[], key={"blanks": [["Frog", "Cat"]]}, source_line=34, title="Shortanswer"
        ),
        # The fixture has `";` after the closing brace (left from the PHP string Moodle took it from):
        # punctuation after the answers stays, with no blank mark.
        ParsedQuestion(
            kind="true_false",
            stem='42 is the Absolute Answer to everything.";',
            options=[],
            key={"value": False},
            analysis="This is, of course, a Hitchiker's Guide to the Galaxy reference.",
            source_line=41,
            title="Q1",
        ),
        ParsedQuestion(kind="true_false", stem="TSL is blablabla.", options=[], key={"value": True}, source_line=46, title="2-08 TSL"),
        ParsedQuestion(kind="true_false", stem="TSL is blablabla.", options=[], key={"value": True}, source_line=49, title="2-08 TSL"),
    ]
    assert result.unsupported == [
        ImportIssue(line=5, field="", message="Line 5: Question 2 is a matching question, which is not supported.", position=2),
        ImportIssue(line=31, field="", message="Line 31: Question 5 is a numeric question, which is not supported.", position=5),
    ]


def test_category_file_reads_html_with_escapes_as_plain_text():
    result = parse_gift(read_fixture("questions_in_category.gift.txt"))

    assert result.errors == []
    assert result.questions == [
        ParsedQuestion(
            kind="single",
            stem="Listen to this greeting:\n\nWhat language is being spoken?",
            options=["English", "French", "German", "Spanish"],
            key={"options": [1]},
            source_line=14,
            title="Greeting",
        ),
        ParsedQuestion(
            kind="blank", stem="Anyone who uses Moodle is a ...", options=[], key={"blanks": [["Moodler"]]}, source_line=22, title="Moodle user"
        ),
        ParsedQuestion(
            kind="true_false",
            stem="Moodle is an acronym for Modular Object-Oriented Dynamic Learning Environment.",
            options=[],
            key={"value": True},
            source_line=27,
            title="Moodle acronym",
        ),
    ]
    # The $CATEGORY block is not a question: the matching question is the first one.
    assert [(u.line, u.position) for u in result.unsupported] == [(5, 1)]


def test_escaped_characters_are_text_and_structure_is_read_around_them():
    result = parse_gift(r"::Q\:1::a \= b \{c\} \# d \\ e\nnext line{=x\~y =z\#1}")

    assert result.errors == [] and result.unsupported == []
    assert result.questions == [
        ParsedQuestion(kind="blank", stem="a = b {c} # d \\ e\nnext line", options=[], key={"blanks": [["x~y", "z#1"]]}, source_line=1, title="Q:1")
    ]


def test_missing_word_form_puts_a_blank_mark_where_the_answers_were():
    text = "Moodle costs {~lots of money =nothing ~a small amount} to download.\n\nThe capital of France is {=Paris =巴黎}."

    result = parse_gift(text)

    assert [(q.kind, q.stem, q.options, q.key) for q in result.questions] == [
        ("single", "Moodle costs ____ to download.", ["lots of money", "nothing", "a small amount"], {"options": [1]}),
        ("blank", "The capital of France is ____.", [], {"blanks": [["Paris", "巴黎"]]}),
    ]
    assert [q.source_line for q in result.questions] == [1, 3]


def test_several_blank_groups_read_as_one_blank_each():
    result = parse_gift("::two::Unity is the {=base =foundation####Both count.} of strength and the {=root} of peace.")

    assert result.errors == []
    assert result.questions == [
        ParsedQuestion(
            kind="blank",
            stem="Unity is the ____ of strength and the ____ of peace.",
            options=[],
            key={"blanks": [["base", "foundation"], ["root"]]},
            analysis="Both count.",
            source_line=1,
            title="two",
        )
    ]


def test_only_blank_groups_may_repeat():
    result = parse_gift("Is {T} and {=x}")

    assert result.questions == []
    assert [e.message for e in result.errors] == ["Line 1: Only fill-in-the-blank answers ({=…}) may appear more than once in a question."]


def test_html_answers_and_general_feedback_become_plain_text():
    text = "[html]<p>Is 1 &lt; 2 &amp;&amp; 2 &lt; 3?</p><p>Answer&nbsp;it.</p>{TRUE####[html]<b>Yes</b>, by order.}"

    (question,) = parse_gift(text).questions

    assert question.stem == "Is 1 < 2 && 2 < 3?\nAnswer it."
    assert question.analysis == "Yes, by order."
    assert question.key == {"value": True}


def test_markdown_and_plain_markers_are_stripped_and_text_kept():
    (question,) = parse_gift("[markdown]Pick **one**{=[plain]<a> ~[moodle]b}").questions

    assert (question.stem, question.options) == ("Pick **one**", ["<a>", "b"])


def test_malformed_blocks_are_errors_with_their_line_and_position_and_the_rest_still_reads():
    text = "\n".join(
        [
            "// first",
            "Unclosed {=a ~b",  # line 2
            "",
            "A stray } here {T}",  # line 4
            "",
            "::open title {T}",  # line 6
            "",
            "Nothing right{~a ~b}",  # line 8
            "",
            "Text before marks{oops =a ~b}",  # line 10
            "",
            "Fine {F}",  # line 12
        ]
    )

    result = parse_gift(text)

    assert [(e.line, e.position, e.field) for e in result.errors] == [(2, 1, ""), (4, 2, ""), (6, 3, ""), (8, 4, ""), (10, 5, "")]
    assert result.errors[0].message == "Line 2: An answer block opened with { is never closed with }."
    assert result.errors[1].message == "Line 4: A } closes no answer block."
    assert result.errors[2].message == "Line 6: The title opened with :: is never closed."
    assert result.errors[3].message == "Line 8: No answer is marked right: start the right answers with = or give them a positive weight."
    assert result.errors[4].message == "Line 10: The answers cannot be read: each answer must start with = or ~."
    assert [(q.stem, q.key, q.source_line) for q in result.questions] == [("Fine", {"value": False}, 12)]


def test_questions_the_system_cannot_hold_are_reported_never_dropped():
    text = "\n\n".join(
        [
            "Just a description, no answers.",
            "Any answer goes {=%100%*}",
            "Two right in one {=a =b ~c}",
            "How many? {#2}",
            "$CATEGORY: $course$/Top",
            "Match {=a -> 1 =b -> 2 =c -> 3}",
            "Kept {T}",
        ]
    )

    result = parse_gift(text)

    assert result.errors == []
    assert [(u.position, u.line) for u in result.unsupported] == [(1, 1), (2, 3), (3, 5), (4, 7), (5, 11)]
    assert result.unsupported[0].message == "Line 1: Question 1 has no answers (a description), which is not supported."
    assert result.unsupported[1].message == "Line 3: Question 2 accepts answers by the wildcard *, which is not supported."
    assert result.unsupported[2].message == (
        "Line 5: Question 3 marks several answers right with = in a single choice, which is not supported."
    )
    assert [(q.stem, q.source_line) for q in result.questions] == [("Kept", 13)]


def test_a_question_breaking_the_rules_is_an_error_not_a_question():
    options = " ".join(f"~o{i}" for i in range(8))

    result = parse_gift(f"Too many options {{=right {options}}}\n\nEmpty answer {{=alone ~}}")

    assert result.questions == []
    assert [(e.line, e.field, e.position) for e in result.errors] == [(1, "选项", 1), (3, "", 2)]
    assert result.errors[0].message == "Line 1: 选项: A question of type Single choice needs 2 to 8 options; it has 9."
    assert result.errors[1].message == "Line 3: An answer is empty."


def test_weights_decide_a_multiple_response_and_zero_or_negative_weights_are_wrong():
    (question,) = parse_gift("Pick {~%33.33333%a ~%33.33333%b ~%0%c ~%-100%d ~%33.33334%e}").questions

    assert (question.kind, question.key) == ("multiple", {"options": [0, 1, 4]})


def test_comments_windows_line_ends_and_a_byte_order_mark_are_handled():
    text = "\ufeff// a comment\r\n::T::Is it?{\r\n// inside too\r\nT}\r\n\r\n\r\n::U::And this?{F}\r\n"

    result = parse_gift(text)

    assert [(q.title, q.stem, q.key, q.source_line) for q in result.questions] == [
        ("T", "Is it?", {"value": True}, 2),
        ("U", "And this?", {"value": False}, 7),
    ]
