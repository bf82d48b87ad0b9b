"""Demo data: a certificate template, and a closed class of last month whose trainees were issued
their certificates (written by the team for the demo; idempotent)."""
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Organization, User

DEMO_CLASS = "2026年第一期基层干部培训班（演示，已结班）"
DEMO_BODY = (
    "{name}同志于{starts_on}至{ends_on}参加{class}，完成学习{hours}课时，经考核合格，准予结业。\n\n特发此证。"
)


def demo_certificates(*, organizer: User) -> bool:
    """Nothing when the demo class is already there. Certificates are issued as the class closes
    (the embedded default runs the Celery task in-process)."""
    from datetime import datetime, time, timedelta

    from django.db import transaction
    from django.utils import timezone

    from courses.models import Enrollment, TrainingClass
    from courses.training import attendance, services as training

    from . import services

    if TrainingClass.objects.filter(title=DEMO_CLASS).exists():
        return False
    league = Organization.objects.get(code="NM-HH")
    school = Organization.objects.get(code="NM-HH-PS")
    template = services.template_create(
        actor=organizer, organization=league, name="结业证书（通用）", title="结业证书", body=DEMO_BODY,
        issuer_line="中共呼和浩特市委组织部",
    )
    start = timezone.localdate() - timedelta(days=30)
    with transaction.atomic():
        past = training.training_class_create(
            actor=organizer, organization=school, kind=TrainingClass.Kind.MAIN, title=DEMO_CLASS, starts_on=start,
            ends_on=start + timedelta(days=2), target_count=8,
        )
        zone = timezone.get_current_timezone()
        sessions = []
        for day, hour, minutes, title, topics in ((0, 9, 180, "铸牢中华民族共同体意识专题辅导", ["铸牢中华民族共同体意识"]),
                                                  (1, 9, 180, "基层治理能力提升", []), (2, 9, 90, "结业座谈", [])):
            starts_at = timezone.make_aware(datetime.combine(start + timedelta(days=day), time(hour)), zone)
            sessions.append(training.class_session_create(
                actor=organizer, training_class=past, title=title, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes),
                topics=topics, teacher="市委党校教研室", place="党校第二教室",
            ))
        trainees = list(User.objects.filter(username__in=[f"trainee{i:02d}" for i in range(1, 9)]).order_by("username"))
        for user in trainees:
            training.enroll_one(actor=organizer, training_class=past, user=user, source=Enrollment.Source.IMPORTED)
        training.training_class_transition(actor=organizer, training_class=past, action="start")
        services.criteria_set(actor=organizer, training_class=past, template=template)
        enrollments = {e.user_id: e for e in Enrollment.objects.filter(training_class=past)}
        for n, user in enumerate(trainees):
            for session in sessions if n < 7 else sessions[:1]:  # the last one missed most of it: no certificate
                attendance.attendance_mark(actor=organizer, session=session, enrollment=enrollments[user.pk], status="present")
        training.training_class_close(
            actor=organizer, training_class=past,
            agenda_file=SimpleUploadedFile("议程.txt", "开班式、专题辅导、现场教学、结业座谈。".encode()),
            timetable_file=SimpleUploadedFile("课程表.txt", "第一天：专题辅导；第二天：能力提升；第三天：结业座谈。".encode()),
        )
    return True
