"""Demo question bank and exams, written by the team for trying the system (not taken from any source)."""
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, User
from courses.models import TrainingClass

from . import questions, setup
from .models import Exam, QuestionBank

DEMO_BANK = "铸牢中华民族共同体意识理论测试题库（演示）"

# (kind, stem, options, key, analysis, difficulty)
DEMO_QUESTIONS = [
    ("single", "新时代党的民族工作的主线是什么？",
     ["铸牢中华民族共同体意识", "加快经济发展", "发展旅游产业", "推进城镇建设"], {"options": [0]},
     "演示解析：主线是铸牢中华民族共同体意识，其他选项是具体工作内容。", 2),
    ("single", "培训班次中专题课时占比的最低要求是多少？",
     ["5%", "8%", "10%", "20%"], {"options": [2]}, "演示解析：主体班次专题课时占比不少于10%。", 2),
    ("single", "嘎查村和社区干部的全员轮训要做到什么？",
     ["自愿参加", "应训尽训", "只训新任干部", "每三年一次"], {"options": [1]}, "演示解析：全员轮训要应训尽训、全覆盖。", 3),
    ("multiple", "下列哪些属于“五个认同”？",
     ["对伟大祖国的认同", "对中华民族的认同", "对中华文化的认同", "对本单位的认同"], {"options": [0, 1, 2]},
     "演示解析：五个认同不包括对本单位的认同。", 3),
    ("multiple", "干部教育培训中可以采用哪些学习形式？",
     ["集中授课", "专题研讨", "现场教学", "网络自学"], {"options": [0, 1, 2, 3]}, "演示解析：四种形式都可以结合使用。", 2),
    ("true_false", "理论学习中心组每年至少安排一次铸牢中华民族共同体意识专题学习。", [], {"value": True},
     "演示解析：这是中心组学习的频次要求。", 1),
    ("true_false", "迟到的学员不能计入出勤。", [], {"value": False}, "演示解析：本系统中迟到按出勤计算课时。", 3),
    ("blank", "各民族要像____一样紧紧抱在一起。", [], {"blanks": [["石榴籽"]]}, "演示解析：石榴籽的比喻。", 2),
    ("blank", "要增强“____”，做到“三个____”。", [], {"blanks": [["五个认同"], ["离不开"]]}, "演示解析：五个认同、三个离不开。", 4),
    ("short", "结合本单位实际，谈谈如何把铸牢中华民族共同体意识融入日常工作。", [],
     {"reference": "联系岗位职责，举出具体做法，如组织专题学习、开展宣讲、办好民生实事。"}, "演示解析：言之有物、联系实际即可得分。", 4),
]


@transaction.atomic
def demo_exams(*, organizer: User) -> bool:
    """A bank, an exam for the demo main class, a practice open to the region and a contest;
    nothing if the bank is already there."""
    if QuestionBank.objects.filter(title=DEMO_BANK).exists():
        return False
    region = Organization.objects.get(code="NM")
    bank = questions.bank_create(actor=organizer, organization=region, title=DEMO_BANK, description="演示题库：十道题，五种题型。")
    made = [
        questions.question_create(
            actor=organizer, bank=bank, kind=kind, stem=stem, options=options, key=key, analysis=analysis,
            difficulty=difficulty, points=1000, tags=["演示"],
        )
        for kind, stem, options, key, analysis, difficulty in DEMO_QUESTIONS
    ]
    now = timezone.now().replace(second=0, microsecond=0)
    training_class = TrainingClass.objects.filter(title__endswith="主体班（演示）").first()
    exam = setup.exam_create(
        actor=organizer, organization=training_class.organization if training_class else region, title="主体班结业理论测试（演示）",
        training_class=training_class, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=7), duration_minutes=30,
        attempts_allowed=2, pass_score=6000, shuffle_options=True, multiple_rule=Exam.MultipleRule.HALF, max_leaves=5,
    )
    setup.exam_set_items(actor=organizer, exam=exam, items=[(q.pk, None) for q in made])
    setup.exam_publish(actor=organizer, exam=exam)

    practice = setup.exam_create(
        actor=organizer, organization=region, title="专题知识随堂练习（演示）", mode=Exam.Mode.PRACTICE,
        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=30), duration_minutes=0,
    )
    setup.exam_set_rules(actor=organizer, exam=practice, rules=[
        {"bank": bank.pk, "kind": "single", "count": 3, "points": 1000},
        {"bank": bank.pk, "kind": "true_false", "count": 2, "points": 1000},
    ])
    setup.exam_publish(actor=organizer, exam=practice)

    contest = setup.exam_create(
        actor=organizer, organization=region, title="民族团结进步知识竞赛（演示）", mode=Exam.Mode.CONTEST,
        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=14), duration_minutes=10, attempts_allowed=3,
        shuffle_questions=True, shuffle_options=True,
    )
    setup.exam_set_items(actor=organizer, exam=contest, items=[(q.pk, None) for q in made if q.kind != "short"])
    setup.exam_publish(actor=organizer, exam=contest)
    return True
