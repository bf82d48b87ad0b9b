"""Study credit comes from the server's own clock: a hidden tab and parallel tabs earn nothing extra."""
from datetime import timedelta

import pytest
from django.utils import timezone

from courses import services
from courses.models import CourseCredit, StudyProgress

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(tree, people, library):
    sections = list(library["a"].current_version.sections.order_by("position"))
    course = services.course_create(
        actor=people["organizer_a"], organization=tree["league_a"], title="民族团结专题", minutes=90, sections=sections,
    )
    return services.course_publish(actor=people["organizer_a"], course=course)


def beats(user, item, start, seconds, every=15, visible=True, active=True):
    """Heartbeats every `every` seconds from `start` for `seconds`; returns the time after the last."""
    t = start
    while t <= start + timedelta(seconds=seconds):
        services.study_heartbeat(user=user, item=item, visible=visible, active=active, now=t)
        t += timedelta(seconds=every)
    return t


def credited(user, item):
    progress = StudyProgress.objects.filter(user=user, item=item).first()
    return progress.credited_seconds if progress else 0


def test_a_visible_active_page_earns_the_time_between_heartbeats(course, people):
    trainee, item = people["trainee_a"], course.items.first()
    t0 = timezone.now()
    beats(trainee, item, t0, 120)
    assert credited(trainee, item) == 120  # the first beat starts the clock, then 8 × 15 s


def test_a_hidden_tab_earns_nothing(course, people):
    trainee, item = people["trainee_a"], course.items.first()
    t0 = timezone.now()
    beats(trainee, item, t0, 60)
    assert credited(trainee, item) == 60
    # The page is hidden for ten minutes: its heartbeats say so, and earn nothing...
    t = beats(trainee, item, t0 + timedelta(seconds=75), 600, visible=False)
    assert credited(trainee, item) == 60
    # ...and the time hidden is not counted when it becomes visible again.
    beats(trainee, item, t, 30)
    assert credited(trainee, item) == 90


def test_an_idle_reader_earns_nothing_and_a_long_silence_earns_one_interval_at_most(course, people):
    trainee, item = people["trainee_a"], course.items.first()
    t0 = timezone.now()
    beats(trainee, item, t0, 30, active=False)
    assert credited(trainee, item) == 0
    services.study_heartbeat(user=trainee, item=item, visible=True, active=True, now=t0 + timedelta(seconds=100))
    services.study_heartbeat(user=trainee, item=item, visible=True, active=True, now=t0 + timedelta(hours=2))
    assert credited(trainee, item) == services.HEARTBEAT_MAX_SECONDS


def test_two_parallel_tabs_earn_no_more_than_one(course, people):
    trainee = people["trainee_a"]
    first, second = list(course.items.order_by("position"))
    t0 = timezone.now()
    # Two tabs, each beating every 15 s, offset by 7 s, for five minutes.
    for k in range(21):
        services.study_heartbeat(user=trainee, item=first, visible=True, active=True, now=t0 + timedelta(seconds=15 * k))
        services.study_heartbeat(user=trainee, item=second, visible=True, active=True, now=t0 + timedelta(seconds=15 * k + 7))
    total = credited(trainee, first) + credited(trainee, second)
    assert total == 15 * 20 + 7  # the wall-clock time from the first beat to the last, not twice it


def test_a_section_completes_after_its_minimum_and_the_course_credits_its_exact_minutes(course, people):
    trainee = people["trainee_a"]
    items = list(course.items.order_by("position"))
    t = timezone.now()
    for item in items:
        services.study_heartbeat(user=trainee, item=item, visible=False, active=False, now=t)  # a pause between sections
        assert item.min_seconds == services.section_min_seconds(item.section.char_count)
        t = beats(trainee, item, t, item.min_seconds - 1)
        assert CourseCredit.objects.filter(user=trainee).count() == 0
        t = beats(trainee, item, t, 15)
        assert StudyProgress.objects.get(user=trainee, item=item).completed_at is not None
    credit = CourseCredit.objects.get(user=trainee, course=course)
    assert credit.credited_minutes == 90


def test_a_course_that_requires_a_quiz_credits_nothing_on_reading_alone(tree, people, library):
    sections = list(library["a"].current_version.sections.all()[:1])
    course = services.course_create(actor=people["organizer_a"], organization=tree["league_a"], title="需测验",
                                    minutes=45, sections=sections, requires_quiz=True)
    item = course.items.get()
    beats(people["trainee_a"], item, timezone.now(), item.min_seconds + 30)
    assert StudyProgress.objects.get(item=item).completed_at is not None
    assert not CourseCredit.objects.exists()


def test_estimates_use_the_stated_reading_speed(course):
    total_chars = sum(i.section.char_count for i in course.items.all())
    assert course.reading_minutes == -(-total_chars // services.READING_CHARS_PER_MINUTE)


def test_fractions_of_a_second_between_heartbeats_are_not_lost(course, people):
    """Beats arrive with network jitter (14.9 s, not 15 s): the seconds add up exactly over time,
    instead of each beat rounding its part down."""
    trainee, item = people["trainee_a"], course.items.first()
    t0 = timezone.now()
    beats(trainee, item, t0, 149, every=14.9)  # the first beat starts the clock, then 10 × 14.9 s
    assert credited(trainee, item) == 149
    # Then tabs beating 0.6 s apart, each beat under a second: 6.6 s more of wall clock earn 6 s,
    # not 0 (every beat rounded down) and never more than the wall clock.
    beats(trainee, item, t0 + timedelta(seconds=149.6), 6, every=0.6)
    assert credited(trainee, item) == 149 + 6
