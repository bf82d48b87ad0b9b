"""Changing the tree, people and roles through the API, and the audit trail it leaves."""
import pytest

from accounts.models import Organization, Role, User

pytestmark = pytest.mark.django_db


def as_user(api_client, user):
    api_client.force_authenticate(User.objects.get(pk=user.pk))


def test_an_admin_adds_renames_and_deletes_a_unit_in_its_subtree(api_client, tree, people):
    as_user(api_client, people["admin_a"])
    created = api_client.post(
        "/api/v1/orgs/", {"parent": tree["banner_a"].pk, "name": "新镇", "code": "NM-A-1-9", "kind": "township"}, format="json"
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["parent"], body["depth"], body["kind_label"]) == (tree["banner_a"].pk, 4, "苏木乡镇街道")
    renamed = api_client.patch(f"/api/v1/orgs/{body['id']}/", {"name": "新镇（改）"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "新镇（改）"
    assert api_client.delete(f"/api/v1/orgs/{body['id']}/").status_code == 204
    assert not Organization.objects.filter(code="NM-A-1-9").exists()
    # The history keeps all three steps, with who did them.
    steps = list(Organization.history.filter(code__startswith="NM-A-1-9").order_by("history_id").values_list("history_type", "name", "history_user"))
    assert steps == [("+", "新镇", people["admin_a"].pk), ("~", "新镇（改）", people["admin_a"].pk), ("-", "新镇（改）", people["admin_a"].pk)]


def test_a_unit_with_units_or_people_cannot_be_deleted(api_client, tree, people):
    as_user(api_client, people["admin_region"])
    response = api_client.delete(f"/api/v1/orgs/{tree['banner_a'].pk}/")
    assert response.status_code == 400 and response.json() == {"code": "organization_has_children", "message": "该单位下还有下级单位。"}
    response = api_client.delete(f"/api/v1/orgs/{tree['town_a'].pk}/")
    assert response.status_code == 400 and response.json()["code"] == "organization_in_use"
    assert Organization.objects.count() == 7


def test_duplicate_codes_are_refused_naming_the_field(api_client, tree, people):
    as_user(api_client, people["admin_a"])
    response = api_client.post(
        "/api/v1/orgs/", {"parent": tree["league_a"].pk, "name": "重复", "code": "NM-B", "kind": "agency"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"code": ["此编码已被使用。"]}


def test_organizers_and_auditors_read_the_tree_but_cannot_change_it(api_client, tree, people):
    for who in ("organizer_a", "auditor_a", "trainee_a"):
        as_user(api_client, people[who])
        target = tree["town_a"]
        assert api_client.get(f"/api/v1/orgs/{target.pk}/").status_code == 200
        response = api_client.patch(f"/api/v1/orgs/{target.pk}/", {"name": "改名"}, format="json")
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert Organization.objects.get(pk=tree["town_a"].pk).name == "甲盟一旗一镇"


def test_only_a_system_administrator_creates_a_root(api_client, tree, people):
    as_user(api_client, people["admin_region"])
    response = api_client.post("/api/v1/orgs/", {"name": "另一区", "code": "X", "kind": "region"}, format="json")
    assert response.status_code == 403
    admin = User.objects.create_superuser(username="root", password="Root-pass-2026", display_name="系统管理员")
    api_client.force_authenticate(admin)
    assert api_client.post("/api/v1/orgs/", {"name": "另一区", "code": "X", "kind": "region"}, format="json").status_code == 201


def test_organizer_creates_a_person_who_must_change_the_password(api_client, tree, people):
    as_user(api_client, people["organizer_a"])
    response = api_client.post(
        "/api/v1/users/",
        {"username": "zhangsan", "display_name": "张三", "employee_number": "A-77", "phone": "13912345678",
         "organization": tree["town_a"].pk, "password": "Strong-pass-777"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    user = User.objects.get(username="zhangsan")
    assert user.must_change_password and user.organization == tree["town_a"]
    bad_phone = api_client.patch(f"/api/v1/users/{user.pk}/", {"phone": "12345"}, format="json")
    assert bad_phone.status_code == 400 and "phone" in bad_phone.json()["errors"]
    moved = api_client.patch(f"/api/v1/users/{user.pk}/", {"organization": tree["banner_a"].pk, "is_active": False}, format="json")
    assert moved.status_code == 200 and moved.json()["organization"]["code"] == "NM-A-1"


def test_auditors_read_people_but_cannot_change_them(api_client, tree, people):
    as_user(api_client, people["auditor_a"])
    target = people["trainee_a"]
    assert api_client.get(f"/api/v1/users/{target.pk}/").status_code == 200
    assert api_client.patch(f"/api/v1/users/{target.pk}/", {"display_name": "x"}, format="json").status_code == 403
    assert User.objects.get(pk=target.pk).display_name == target.display_name


def test_role_grants_follow_who_may_grant_what(api_client, tree, people):
    trainee = people["trainee_a"]
    as_user(api_client, people["organizer_a"])
    assert api_client.post("/api/v1/roles/", {"user": trainee.pk, "organization": tree["banner_a"].pk, "role": "trainee"}, format="json").status_code == 201
    refused = api_client.post("/api/v1/roles/", {"user": trainee.pk, "organization": tree["banner_a"].pk, "role": "auditor"}, format="json")
    assert refused.status_code == 403 and refused.json()["message"] == "您不能在该单位授予此角色。"
    as_user(api_client, people["admin_a"])
    granted = api_client.post("/api/v1/roles/", {"user": trainee.pk, "organization": tree["banner_a"].pk, "role": "auditor"}, format="json")
    assert granted.status_code == 201
    assert api_client.delete(f"/api/v1/roles/{granted.json()['id']}/").status_code == 204
    own_admin = Role.objects.get(user=people["admin_a"], role="admin")
    assert api_client.delete(f"/api/v1/roles/{own_admin.pk}/").json()["code"] == "cannot_revoke_own_admin"


def test_role_history_tells_auditors_who_granted_and_revoked_what(api_client, tree, people):
    trainee = people["trainee_a"]
    as_user(api_client, people["admin_a"])
    role_id = api_client.post("/api/v1/roles/", {"user": trainee.pk, "organization": tree["town_a"].pk, "role": "organizer"}, format="json").json()["id"]
    api_client.delete(f"/api/v1/roles/{role_id}/")

    as_user(api_client, people["auditor_a"])
    records = api_client.get("/api/v1/roles/history/").json()["results"]
    latest = [(r["action"], r["role"], r["user"]["id"], r["changed_by"]["username"]) for r in records[:2]]
    assert latest == [("revoked", "organizer", trainee.pk, "admin_a"), ("granted", "organizer", trainee.pk, "admin_a")]
    assert records[0]["changed_at"]

    as_user(api_client, people["organizer_a"])  # organizers are not auditors
    assert api_client.get("/api/v1/roles/history/").json()["count"] == 0


def test_english_is_the_second_language(api_client, tree, people):
    as_user(api_client, people["organizer_a"])
    response = api_client.get("/api/v1/orgs/999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {"code": "not_found", "message": "Not found."}
    response = api_client.get("/api/v1/orgs/999999/")
    assert response.json() == {"code": "not_found", "message": "未找到。"}


def test_clearing_employee_numbers_of_two_people_does_not_collide(api_client, tree, people):
    as_user(api_client, people["organizer_a"])
    for who in ("trainee_a", "auditor_a"):
        response = api_client.patch(f"/api/v1/users/{people[who].pk}/", {"employee_number": ""}, format="json")
        assert response.status_code == 200 and response.json()["employee_number"] is None
