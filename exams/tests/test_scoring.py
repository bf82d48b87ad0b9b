"""The scoring rules of one answer, in centi-points, without a database."""
import pytest

from exams.grading.scoring import (
    ALL_OR_NOTHING,
    BLANK,
    HALF,
    KINDS,
    MULTIPLE,
    MULTIPLE_RULES,
    PER_OPTION,
    SHORT,
    SINGLE,
    TRUE_FALSE,
    ItemScore,
    is_answered,
    normalize_blank,
    score_item,
    split_points,
)

FULL = ItemScore(500, True, True)
WRONG = ItemScore(0, False, True)
UNANSWERED = ItemScore(0, False, False)


def partial(awarded):
    return ItemScore(awarded, False, True)


def multiple(key, selected, max_points=500, rule=ALL_OR_NOTHING):
    return score_item(MULTIPLE, {"options": key}, {"options": selected}, max_points, multiple_rule=rule)


def blank(key, answers, max_points=500):
    return score_item(BLANK, {"blanks": key}, {"blanks": answers}, max_points)


# --- single choice --------------------------------------------------------------------------------


def test_single_right_option_earns_full_marks():
    assert score_item(SINGLE, {"options": [2]}, {"options": [2]}, 500) == FULL


def test_single_wrong_option_earns_nothing():
    assert score_item(SINGLE, {"options": [2]}, {"options": [1]}, 500) == WRONG


def test_single_with_two_options_selected_is_wrong_even_with_the_right_one():
    assert score_item(SINGLE, {"options": [2]}, {"options": [2, 3]}, 500) == WRONG


def test_single_with_nothing_selected_is_unanswered():
    assert score_item(SINGLE, {"options": [2]}, {"options": []}, 500) == UNANSWERED


def test_single_right_option_sent_twice_counts_once():
    assert score_item(SINGLE, {"options": [2]}, {"options": [2, 2]}, 500) == FULL


@pytest.mark.parametrize("index", [7, -1, -2])
def test_single_index_out_of_range_is_a_wrong_answer(index):
    # given a key of option 2 among four (a negative index must not wrap around to option 2 or 3)
    # when the response names an option that does not exist
    # then it is answered, and wrong
    assert score_item(SINGLE, {"options": [2]}, {"options": [index]}, 500) == WRONG


# --- multiple choice, every rule ------------------------------------------------------------------


@pytest.mark.parametrize("rule", MULTIPLE_RULES)
def test_multiple_exact_set_earns_full_marks_in_any_order_with_duplicates(rule):
    assert multiple([0, 2, 3], [3, 0, 2, 0], rule=rule) == FULL


@pytest.mark.parametrize("rule", MULTIPLE_RULES)
def test_multiple_with_nothing_selected_earns_nothing(rule):
    assert multiple([0, 2], [], rule=rule) == UNANSWERED


@pytest.mark.parametrize("rule", MULTIPLE_RULES)
def test_multiple_with_everything_selected_earns_nothing_when_some_option_is_wrong(rule):
    # given four options of which 0 and 2 are right; when all four are selected
    assert multiple([0, 2], [0, 1, 2, 3], rule=rule) == WRONG


@pytest.mark.parametrize("rule", MULTIPLE_RULES)
def test_multiple_with_everything_selected_earns_full_marks_when_every_option_is_right(rule):
    assert multiple([0, 1, 2, 3], [0, 1, 2, 3], rule=rule) == FULL


@pytest.mark.parametrize("rule", MULTIPLE_RULES)
def test_multiple_wrong_option_plus_all_right_ones_earns_nothing(rule):
    assert multiple([0, 2], [0, 1, 2], rule=rule) == WRONG


@pytest.mark.parametrize("rule", MULTIPLE_RULES)
def test_multiple_wrong_option_plus_some_right_ones_earns_nothing(rule):
    assert multiple([0, 2, 3], [0, 1], rule=rule) == WRONG


@pytest.mark.parametrize("rule", MULTIPLE_RULES)
def test_multiple_only_wrong_options_earns_nothing(rule):
    assert multiple([0, 2], [1, 3], rule=rule) == WRONG


@pytest.mark.parametrize("rule", MULTIPLE_RULES)
def test_multiple_index_out_of_range_counts_as_a_wrong_option(rule):
    assert multiple([0, 2], [0, 2, 9], rule=rule) == WRONG


def test_all_or_nothing_strict_subset_earns_nothing():
    assert multiple([0, 2, 3], [0, 2], rule=ALL_OR_NOTHING) == WRONG


def test_all_or_nothing_is_the_default_rule():
    assert score_item(MULTIPLE, {"options": [0, 2, 3]}, {"options": [0, 2]}, 500) == WRONG


@pytest.mark.parametrize(
    "max_points, awarded",
    [
        (500, 250),  # 5 points
        (100, 50),  # 1 point
        (300, 150),  # 3 points
        (501, 250),  # an odd number of centi-points rounds down
        (1, 0),
    ],
)
def test_half_strict_subset_earns_half_rounded_down(max_points, awarded):
    assert multiple([0, 2, 3], [0, 2], max_points, rule=HALF) == partial(awarded)


def test_half_one_of_three_right_still_earns_half():
    assert multiple([0, 2, 3], [3], rule=HALF) == partial(250)


@pytest.mark.parametrize(
    "selected, awarded",
    [
        ([0, 2], 333),  # 500 × 2 / 3 = 333.33…
        ([3], 166),  # 500 × 1 / 3 = 166.66…, rounded down
    ],
)
def test_per_option_strict_subset_earns_a_share_per_right_option_rounded_down(selected, awarded):
    assert multiple([0, 2, 3], selected, rule=PER_OPTION) == partial(awarded)


def test_per_option_exact_set_earns_full_marks_not_the_sum_of_rounded_shares():
    assert multiple([0, 2, 3], [0, 2, 3], rule=PER_OPTION) == FULL  # not 3 × 166


def test_per_option_half_of_four_right_options():
    assert multiple([0, 1, 2, 3], [1, 3], 300, rule=PER_OPTION) == partial(150)


def test_unknown_multiple_rule_is_a_programming_error():
    with pytest.raises(ValueError):
        multiple([0], [0], rule="generous")


# --- true or false --------------------------------------------------------------------------------


def test_true_false_answered_false_against_key_false_earns_full_marks():
    assert score_item(TRUE_FALSE, {"value": False}, {"value": False}, 500) == FULL


def test_true_false_answered_true_against_key_false_earns_nothing():
    assert score_item(TRUE_FALSE, {"value": False}, {"value": True}, 500) == WRONG


@pytest.mark.parametrize("response", [{"value": None}, {}, None, {"value": "false"}, {"value": 0}, {"value": [False]}])
def test_true_false_without_a_boolean_is_unanswered(response):
    assert score_item(TRUE_FALSE, {"value": False}, response, 500) == UNANSWERED


# --- fill in the blank ----------------------------------------------------------------------------


def test_blank_exact_answer_earns_full_marks():
    assert blank([["AB"]], ["AB"]) == FULL


def test_blank_full_width_letters_match_half_width():
    assert blank([["AB"]], ["ＡＢ"]) == FULL


def test_blank_full_width_digits_match_half_width():
    assert blank([["12"]], ["１２"]) == FULL


def test_blank_full_width_comma_matches_half_width():
    assert blank([["北京,上海"]], ["北京，上海"]) == FULL


def test_blank_case_is_ignored():
    assert blank([["Fire Door"]], ["fIRE dOOR"]) == FULL


def test_blank_spaces_around_and_runs_inside_are_ignored():
    assert blank([["fire door"]], ["  fire   door \t"]) == FULL


def test_blank_ideographic_space_counts_as_a_space():
    assert blank([["fire door"]], ["\u3000fire\u3000door\u3000"]) == FULL


def test_blank_internal_space_is_kept_so_a_missing_space_is_wrong():
    assert blank([["fire door"]], ["firedoor"]) == WRONG


def test_blank_enumeration_comma_is_not_a_comma():
    assert blank([["甲,乙"]], ["甲、乙"]) == WRONG


def test_blank_any_accepted_alternative_is_right():
    assert blank([["119", "火警电话"]], ["火警电话"]) == FULL


def test_blank_two_of_three_right_earn_two_thirds():
    # given three blanks worth 600 in all; when the second is wrong
    score = blank([["a"], ["b"], ["c"]], ["a", "x", "c"], 600)
    # then each right blank earns 200, and the answer is not correct
    assert score == partial(400)


def test_blank_partial_credit_rounds_down():
    assert blank([["a"], ["b"], ["c"]], ["a", "", ""], 500) == partial(166)


def test_blank_response_shorter_than_the_key_leaves_the_rest_empty():
    assert blank([["a"], ["b"], ["c"]], ["a"], 600) == partial(200)


def test_blank_response_longer_than_the_key_ignores_the_extra_answers():
    assert blank([["a"], ["b"]], ["a", "b", "c"]) == FULL


def test_blank_entry_that_is_not_text_is_an_empty_blank():
    assert blank([["a"], ["12"]], ["a", 12], 600) == partial(300)


def test_blank_of_only_spaces_is_unanswered():
    assert blank([["a"], ["b"]], ["  ", "\u3000"]) == UNANSWERED


def test_blank_empty_answer_never_matches():
    assert blank([["a"], ["b"]], ["", "b"], 600) == partial(300)


# --- normalize_blank ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, normalized",
    [
        ("ＡＢ", "ab"),
        ("１２", "12"),
        ("  New   York ", "new york"),
        ("New\u3000York", "new york"),
        ("北京，上海：", "北京,上海:"),
        ("甲、乙。", "甲、乙。"),
        ("（Ａ）", "(a)"),
        ("", ""),
    ],
)
def test_normalize_blank(text, normalized):
    assert normalize_blank(text) == normalized


# --- short answer ---------------------------------------------------------------------------------


def test_short_answer_needs_a_person():
    assert score_item(SHORT, {"reference": "关闭防火门"}, {"text": "关门"}, 500) == ItemScore(None, None, True)


@pytest.mark.parametrize("response", [None, {}, {"text": "  "}, {"text": 5}, "关门"])
def test_short_answer_without_text_needs_a_person_and_is_unanswered(response):
    assert score_item(SHORT, {"reference": "关闭防火门"}, response, 500) == ItemScore(None, None, False)


# --- malformed responses --------------------------------------------------------------------------

KEYS = {
    SINGLE: {"options": [1]},
    MULTIPLE: {"options": [0, 1]},
    TRUE_FALSE: {"value": True},
    BLANK: {"blanks": [["a"]]},
}

MALFORMED = [
    None,
    {},
    "A",
    "[1]",
    [1],
    1,
    {"options": "1"},
    {"options": 1},
    {"options": ["1"]},
    {"options": [1, "0"]},
    {"options": [True]},  # a boolean is not option 1
    {"options": [1.0]},
    {"options": None},
    {"value": "true"},
    {"value": 1},
    {"blanks": "a"},
    {"blanks": None},
    {"blanks": {"0": "a"}},
]


@pytest.mark.parametrize("kind", KEYS)
@pytest.mark.parametrize("response", MALFORMED)
def test_malformed_response_is_unanswered_and_earns_nothing(kind, response):
    # given a response that is not in the kind's shape; when it is scored (under every rule for
    # multiple choice); then nothing is raised, and it is unanswered
    for rule in MULTIPLE_RULES:
        assert score_item(kind, KEYS[kind], response, 500, multiple_rule=rule) == UNANSWERED
    assert is_answered(kind, response) is False


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        score_item("essay", {}, {}, 500)
    with pytest.raises(ValueError):
        is_answered("essay", {})


# --- is_answered agrees with score_item -----------------------------------------------------------


@pytest.mark.parametrize(
    "kind, key, response, answered",
    [
        (SINGLE, {"options": [1]}, {"options": [0]}, True),
        (SINGLE, {"options": [1]}, {"options": []}, False),
        (MULTIPLE, {"options": [0, 1]}, {"options": [5]}, True),
        (MULTIPLE, {"options": [0, 1]}, {"options": []}, False),
        (TRUE_FALSE, {"value": True}, {"value": False}, True),
        (TRUE_FALSE, {"value": True}, {"value": None}, False),
        (BLANK, {"blanks": [["a"], ["b"]]}, {"blanks": ["", "x"]}, True),
        (BLANK, {"blanks": [["a"], ["b"]]}, {"blanks": ["", " "]}, False),
        (BLANK, {"blanks": [["a"], ["b"]]}, {"blanks": []}, False),
        (SHORT, {"reference": "r"}, {"text": "t"}, True),
        (SHORT, {"reference": "r"}, {"text": ""}, False),
    ],
)
def test_is_answered_agrees_with_the_score(kind, key, response, answered):
    assert is_answered(kind, response) is answered
    assert score_item(kind, key, response, 500).answered is answered


def test_every_kind_is_scored():
    assert set(KINDS) == {SINGLE, MULTIPLE, TRUE_FALSE, BLANK, SHORT}


# --- split_points ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "total, count, shares",
    [
        (500, 3, [167, 167, 166]),
        (10000, 50, [200] * 50),
        (100, 1, [100]),
        (7, 10, [1] * 7 + [0] * 3),
        (0, 2, [0, 0]),
    ],
)
def test_split_points_gives_integers_summing_exactly_larger_first(total, count, shares):
    assert split_points(total, count) == shares


def test_split_points_always_sums_exactly():
    for total in range(0, 1001, 7):
        for count in range(1, 31):
            shares = split_points(total, count)
            assert sum(shares) == total and len(shares) == count
            assert max(shares) - min(shares) <= 1 and shares == sorted(shares, reverse=True)


@pytest.mark.parametrize("total, count", [(500, 0), (500, -1), (-1, 3)])
def test_split_points_refuses_an_impossible_split(total, count):
    with pytest.raises(ValueError):
        split_points(total, count)
