"""Demo library content, written by the team for trying the system (not taken from any source)."""
from django.db import transaction

from accounts.models import Organization, User

from . import services
from .models import Course, Document, DocumentImport

DEMO_TITLE = "民族团结进步学习辅导材料（演示）"
DEMO_TEXT = """民族团结进步学习辅导材料（演示）
本材料为系统演示而编写，供学员体验在线自学、学时记录和进度查看。
一、为什么要铸牢中华民族共同体意识
（一）把握主线要求。铸牢中华民族共同体意识是新时代党的民族工作的主线。学习时要联系本单位实际，想清楚这条主线落到日常工作中是什么样子。
（二）理解基本内涵。要理解“三个离不开”的道理，增强“五个认同”，在工作和生活中体现各民族休戚与共、命运与共。
二、怎样在干部教育培训中落实
（一）纳入培训计划。各类主体班次安排专题课程，专题课时占比不少于10%，并如实记录课时。
（二）丰富学习形式。把集中授课、专题研讨、现场教学和网络自学结合起来，学后开展理论测试，检验学习效果。
（三）抓好基层覆盖。对嘎查村和社区干部开展全员轮训，做到应训尽训，不漏一人。
三、学习要求
1.每位学员按课程安排完成自学，阅读时保持页面在前台。
2.学习中遇到问题，可向本单位组织者反映。
"""


@transaction.atomic
def demo_library(*, organizer: User, region: Organization) -> bool:
    """Import the demo document and publish a course from it; nothing if it is already there."""
    if Document.objects.filter(title=DEMO_TITLE).exists():
        return False
    job = services.document_import_create(
        actor=organizer, organization=region, file_name="demo.txt", content=DEMO_TEXT.encode("utf-8")
    )
    assert job.status == DocumentImport.Status.READY
    version = services.document_import_save(actor=organizer, document_import=job, issuer="系统演示")
    top = list(version.sections.filter(level=2).order_by("position")[:3])
    course = services.course_create(
        actor=organizer, organization=region, title="铸牢中华民族共同体意识专题自学（演示）", minutes=90,
        sections=top, format=Course.Format.ONLINE, topics=["铸牢中华民族共同体意识"],
        description="演示课程：阅读三个小节，完成后记 2 课时。",
    )
    services.course_publish(actor=organizer, course=course)
    return True


DEMO_CLASS = "呼和浩特市委党校2026年秋季主体班（演示）"


@transaction.atomic
def demo_classes(*, organizer: User) -> bool:
    """A running main class with a week of sessions and a roster, and a study group taking
    registrations; nothing if they are already there. Dates start on the day the demo is loaded."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from .models import Enrollment, TrainingClass
    from .training import services as training

    if TrainingClass.objects.filter(title=DEMO_CLASS).exists():
        return False
    school = Organization.objects.get(code="NM-HH-PS")
    today = timezone.localdate()
    main = training.training_class_create(
        actor=organizer, organization=school, kind=TrainingClass.Kind.MAIN, title=DEMO_CLASS,
        starts_on=today, ends_on=today + timedelta(days=4), target_count=12,
    )
    zone = timezone.get_current_timezone()
    lessons = [
        # (day, start, minutes, title, topics)
        (0, time(9), 90, "开班式暨形势政策报告", []),
        (0, time(10, 45), 60, "铸牢中华民族共同体意识专题辅导", ["铸牢中华民族共同体意识"]),
        (1, time(9), 180, "习近平新时代中国特色社会主义思想专题", []),
        (2, time(9), 180, "基层治理现场教学", []),
        (3, time(9), 180, "分组研讨", []),
        (4, time(9), 90, "结业考试与总结", []),
    ]
    for day, start, minutes, title, topics in lessons:
        starts_at = timezone.make_aware(datetime.combine(today + timedelta(days=day), start), zone)
        training.class_session_create(
            actor=organizer, training_class=main, title=title, starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=minutes), topics=topics, teacher="市委党校教研室", place="党校第一教室",
        )
    for user in User.objects.filter(username__in=[f"trainee{i:02d}" for i in range(1, 13)]).order_by("username"):
        training.enroll_one(actor=organizer, training_class=main, user=user, source=Enrollment.Source.IMPORTED)
    training.training_class_transition(actor=organizer, training_class=main, action="start")

    group = training.training_class_create(
        actor=organizer, organization=Organization.objects.get(code="NM"), kind=TrainingClass.Kind.ROTATION,
        title="2026年嘎查村社区干部全员轮训（演示）", starts_on=today + timedelta(days=14), ends_on=today + timedelta(days=16),
    )
    training.training_class_transition(actor=organizer, training_class=group, action="open_enrolment")
    return True
