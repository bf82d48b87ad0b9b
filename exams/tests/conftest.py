"""Fixtures of the exams tests: a bank with one question of every kind, and an exam on it."""
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from accounts.tests.conftest import people, person, tree  # noqa: F401,F811  (shared fixtures)
from exams import attempts, questions, setup
from exams.models import Answer, Attempt

# One question of each kind: (kind, stem, options, key, analysis).
SAMPLES = [
    ("single", "“三个离不开”指的是汉族离不开少数民族、少数民族离不开汉族，还有哪一条？",
     ["各少数民族之间也相互离不开", "各地区之间相互离不开", "城乡之间相互离不开"], {"options": [0]}, "解析：各少数民族之间也相互离不开。"),
    ("multiple", "以下哪些属于“五个认同”的内容？",
     ["对伟大祖国的认同", "对中华民族的认同", "对中华文化的认同", "对某一地区的认同"], {"options": [0, 1, 2]}, "解析：五个认同不含地区认同。"),
    ("true_false", "铸牢中华民族共同体意识是新时代党的民族工作的主线。", [], {"value": True}, "解析：这是主线。"),
    ("blank", "促进各民族交往交流____，像石榴籽一样紧紧抱在一起。", [], {"blanks": [["交融"]]}, "解析：交往交流交融。"),
    ("short", "请简述铸牢中华民族共同体意识的重要意义。", [], {"reference": "维护国家统一和民族团结。"}, "解析：言之成理即可。"),
]


def make_bank(org, organizer, title="理论测试题库", samples=SAMPLES, points=500):
    bank = questions.bank_create(actor=organizer, organization=org, title=title)
    made = [
        questions.question_create(
            actor=organizer, bank=bank, kind=kind, stem=stem, options=options, key=key, analysis=analysis, points=points,
        )
        for kind, stem, options, key, analysis in samples
    ]
    return bank, made


def make_exam(org, organizer, question_list, *, minutes=30, opens_in=timedelta(minutes=-5), closes_in=timedelta(hours=2), **values):
    now = timezone.now()
    exam = setup.exam_create(
        actor=organizer, organization=org, title=values.pop("title", "理论测试"), opens_at=now + opens_in,
        closes_at=now + closes_in, duration_minutes=minutes, pass_score=values.pop("pass_score", 600), **values,
    )
    setup.exam_set_items(actor=organizer, exam=exam, items=[(q.pk, None) for q in question_list])
    exam.refresh_from_db()
    return setup.exam_publish(actor=organizer, exam=exam)


@pytest.fixture
def bank(tree, people):
    return make_bank(tree["league_a"], people["organizer_a"])


@pytest.fixture
def exam(tree, people, bank):
    return make_exam(tree["league_a"], people["organizer_a"], bank[1])


# --- sitting exams (the services tests) ------------------------------------------------------

# A full-marks response to each sample question, by kind (short answers are graded by a person).
RIGHT = {
    "single": {"options": [0]},
    "multiple": {"options": [0, 1, 2]},
    "true_false": {"value": True},
    "blank": {"blanks": ["交融"]},
    "short": {"text": "维护国家统一和民族团结，促进各民族共同团结奋斗。"},
}


def trainee_at(org, username):
    return person(org, Role.Kind.TRAINEE, username=username)


def sit(user, exam, responses=None, *, rng=None):
    """Start an attempt and save {question: response} with seq 1; the attempt, fresh from the database."""
    attempt = attempts.attempt_start(user=user, exam=exam, rng=rng)
    for question, response in (responses or {}).items():
        attempts.answer_save(user=user, attempt_id=attempt.pk, question_id=question.pk, response=response, seq=1)
    attempt.refresh_from_db()
    return attempt


def answer_of(attempt, question):
    return Answer.objects.select_related("version").get(attempt=attempt, question=question)


def expire(attempt, seconds=1):
    """Move an attempt's clock so its deadline passed `seconds` ago (freezegun is not installed)."""
    length = attempt.deadline - attempt.started_at
    deadline = timezone.now() - timedelta(seconds=seconds)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=deadline, started_at=deadline - length)
    attempt.refresh_from_db()
    return attempt


def make_pool(org, organizer, specs, title="规则题库"):
    """A bank of single-choice questions, one per spec: (tags, difficulty)."""
    bank = questions.bank_create(actor=organizer, organization=org, title=title)
    made = [
        questions.question_create(
            actor=organizer, bank=bank, kind="single", stem=f"第{n}题：以下哪项正确？", options=["正确", "错误"],
            key={"options": [0]}, difficulty=difficulty, tags=tags, points=100,
        )
        for n, (tags, difficulty) in enumerate(specs, start=1)
    ]
    return bank, made


def make_random_exam(org, organizer, rules, *, minutes=30, **values):
    now = timezone.now()
    exam = setup.exam_create(
        actor=organizer, organization=org, title=values.pop("title", "随机组卷测试"), opens_at=now - timedelta(minutes=5),
        closes_at=now + timedelta(hours=2), duration_minutes=minutes, pass_score=values.pop("pass_score", 100), **values,
    )
    setup.exam_set_rules(actor=organizer, exam=exam, rules=rules)
    exam.refresh_from_db()
    return setup.exam_publish(actor=organizer, exam=exam)


@pytest.fixture
def kinds(bank):
    """The sample bank's questions by kind."""
    return {q.kind: q for q in bank[1]}


@pytest.fixture
def trainee(people):
    return people["trainee_a"]


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    """Submit and let grading run (it is enqueued after commit); the attempt, fresh."""
    def run(attempt, by=Attempt.SubmittedBy.TRAINEE):
        with django_capture_on_commit_callbacks(execute=True):
            attempts.attempt_submit(attempt=attempt, by=by)
        attempt.refresh_from_db()
        return attempt

    return run
