"""A roster import confirmed in this process is applied by a real Celery worker through Redis."""
import io

import pytest
from openpyxl import Workbook

from accounts.models import Organization, Role, RosterImport, User
from accounts.roster import roster_import_confirm, roster_import_create
from accounts.tests.factories import RoleFactory, UserFactory, make_org

pytestmark = pytest.mark.integration

TIMEOUT_SECONDS = 60
FINAL = {RosterImport.Status.DONE, RosterImport.Status.INVALID, RosterImport.Status.FAILED}


def roster_xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "工号", "手机", "单位编码", "角色"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_worker_applies_a_confirmed_roster_import(celery_worker_process):
    worker = celery_worker_process
    region = make_org("内蒙古自治区", "IT-NM", Organization.Kind.REGION)
    league = make_org("甲盟", "IT-NM-A", Organization.Kind.LEAGUE_CITY, region)
    banner = make_org("甲盟一旗", "IT-NM-A-1", Organization.Kind.BANNER_COUNTY, league)
    organizer = UserFactory(organization=league, username="it_organizer")
    RoleFactory(user=organizer, organization=league, role=Role.Kind.ORGANIZER)

    rows = [
        ["张三", "IT0001", "13800000001", "IT-NM-A-1", "学员"],
        ["李四", "IT0002", "13800000002", "IT-NM-A-1", "学员"],
        ["王五", "IT0003", "", "IT-NM-A", "学员"],
    ]
    job = roster_import_create(
        actor=organizer, file_name="roster.xlsx", content=roster_xlsx(rows), initial_password="Initial-pass-2026"
    )
    assert job.status == RosterImport.Status.VALIDATED, job.errors

    # Autocommit here (transactional_db): the on_commit hook publishes to Redis at once.
    roster_import_confirm(actor=organizer, roster_import=job)

    def finished():
        job.refresh_from_db()
        return job.status in FINAL

    worker.wait_until(finished, TIMEOUT_SECONDS)
    assert job.status == RosterImport.Status.DONE, f"status {job.status} {job.errors}; worker log:\n{worker.log()}"
    assert job.created_count == 3

    created = {u.employee_number: u for u in User.objects.filter(employee_number__startswith="IT0")}
    assert set(created) == {"IT0001", "IT0002", "IT0003"}
    assert created["IT0001"].display_name == "张三" and created["IT0001"].organization_id == banner.pk
    assert created["IT0003"].organization_id == league.pk
    assert all(u.must_change_password and u.check_password("Initial-pass-2026") for u in created.values())
    assert Role.objects.filter(user__in=created.values(), role=Role.Kind.TRAINEE).count() == 3

    # The worker, not this process, ran the task.
    assert worker.wait_for_log("accounts.roster_import_apply", 10), worker.log()
    assert "succeeded" in worker.log(), worker.log()
