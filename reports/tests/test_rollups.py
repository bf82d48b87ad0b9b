"""The reports' figures on a dataset with known answers, a class exactly at 10 % among them, and
only what the caller's scope holds."""
from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from accounts.tests.conftest import people, person, tree  # noqa: F401  (shared fixtures)
from courses.models import ComplianceRule, Enrollment, Topic
from courses.tests.conftest import enroll, make_class, make_session
from reports import rollups

pytestmark = pytest.mark.django_db
TOPIC = "铸牢中华民族共同体意识"


def session(training_class, centi, topical=False, audience=0):
    made = make_session(training_class, starts_at=timezone.now() + timedelta(hours=len(training_class.sessions.all()) * 3),
                        minutes=45, centi_hours=centi, topics=(TOPIC,) if topical else ())
    if audience:
        type(made).objects.filter(pk=made.pk).update(audience_count=audience)
    return made


def completed(training_class, *users, done=True):
    for enrollment in enroll(training_class, *users):
        Enrollment.objects.filter(pk=enrollment.pk).update(completed=done, attended_centi_hours=100 if done else 0)


@pytest.fixture
def dataset(tree, people):
    organizer = people["organizer_a"]
    rule = ComplianceRule.objects.create(name="主体班次专题课时不少于10%", metric="topic_hour_ratio", class_kinds=["main"],
                                         topic=Topic.objects.get_or_create(name=TOPIC)[0], threshold=1000)
    t1, t2, t3 = (person(tree["town_a"], Role.Kind.TRAINEE, username=f"t{n}") for n in (1, 2, 3))
    exact = make_class(tree["league_a"], organizer, title="恰好10%", status="running")
    session(exact, 630), session(exact, 70, topical=True)
    short = make_class(tree["banner_a"], organizer, title="差一点", status="closed")
    session(short, 901), session(short, 99, topical=True)
    completed(short, t1, t2), completed(short, t3, done=False)
    empty = make_class(tree["town_a"], organizer, title="未排课", status="closed")
    completed(empty, t1)
    special = make_class(tree["league_a"], organizer, kind="special", title="专题班", status="running")
    session(special, 300)
    lecture = make_class(tree["league_a"], organizer, kind="lecture", title="宣讲", status="running")
    session(lecture, 100, audience=120), session(lecture, 100, audience=80)
    make_class(tree["league_a"], organizer, title="计划中", status="planned")
    last_year = make_class(tree["league_a"], organizer, title="去年", status="closed", starts_on=date(timezone.localdate().year - 1, 5, 1),
                           ends_on=date(timezone.localdate().year - 1, 5, 3))
    session(last_year, 1000)
    other = make_class(tree["league_b"], people["organizer_b"], title="乙市主体班", status="closed")
    session(other, 400), session(other, 100, topical=True)
    completed(other, people["trainee_b"])
    return {"rule": rule, "exact": exact, "short": short, "empty": empty, "other": other}


def this_year():
    return rollups.Period.year(timezone.localdate().year)


def test_each_covered_class_with_its_hours_state_and_shortfall(dataset, people, tree):
    rows = list(rollups.compliance_classes(user=people["auditor_a"], organization=tree["league_a"], period=this_year(), rule=dataset["rule"]))
    assert [(c.title, c.total, c.topic, c.state) for c in rows] == [
        ("恰好10%", 700, 70, "complies"), ("差一点", 1000, 99, "short"), ("未排课", 0, 0, "undecided"),
    ]
    assert rollups.class_state(total=1000, topic=99, threshold=1000) == ("short", 1)
    assert rollups.class_state(total=700, topic=70, threshold=1000) == ("complies", 0)


def test_the_rollup_counts_each_class_under_every_ancestor_in_the_subtree(dataset, people, tree):
    rollup = rollups.compliance_rollup(user=people["auditor_a"], organization=tree["league_a"], period=this_year(), rule=dataset["rule"])
    figures = {r.organization.name: (r.classes, r.decidable, r.complying, r.total, r.topic) for r in rollup}
    assert figures == {
        "甲盟": (3, 2, 1, 1700, 169),
        "甲盟一旗": (2, 1, 0, 1000, 99),
        "甲盟一旗一镇": (1, 0, 0, 0, 0),
    }


def test_a_league_auditor_gets_nothing_of_a_sibling_league_even_asking_for_the_region(dataset, people, tree):
    rollup = rollups.compliance_rollup(user=people["auditor_a"], organization=tree["region"], period=this_year(), rule=dataset["rule"])
    assert {r.organization.name for r in rollup} == {"内蒙古自治区", "甲盟", "甲盟一旗", "甲盟一旗一镇"}
    assert next(r for r in rollup if r.organization.name == "内蒙古自治区").classes == 3
    everything = rollups.compliance_rollup(user=people["admin_region"], organization=tree["region"], period=this_year(), rule=dataset["rule"])
    assert {r.organization.name: r.classes for r in everything}["内蒙古自治区"] == 4
    assert {r.organization.name: (r.complying, r.decidable) for r in everything}["乙市"] == (1, 1)
    stats = rollups.statistics(user=people["auditor_a"], organization=tree["region"], period=this_year())
    assert stats["person_times"] == 3 and stats["people"] == 2  # trainee_b's class in league B is not counted


def test_training_statistics_follow_the_definitions(dataset, people, tree):
    topic = dataset["rule"].topic_id
    stats = rollups.statistics(user=people["auditor_a"], organization=tree["league_a"], period=this_year(), topic_id=topic)
    assert stats == {
        "classes": 5,  # exact, short, empty, special, lecture: not the planned one nor last year's
        "person_times": 3,  # t1 twice (two classes), t2 once; t3 did not complete
        "people": 2,
        "hours": 700 + 1000 + 300 + 200,
        "topic_hours": 169,
        "lectures": 2,
        "audience": 200,
    }
    previous = rollups.statistics(user=people["auditor_a"], organization=tree["league_a"], period=this_year().previous())
    assert previous["classes"] == 1 and previous["hours"] == 1000


def test_the_previous_period_has_the_same_length_and_ends_the_day_before():
    period = rollups.Period(date(2026, 3, 1), date(2026, 3, 31))
    assert period.previous() == rollups.Period(date(2026, 1, 29), date(2026, 2, 28))
    assert rollups.Period.year(2026).previous() == rollups.Period(date(2025, 1, 1), date(2025, 12, 31))
    assert rollups.Period.year(2025).previous() == rollups.Period(date(2024, 1, 1), date(2024, 12, 31))  # a leap year
