import pytest
from django.core.management import CommandError, call_command

from accounts.models import Organization, Role, User
from certificates.models import Certificate
from courses.models import ClassSession, Course, Enrollment, Section, TrainingClass
from exams.models import Exam, Question

pytestmark = pytest.mark.django_db


def state():
    return (
        list(Organization.objects.order_by("path").values_list("code", "path", "name")),
        list(User.objects.order_by("username").values_list("username", "password", "organization__code")),
        list(Role.objects.order_by("id").values_list("user__username", "organization__code", "role")),
        User.history.count() + Role.history.count() + Organization.history.count(),
        list(Course.objects.values_list("title", "status", "minutes")),
        Section.objects.count(),
        list(TrainingClass.objects.order_by("id").values_list("title", "status")),
        ClassSession.objects.count() + Enrollment.objects.count(),
        list(Exam.objects.order_by("id").values_list("title", "mode", "status")),
        Question.objects.count(),
        list(Certificate.objects.order_by("serial").values_list("serial", flat=True)),
    )


def test_demo_builds_a_small_region_and_twice_changes_nothing(monkeypatch, capsys, django_capture_on_commit_callbacks):
    monkeypatch.setenv("DEMO_PASSWORD", "Given-pass-2026")
    with django_capture_on_commit_callbacks(execute=True):  # as `make run`, where the demo's transactions commit
        call_command("demo")
    first = state()
    assert "(from DEMO_PASSWORD)" in capsys.readouterr().out
    leagues = Organization.objects.filter(kind=Organization.Kind.LEAGUE_CITY)
    assert leagues.count() == 3
    assert Organization.objects.filter(kind=Organization.Kind.INSTITUTION, name__contains="党校").exists()
    for league in leagues:
        assert Organization.objects.filter(path__startswith=league.path, kind=Organization.Kind.TOWNSHIP).exists()
    usernames = set(User.objects.values_list("username", flat=True))
    assert {"admin", "organizer", "auditor", "trainee01", "trainee30"} <= usernames
    assert User.objects.get(username="trainee17").check_password("Given-pass-2026")
    assert User.objects.get(username="admin").is_superuser
    course = Course.objects.get()
    assert course.status == "published" and course.items.count() == 3 and course.minutes == 90
    from courses.demo import DEMO_CLASS

    main = TrainingClass.objects.get(title=DEMO_CLASS)
    assert main.status == "running" and main.sessions.count() == 6 and main.enrollments.count() == 12
    from courses.training.compliance import class_compliance

    [ratio] = class_compliance(main)
    # 1.33 of 17.33 课时 is 7.67 %: the demo shows an auditor what a shortfall looks like.
    assert ratio.state == "short" and ratio.details["topic_centi_hours"] == 133 and ratio.details["total_centi_hours"] == 1733

    # A bank of every kind and three published exams; a demo trainee of the main class can sit its exam.
    assert sorted(set(Question.objects.values_list("kind", flat=True))) == ["blank", "multiple", "short", "single", "true_false"]
    assert Exam.objects.filter(status="published").count() == 3
    from exams import access

    class_exam = Exam.objects.get(training_class=main)
    assert access.can_sit(main.enrollments.first().user, class_exam)

    # A closed class of last month issued its certificates as it closed: seven attended it all, the
    # eighth came once and has none; each has its PDF and serial.
    from certificates.demo import DEMO_CLASS as CLOSED_CLASS
    closed = TrainingClass.objects.get(title=CLOSED_CLASS)
    assert closed.status == "closed"
    issued = Certificate.objects.filter(training_class=closed).order_by("serial")
    assert issued.count() == 7 and all(c.pdf and c.status == "valid" for c in issued)
    assert issued[0].serial.startswith("NM-HH-PS-") and not issued.filter(user__username="trainee08").exists()

    monkeypatch.setenv("DEMO_PASSWORD", "Other-pass-2027")
    call_command("demo")
    assert state() == first
    assert "nothing changed" in capsys.readouterr().out
    assert User.objects.get(username="trainee17").check_password("Given-pass-2026")


def test_demo_prints_the_development_password_when_none_is_given(monkeypatch, capsys):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    call_command("demo")
    out = capsys.readouterr().out
    assert "Demo-2026-pass" in out and "organizer" in out
    assert User.objects.get(username="organizer").check_password("Demo-2026-pass")


def test_demo_refuses_production_settings(settings):
    settings.ENVIRONMENT = "production"
    with pytest.raises(CommandError, match="production"):
        call_command("demo")
    assert User.objects.count() == 0
