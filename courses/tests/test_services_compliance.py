"""A class's status against the compliance rules, on the exact boundaries."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.models import ComplianceRule, Enrollment, Topic, TrainingClass
from courses.training import attendance, services
from courses.training.compliance import COMPLIES, SHORT, UNDECIDED, class_compliance

from .conftest import TOPIC, enroll, make_class, make_session

pytestmark = pytest.mark.django_db


def schedule(training_class, *centi_and_topics):
    """Sessions one after another, each (centi_hours, topics)."""
    start = timezone.now().replace(second=0, microsecond=0)
    sessions = []
    for i, (centi, topics) in enumerate(centi_and_topics):
        sessions.append(make_session(training_class, starts_at=start + timedelta(hours=2 * i), minutes=60, centi_hours=centi, topics=topics))
    return sessions


def ratio_status(training_class):
    [status] = [s for s in class_compliance(training_class) if s.rule.metric == ComplianceRule.Metric.TOPIC_HOUR_RATIO]
    return status


def test_seeded_rules_exist_with_the_audited_topic(db):
    rules = {r.metric: r for r in ComplianceRule.objects.select_related("topic")}
    assert rules["topic_hour_ratio"].threshold == 1000 and rules["topic_hour_ratio"].class_kinds == ["main"]
    assert rules["topic_hour_ratio"].topic.name == TOPIC
    assert rules["topic_sessions_per_year"].threshold == 1 and rules["topic_sessions_per_year"].class_kinds == ["study_group"]
    assert rules["roster_coverage"].threshold == 10000 and rules["roster_coverage"].class_kinds == ["rotation"]


def test_point_seven_of_seven_hours_complies_exactly(tree, people):
    main = make_class(tree["school"], people["admin_region"])
    schedule(main, (70, [TOPIC]), (630, []))  # 0.7 of 7.0 课时
    status = ratio_status(main)
    assert status.state == COMPLIES
    assert "10%" in status.measured and "0.7" in status.measured and "7" in status.measured


def test_point_six_nine_of_seven_falls_short_by_a_hundredth(tree, people):
    main = make_class(tree["school"], people["admin_region"])
    schedule(main, (69, [TOPIC]), (631, []))
    status = ratio_status(main)
    assert status.state == SHORT
    assert status.shortfall == Decimal("0.01")
    assert "9.85%" in status.measured  # 69 / 700 = 9.857…, shown rounded down


def test_three_and_a_half_of_forty_says_how_much_is_missing(tree, people):
    main = make_class(tree["school"], people["admin_region"])
    schedule(main, (350, [TOPIC]), (3650, []))
    status = ratio_status(main)
    assert status.state == SHORT
    assert status.shortfall == Decimal("0.5")
    assert status.details == {"topic_centi_hours": 350, "total_centi_hours": 4000, "retag_centi_hours": 50, "add_centi_hours": 56}
    assert "0.5" in status.message and "0.56" in status.message


@pytest.mark.parametrize("topic, rest, state", [
    (400, 3600, COMPLIES),  # re-tagged: 0.5 more of the same 40 hours
    (350 + 56, 3650, COMPLIES),  # a new 0.56-hour topic session
    (350 + 55, 3650, SHORT),  # a hundredth less is not enough
])
def test_doing_what_the_shortfall_says_is_enough(tree, people, topic, rest, state):
    main = make_class(tree["school"], people["admin_region"])
    schedule(main, (topic, [TOPIC]), (rest, []))
    assert ratio_status(main).state == state


def test_a_class_without_hours_is_not_decidable(tree, people):
    main = make_class(tree["school"], people["admin_region"])
    status = ratio_status(main)
    assert status.state == UNDECIDED and status.shortfall is None
    schedule(main, (0, [TOPIC]))  # a session of zero class hours: still nothing to divide by
    assert ratio_status(main).state == UNDECIDED


def test_changing_a_sessions_tags_updates_the_status(tree, people):
    organizer = people["admin_region"]
    main = make_class(tree["school"], organizer)
    first, _second = schedule(main, (100, []), (900, []))
    assert ratio_status(main).state == SHORT
    services.class_session_update(actor=organizer, session=first, topics=[TOPIC])
    assert ratio_status(main).state == COMPLIES
    services.class_session_update(actor=organizer, session=first, topics=["其他专题"])
    assert ratio_status(main).state == SHORT


def test_rules_cover_only_their_kinds_and_organizations(tree, people):
    special = make_class(tree["league_a"], people["organizer_a"], kind="special")
    assert class_compliance(special) == []
    league_rule = ComplianceRule.objects.create(name="甲盟专题班要求", metric="topic_hour_ratio", class_kinds=["special"],
                                                organization=tree["league_a"], topic=Topic.objects.get(name=TOPIC), threshold=2000)
    assert [s.rule for s in class_compliance(special)] == [league_rule]
    other = make_class(tree["league_b"], people["organizer_b"], kind="special")
    assert class_compliance(other) == []
    league_rule.active = False
    league_rule.save()
    assert class_compliance(special) == []


def test_study_group_needs_one_topic_session_in_its_year(tree, people):
    group = make_class(tree["league_a"], people["organizer_a"], kind="study_group", title="中心组学习")
    [status] = class_compliance(group)
    assert status.state == UNDECIDED
    make_session(group, topics=["其他专题"])
    [status] = class_compliance(group)
    assert status.state == SHORT and status.shortfall == 1
    make_session(group, starts_at=timezone.now() + timedelta(hours=3), topics=[TOPIC])
    [status] = class_compliance(group)
    assert status.state == COMPLIES


def test_rotation_coverage_is_decided_when_the_class_closes(tree, people):
    organizer = people["organizer_a"]
    rotation = make_class(tree["league_a"], organizer, kind="rotation", title="全员轮训", target_count=2)
    session = make_session(rotation, centi_hours=200)
    [mine] = enroll(rotation, people["trainee_a"])
    [status] = class_compliance(rotation)
    assert status.state == UNDECIDED
    attendance.attendance_mark(actor=organizer, session=session, enrollment=mine, status="present")
    rotation.agenda_file = "classes/agenda.pdf"
    rotation.timetable_file = "classes/timetable.pdf"
    rotation.save()
    services.training_class_close(actor=organizer, training_class=rotation)
    rotation.refresh_from_db()
    assert rotation.status == TrainingClass.Status.CLOSED
    [status] = class_compliance(rotation)
    assert status.state == SHORT and status.shortfall == 1  # one of the target two is trained
    assert Enrollment.objects.get(pk=mine.pk).completed is True
