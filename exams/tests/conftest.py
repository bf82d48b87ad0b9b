"""Fixtures of the exams tests: a bank with one question of every kind, and an exam on it."""
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.conftest import people, tree  # noqa: F401,F811  (shared fixtures)
from exams import questions, setup

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
