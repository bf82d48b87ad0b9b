"""Two sibling leagues: the organizer (and the administrator) of one can list, read, change,
count and export nothing of the other, through any endpoint, and gets 404 on its ids."""
import pytest
from django.forms.models import model_to_dict

from accounts.models import Organization, Role, RosterImport, User
from accounts.roster import roster_import_create

from .helpers import read_xlsx, upload, xlsx

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        sorted(tuple(model_to_dict(o).items()) for o in Organization.objects.all()),
        sorted(tuple(model_to_dict(u, exclude=["password", "last_login"]).items()) for u in User.objects.all()),
        sorted(tuple(model_to_dict(r).items()) for r in Role.objects.all()),
        sorted(RosterImport.objects.values_list("id", "status")),
    )


@pytest.fixture
def other_side(tree, people):
    """League B's records as the outsider would try to reach them."""
    b_import = roster_import_create(
        actor=people["organizer_b"], file_name="b.xlsx", content=xlsx([["乙一", "B001", "", "NM-B-1", "学员"]]),
        initial_password="Initial-pass-2026",
    )
    return {
        "org": tree["league_b"],
        "child_org": tree["banner_b"],
        "user": people["trainee_b"],
        "staff": people["organizer_b"],
        "role": Role.objects.get(user=people["trainee_b"]),
        "import": b_import,
    }


@pytest.mark.parametrize("who", ["organizer_a", "admin_a", "auditor_a"])
def test_every_endpoint_hides_the_sibling_league(api_client, tree, people, other_side, who):
    api_client.force_authenticate(people[who])
    before = snapshot()
    b = other_side
    b_names = {"乙市", "乙市一区", b["user"].display_name, b["staff"].display_name}

    # Lists and counts.
    orgs = api_client.get("/api/v1/orgs/?page_size=200").json()
    assert {o["code"] for o in orgs["results"]} == {"NM-A", "NM-A-1", "NM-A-1-1"}
    assert orgs["count"] == 3
    users = api_client.get("/api/v1/users/?page_size=200").json()
    assert not b_names & {u["display_name"] for u in users["results"]}
    assert users["count"] == User.objects.filter(organization__path__startswith=tree["league_a"].path).count()
    assert api_client.get(f"/api/v1/users/?organization={b['org'].pk}").json()["count"] == 0
    assert api_client.get(f"/api/v1/users/?search={b['user'].display_name}").json()["count"] == 0
    assert api_client.get("/api/v1/orgs/?search=乙").json()["count"] == 0
    assert api_client.get(f"/api/v1/orgs/?within={b['org'].pk}").json()["count"] == 0
    roles = api_client.get("/api/v1/roles/?page_size=200").json()
    assert all(r["organization"]["code"].startswith("NM-A") for r in roles["results"])
    assert api_client.get(f"/api/v1/roles/?user={b['user'].pk}").json()["count"] == 0
    history = api_client.get("/api/v1/roles/history/?page_size=200").json()
    assert all(h["organization"]["code"].startswith("NM-A") for h in history["results"])
    assert api_client.get("/api/v1/user-imports/").json()["count"] == 0

    # Export.
    exported = read_xlsx(api_client.get("/api/v1/users/export/").content)
    assert not b_names & {row[0] for row in exported}
    assert not any(str(row[3]).startswith("NM-B") for row in exported[1:])

    # Reads, changes and deletions by id: 404, as for an id that does not exist.
    by_id = [
        ("get", f"/api/v1/orgs/{b['org'].pk}/", None),
        ("patch", f"/api/v1/orgs/{b['org'].pk}/", {"name": "改名"}),
        ("delete", f"/api/v1/orgs/{b['child_org'].pk}/", None),
        ("get", f"/api/v1/users/{b['user'].pk}/", None),
        ("patch", f"/api/v1/users/{b['user'].pk}/", {"display_name": "改名"}),
        ("get", f"/api/v1/users/{b['staff'].pk}/", None),
        ("get", f"/api/v1/roles/{b['role'].pk}/", None),
        ("delete", f"/api/v1/roles/{b['role'].pk}/", None),
        ("get", f"/api/v1/user-imports/{b['import'].pk}/", None),
        ("post", f"/api/v1/user-imports/{b['import'].pk}/confirm/", None),
    ]
    for method, url, body in by_id:
        response = getattr(api_client, method)(url, body, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.json()["code"] == "not_found"

    # References to the other side in a body read as unknown.
    assert api_client.post(
        "/api/v1/orgs/", {"parent": b["org"].pk, "name": "新单位", "code": "NEW-1", "kind": "township"}, format="json"
    ).status_code == 404
    created_user = api_client.post(
        "/api/v1/users/",
        {"username": "x1", "display_name": "某人", "organization": b["org"].pk, "password": "Strong-pass-777"},
        format="json",
    )
    assert created_user.status_code in (400, 403) and "organization" in created_user.json().get("errors", {"organization": 1})
    granted = api_client.post(
        "/api/v1/roles/", {"user": b["user"].pk, "organization": tree["league_a"].pk, "role": "trainee"}, format="json"
    )
    assert granted.status_code in (400, 403)
    imported = api_client.post(
        "/api/v1/user-imports/",
        {"file": upload("r.xlsx", xlsx([["某人", "Z009", "", "NM-B-1", "学员"]])), "initial_password": "Initial-pass-2026"},
        format="multipart",
    )
    if imported.status_code == 201:  # organizers and admins get a dry run that names the code as unknown
        assert imported.json()["status"] == "invalid"
        assert imported.json()["errors"] == [{"row": 2, "column": "单位编码", "message": "未知的单位编码 NM-B-1。"}]
    else:
        assert imported.status_code == 403

    after = snapshot()
    assert after[:3] == before[:3]  # nothing of anyone changed (an import dry run only records itself)


def test_the_other_league_sees_its_own(api_client, tree, people, other_side):
    api_client.force_authenticate(people["organizer_b"])
    assert api_client.get(f"/api/v1/users/{people['trainee_b'].pk}/").status_code == 200
    assert api_client.get(f"/api/v1/users/{people['trainee_a'].pk}/").status_code == 404


def test_a_trainee_sees_its_orgs_but_no_people_or_roles(api_client, tree, people):
    api_client.force_authenticate(people["trainee_a"])
    assert [o["code"] for o in api_client.get("/api/v1/orgs/").json()["results"]] == ["NM-A-1-1"]
    assert api_client.get("/api/v1/users/").json()["count"] == 0
    assert api_client.get("/api/v1/roles/").json()["count"] == 0
    assert api_client.get("/api/v1/roles/history/").json()["count"] == 0
    assert api_client.get("/api/v1/users/export/").status_code == 200
    assert read_xlsx(api_client.get("/api/v1/users/export/").content)[1:] == []
