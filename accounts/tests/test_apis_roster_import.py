"""Roster import through the API: a dry run that names every bad row and column, then an
all-or-nothing apply. Error messages are asserted in Chinese, the default language."""
import pytest
from django.test.utils import CaptureQueriesContext
from django.db import connection

from accounts.models import Role, RosterImport, User

from .helpers import upload, xlsx

pytestmark = pytest.mark.django_db

PASSWORD = "Initial-pass-2026"


def post_roster(api_client, content, name="roster.xlsx", password=PASSWORD):
    return api_client.post(
        "/api/v1/user-imports/", {"file": upload(name, content), "initial_password": password}, format="multipart"
    )


@pytest.fixture
def confirm(api_client, django_capture_on_commit_callbacks):
    """Confirm an import and run what is queued after the commit (the Celery task, eager in tests)."""

    def run(import_id):
        with django_capture_on_commit_callbacks(execute=True):
            return api_client.post(f"/api/v1/user-imports/{import_id}/confirm/")

    return run


@pytest.fixture
def organizer(api_client, tree, people):
    api_client.force_authenticate(people["organizer_a"])
    return people["organizer_a"]


def good_rows(n, start=1, org="NM-A-1"):
    return [[f"学员{i}", f"T{i:05d}", f"1380000{i:04d}", org, "学员"] for i in range(start, start + n)]


def assert_nothing_imported(users_before):
    assert User.objects.count() == users_before
    assert not User.objects.filter(username__startswith="T0").exists()


def test_dry_run_previews_then_confirm_creates_users_with_roles(api_client, confirm, organizer):
    users_before = User.objects.count()
    response = post_roster(api_client, xlsx(good_rows(3)))
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "validated" and body["errors"] == [] and body["total_rows"] == 3
    assert [r["display_name"] for r in body["preview"]] == ["学员1", "学员2", "学员3"]
    assert body["preview"][0]["org_name"] == "甲盟一旗" and body["preview"][0]["role"] == "trainee"
    assert User.objects.count() == users_before  # a dry run creates nobody

    confirmed = confirm(body['id'])
    assert confirmed.status_code == 202
    job = RosterImport.objects.get(pk=body["id"])
    assert job.status == "done" and job.created_count == 3
    user = User.objects.get(employee_number="T00002")
    assert (user.username, user.display_name, user.phone, user.organization.code) == ("T00002", "学员2", "13800000002", "NM-A-1")
    assert user.must_change_password and user.check_password(PASSWORD)
    assert list(Role.objects.filter(user=user).values_list("role", "organization__code")) == [("trainee", "NM-A-1")]
    # The grant is in the audit trail, attributed to the organizer who imported.
    record = Role.history.get(user_id=user.pk)
    assert record.history_type == "+" and record.history_user == organizer

    again = confirm(body['id'])
    assert again.status_code == 400 and again.json()["code"] == "import_not_ready"
    assert User.objects.count() == users_before + 3


def test_excel_numbers_and_full_width_digits_are_read_as_text(api_client, organizer):
    rows = [["张三", 10001, 13800000000, "NM-A-1", "学员"], ["李四", "１０００２", "", "NM-A", "组织者"]]
    body = post_roster(api_client, xlsx(rows)).json()
    # An organizer may not make organizers: that takes an administrator.
    assert body["errors"] == [{"row": 3, "column": "角色", "message": "您不能在 甲盟 授予角色 组织者。"}]
    rows[1][4] = "学员"
    body = post_roster(api_client, xlsx(rows)).json()
    assert body["status"] == "validated"
    assert [(r["employee_number"], r["phone"]) for r in body["preview"]] == [("10001", "13800000000"), ("10002", "")]


@pytest.mark.parametrize(
    "rows, error",
    [
        ([["", "T1", "", "NM-A-1", "学员"]], {"row": 2, "column": "姓名", "message": "姓名为空。"}),
        ([["甲", "T1", "", "XX-9", "学员"]], {"row": 2, "column": "单位编码", "message": "未知的单位编码 XX-9。"}),
        ([["甲", "T1", "", "NM-A-1", "学生"]], {"row": 2, "column": "角色", "message": "未知的角色 学生：请填写 学员、组织者、督查 或 管理员。"}),
        ([["甲", "T1", "123", "NM-A-1", "学员"]], {"row": 2, "column": "手机", "message": "123 不是 11 位手机号码。"}),
        (
            [["甲", "T1", "", "NM-A-1", "学员"], ["乙", "T2", "", "NM-A-1", "学员"], ["丙", "T1", "", "NM-A-1", "学员"]],
            {"row": 4, "column": "工号", "message": "工号 T1 与第 2 行重复。"},
        ),
    ],
    ids=["missing-name", "unknown-org", "unknown-role", "bad-phone", "duplicate-in-file"],
)
def test_bad_rows_are_named_by_row_and_column_and_nothing_is_imported(api_client, confirm, organizer, rows, error):
    users_before = User.objects.count()
    response = post_roster(api_client, xlsx(rows))
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "invalid"
    assert body["errors"] == [error]
    assert confirm(body['id']).status_code == 400
    assert_nothing_imported(users_before)


def test_employee_number_already_in_the_database(api_client, organizer, people):
    users_before = User.objects.count()
    existing = people["trainee_b"].employee_number  # even someone the organizer cannot see
    body = post_roster(api_client, xlsx([["甲", existing, "", "NM-A-1", "学员"]])).json()
    assert body["errors"] == [{"row": 2, "column": "工号", "message": f"工号 {existing} 已存在。"}]
    assert_nothing_imported(users_before)


@pytest.mark.parametrize(
    "content, name, code, message",
    [
        (xlsx([], header=None), "empty.xlsx", "sheet_empty", "第一个工作表为空"),
        (xlsx([]), "header-only.xlsx", "sheet_empty", "没有人员"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "photo.xlsx", "not_excel", "不是 Excel 工作簿"),
        ("姓名,工号\n张三,1\n".encode("gbk"), "roster.csv", "not_excel", "不是 Excel 工作簿"),
        (xlsx([["甲", "T1", "NM-A-1"]], header=["姓名", "工号", "单位"]), "cols.xlsx", "missing_columns", "单位编码"),
    ],
    ids=["empty-sheet", "header-only", "binary", "csv", "missing-column"],
)
def test_unreadable_files_are_refused_with_a_clear_error_and_nothing_saved(api_client, organizer, content, name, code, message):
    users_before = User.objects.count()
    response = post_roster(api_client, content, name=name)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert message in response.json()["message"]
    assert RosterImport.objects.count() == 0
    assert_nothing_imported(users_before)


def test_a_5000_row_file_with_one_bad_row_at_the_end(api_client, confirm, organizer):
    users_before = User.objects.count()
    rows = good_rows(4999) + [["最后一人", "T99999", "", "NO-SUCH-ORG", "学员"]]
    body = post_roster(api_client, xlsx(rows)).json()
    assert body["status"] == "invalid" and body["total_rows"] == 5000
    assert body["errors"] == [{"row": 5001, "column": "单位编码", "message": "未知的单位编码 NO-SUCH-ORG。"}]
    assert confirm(body['id']).status_code == 400
    assert_nothing_imported(users_before)


def test_a_5000_row_file_imports_whole_in_a_bounded_number_of_queries(api_client, confirm, organizer):
    users_before = User.objects.count()
    body = post_roster(api_client, xlsx(good_rows(5000))).json()
    assert body["status"] == "validated" and len(body["preview"]) == 200  # the preview is capped
    with CaptureQueriesContext(connection) as queries:
        confirm(body['id'])
    assert User.objects.count() == users_before + 5000
    assert Role.objects.filter(user__employee_number__startswith="T").count() == 5000
    # Bulk writes: SQLite's parameter limit splits them into batches of some dozens of rows,
    # still far below one query per row (a per-row import would run over 20,000).
    assert len(queries) < 5000 / 10, len(queries)


def test_a_conflict_arising_between_dry_run_and_confirm_imports_nothing(api_client, confirm, organizer, tree):
    users_before = User.objects.count()
    body = post_roster(api_client, xlsx(good_rows(3))).json()
    User.objects.create(username="someone", display_name="后来者", employee_number="T00003", organization=tree["league_a"])
    confirm(body['id'])
    job = RosterImport.objects.get(pk=body["id"])
    assert job.status == "invalid"
    assert job.errors == [{"row": 4, "column": "工号", "message": "工号 T00003 已存在。"}]
    assert User.objects.count() == users_before + 1  # only the one created by hand


def test_weak_initial_password_is_refused(api_client, organizer):
    response = post_roster(api_client, xlsx(good_rows(1)), password="123")
    assert response.status_code == 400
    assert "initial_password" in response.json()["errors"]
    assert RosterImport.objects.count() == 0


def test_trainees_and_auditors_cannot_import(api_client, people):
    for who in ("trainee_a", "auditor_a"):
        api_client.force_authenticate(people[who])
        response = post_roster(api_client, xlsx(good_rows(1)))
        assert response.status_code == 403
    assert RosterImport.objects.count() == 0


def test_the_template_is_a_roster_the_importer_reads(api_client, organizer):
    from .helpers import read_xlsx

    rows = read_xlsx(api_client.get("/api/v1/user-imports/template/").content)
    assert rows[0] == ["姓名", "工号", "手机", "单位编码", "角色"]
