"""The scoring rules of one answer, with no database: what a response to a question earns.

Scores are integers in hundredths of a point ("centi-points"): a 5-point question is worth 500.
Rounding rule: partial credit is rounded DOWN to the hundredth of a point (integer floor division),
so a trainee never gets more than the rule gives, and an attempt's score is the exact sum of its
items. A 5-point multiple choice answered half right under the "half" rule earns 250; a 5-point
one answered 2 of 3 right under "per_option" earns 333.

Formats (option indexes are 0-based into the question's original option list, before shuffling):

    kind        key                                  response
    single      {"options": [i]}                     {"options": [i]}
    multiple    {"options": [i, j, ...]}             {"options": [...]}  (duplicates, order ignored)
    true_false  {"value": true}                      {"value": false}  (missing or None: unanswered)
    blank       {"blanks": [["a", "b"], ["c"]]}      {"blanks": ["a", "c"]}  (short: the rest empty)
    short       {"reference": "..."}                 {"text": "..."}  (not graded here: needs a person)

Keys are validated when a question is saved, so they are trusted here. Responses come from
trainees' browsers and are not: a response that is not in its kind's shape (None, {}, a string
where a list belongs, an option that is not an integer) is unanswered and earns 0; an option index
that names no option is simply a wrong option. Nothing here raises on a response.
"""
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

SINGLE, MULTIPLE, TRUE_FALSE, BLANK, SHORT = "single", "multiple", "true_false", "blank", "short"
KINDS = (SINGLE, MULTIPLE, TRUE_FALSE, BLANK, SHORT)

# How a multiple choice that misses right options is scored, chosen per exam (Exam.MultipleRule).
# Under every rule a wrong option earns nothing, and so does selecting nothing.
ALL_OR_NOTHING, HALF, PER_OPTION = "all_or_nothing", "half", "per_option"
MULTIPLE_RULES = (ALL_OR_NOTHING, HALF, PER_OPTION)


@dataclass(frozen=True, slots=True)
class ItemScore:
    awarded: int | None  # centi-points; None: needs a person (short answer)
    correct: bool | None  # True only for full marks by the key; None for short answers
    answered: bool  # the trainee gave any answer at all


@lru_cache(maxsize=8192)  # the same key alternatives and common answers recur in every attempt
def normalize_blank(text: str) -> str:
    """A blank's text as it is compared with the accepted answers.

    Unicode NFKC, so full-width letters, digits and punctuation ("ＡＢ", "１２", "，", "："), the
    ideographic space and compatibility forms ("①") become their ordinary forms; surrounding
    whitespace stripped and internal runs collapsed to one space (spaces are kept: "New York" is
    not "NewYork"); letters casefolded. Chinese punctuation without a half-width form ("、", "。")
    is left alone, so "甲、乙" does not match "甲,乙".
    """
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def split_points(total: int, count: int) -> list[int]:
    """`total` centi-points shared among `count` items as integers summing exactly to `total`,
    the larger shares first: 500 over 3 is [167, 167, 166]."""
    if count <= 0 or total < 0:
        raise ValueError(f"cannot split {total} centi-points among {count} items")
    share, rest = divmod(total, count)
    return [share + 1] * rest + [share] * (count - rest)


def score_item(
    kind: str, key: dict, response: dict | None, max_points: int, *, multiple_rule: str = ALL_OR_NOTHING
) -> ItemScore:
    """What `response` earns for a question of `kind` with `key`, worth `max_points` centi-points."""
    if kind == MULTIPLE:
        if multiple_rule not in MULTIPLE_RULES:
            raise ValueError(f"unknown multiple-choice rule {multiple_rule!r}")
        return _score_multiple(key, response, max_points, multiple_rule)
    try:
        scorer = _SCORERS[kind]
    except KeyError:
        raise ValueError(f"unknown question kind {kind!r}") from None
    return scorer(key, response, max_points)


def is_answered(kind: str, response: dict | None) -> bool:
    """Whether the trainee gave any answer at all; a malformed response is no answer."""
    if kind in (SINGLE, MULTIPLE):
        return bool(_selected(response))
    if kind == TRUE_FALSE:
        return _value(response) is not None
    if kind == BLANK:
        answers = _blanks(response)
        return answers is not None and any(answers)
    if kind == SHORT:
        return bool(_text(response))
    raise ValueError(f"unknown question kind {kind!r}")


# --- reading responses: None for anything not in the kind's shape ---------------------------------


def _selected(response) -> frozenset[int] | None:
    if not isinstance(response, dict):
        return None
    options = response.get("options")
    if not isinstance(options, list):
        return None
    for option in options:
        if type(option) is not int:  # not isinstance: True is not option 1
            return None
    return frozenset(options)


def _value(response) -> bool | None:
    if not isinstance(response, dict):
        return None
    value = response.get("value")
    return value if type(value) is bool else None


def _blanks(response) -> list[str] | None:
    """The normalized answer of each blank; an entry that is not text is an empty answer."""
    if not isinstance(response, dict):
        return None
    answers = response.get("blanks")
    if not isinstance(answers, list):
        return None
    return [normalize_blank(a) if isinstance(a, str) else "" for a in answers]


def _text(response) -> str:
    if not isinstance(response, dict):
        return ""
    text = response.get("text")
    return text.strip() if isinstance(text, str) else ""


# --- one scorer per kind --------------------------------------------------------------------------


def _score_single(key, response, max_points) -> ItemScore:
    selected = _selected(response)
    if not selected:
        return ItemScore(0, False, False)
    # Two options selected is wrong even if one of them is right.
    if selected == frozenset(key["options"]):
        return ItemScore(max_points, True, True)
    return ItemScore(0, False, True)


def _score_multiple(key, response, max_points, rule) -> ItemScore:
    selected = _selected(response)
    if not selected:
        return ItemScore(0, False, False)
    right = frozenset(key["options"])
    if selected == right:
        return ItemScore(max_points, True, True)
    if not selected <= right or rule == ALL_OR_NOTHING:  # a wrong option, or a miss that earns nothing
        return ItemScore(0, False, True)
    if rule == HALF:
        return ItemScore(max_points // 2, False, True)
    return ItemScore(max_points * len(selected) // len(right), False, True)  # PER_OPTION


def _score_true_false(key, response, max_points) -> ItemScore:
    value = _value(response)
    if value is None:
        return ItemScore(0, False, False)
    if value is key["value"]:
        return ItemScore(max_points, True, True)
    return ItemScore(0, False, True)


def _score_blank(key, response, max_points) -> ItemScore:
    answers = _blanks(response)
    if not answers or not any(answers):
        return ItemScore(0, False, False)
    accepted = key["blanks"]
    right = 0
    for answer, alternatives in zip(answers, accepted):  # answers past the key's blanks are ignored
        if answer and any(normalize_blank(a) == answer for a in alternatives):
            right += 1
    total = len(accepted)
    return ItemScore(max_points * right // total, right == total, True)


def _score_short(key, response, max_points) -> ItemScore:
    return ItemScore(None, None, bool(_text(response)))


_SCORERS = {SINGLE: _score_single, TRUE_FALSE: _score_true_false, BLANK: _score_blank, SHORT: _score_short}
