"""Two Celery workers issue certificates at once: no duplicate certificate, no duplicate or skipped
serial number.

Both workers start with the tasks already queued, so they take them at the same moment: two runs
for one class (the class row lock makes the second find that the first issued everything) and one
run each for two more classes of the same organization (the serial counter row lock hands out
consecutive numbers to one transaction at a time).
"""
import pytest
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import RoleFactory, UserFactory, make_org
from certificates import services
from certificates.models import Certificate, IssueRun
from certificates.tests.conftest import closed_class, make_template

pytestmark = pytest.mark.integration

PER_CLASS = 25
TIMEOUT_SECONDS = 120


def trainees(org, prefix: str, count: int):
    people = []
    for n in range(count):
        user = UserFactory(organization=org, username=f"{prefix}{n}", display_name=f"学员{prefix}{n}")
        RoleFactory(user=user, organization=org, role=Role.Kind.TRAINEE)
        people.append(user)
    return people


def test_two_workers_issuing_at_once_make_no_duplicate_and_leave_no_gap(celery_worker_factory):
    league = make_org("甲盟", "NM-A", "league_city")
    town = make_org("甲盟一镇", "NM-A-1", "township", league)
    organizer = UserFactory(organization=league, username="organizer")
    RoleFactory(user=organizer, organization=league, role=Role.Kind.ORGANIZER)
    template = make_template(league, organizer)
    classes = []
    for n, title in enumerate(("第一期", "第二期", "第三期")):
        training_class = closed_class(league, organizer, trainees(town, f"c{n}-", PER_CLASS), title=title)
        services.criteria_set(actor=organizer, training_class=training_class, template=template)
        classes.append(training_class)
    first, second = celery_worker_factory(), celery_worker_factory()
    assert first.wait_for_log("ready.", 60) and second.wait_for_log("ready.", 60), first.log() + second.log()
    # Published together on commit, with both workers waiting: the first class twice, the others once each.
    with transaction.atomic():
        runs = [services.issue_request(actor=organizer, training_class=c) for c in (classes[0], classes[0], classes[1], classes[2])]

    def finished() -> bool:
        return IssueRun.objects.filter(pk__in=[r.pk for r in runs], status__in=("done", "failed")).count() == len(runs)

    assert first.wait_until(finished, TIMEOUT_SECONDS), first.log() + second.log()
    logs = first.log() + second.log()
    assert "certificates.issue" in first.log() and "certificates.issue" in second.log(), logs  # both took part

    assert set(IssueRun.objects.filter(pk__in=[r.pk for r in runs]).values_list("status", flat=True)) == {"done"}
    certificates = Certificate.objects.filter(training_class__in=classes)
    assert certificates.count() == 3 * PER_CLASS
    assert not certificates.values("training_class", "user").annotate(n=Count("id")).filter(n__gt=1).exists()
    year = timezone.localdate().year
    assert sorted(certificates.values_list("serial", flat=True)) == [f"NM-A-{year}-{n:06d}" for n in range(1, 3 * PER_CLASS + 1)]
    assert certificates.filter(pdf="").count() == 0
    # Each class's numbers are one consecutive block: one transaction handed them out.
    for training_class in classes:
        numbers = sorted(int(s.rsplit("-", 1)[1]) for s in certificates.filter(training_class=training_class).values_list("serial", flat=True))
        assert numbers == list(range(numbers[0], numbers[0] + PER_CLASS))
