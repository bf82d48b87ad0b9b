"""The account pages, through Django's test client: sign-in, home, organization tree,
people list, roster import, role history, forced password change."""
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from accounts import services
from accounts.models import Role, RosterImport, User

from .conftest import person
from .factories import RoleFactory, UserFactory, make_org

pytestmark = pytest.mark.django_db

PASSWORD = "pass-Word-123"
ROSTER_HEADER = ("姓名", "工号", "手机", "单位编码", "角色")


@pytest.fixture(autouse=True)
def english(client, settings):
    """Assertions below read the English interface; Chinese, the default, is checked on its own."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def xlsx(rows, header=ROSTER_HEADER) -> bytes:
    """A roster workbook as the people who fill it in make it."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes, name="roster.xlsx", password="Initial-Pass-2024"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("user-import"),
        {"file": SimpleUploadedFile(name, content), "initial_password": password},
    )


def card_urls(response) -> set[str]:
    return set(re.findall(r'class="card__link" href="([^"]+)"', response.content.decode()))


def text(response) -> str:
    return response.content.decode()


# --- sign in, sign out ----------------------------------------------------------------------


def test_login_page_renders_the_form_and_the_product_name(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = text(response)
    assert 'name="username"' in html and 'name="password"' in html
    assert "Cadre Training and Examination System" in html
    assert 'name="viewport"' in html
    assert 'action="/i18n/setlang/"' in html  # the language switcher is there before signing in too


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(reverse("user-list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


def test_login_with_the_right_password_goes_home(client, people):
    response = client.post(reverse("login"), {"username": "organizer_a", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert int(client.session["_auth_user_id"]) == people["organizer_a"].pk


def test_failed_login_shows_an_error_and_does_not_sign_in(client, people):
    response = client.post(reverse("login"), {"username": "organizer_a", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert 'class="alert alert--error"' in text(response)
    assert "_auth_user_id" not in client.session


def test_five_failed_logins_show_the_locked_page(client, people):
    for _ in range(5):
        client.post(reverse("login"), {"username": "organizer_a", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "organizer_a", "password": PASSWORD})
    assert response.status_code == 429
    assert "accounts/locked.html" in [t.name for t in response.templates]
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_returns_to_the_login_page(client, people):
    client.force_login(people["organizer_a"])
    home = text(client.get(reverse("home")))
    assert f'action="{reverse("logout")}" method="post"' in home
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response.url == reverse("login")
    assert "_auth_user_id" not in client.session


# --- home -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, expected",
    [
        ("trainee_a", {"/study/", "/schedule/", "/my/exams/", "/my/mistakes/", "/my/certificates/", "/orgs/"}),
        ("organizer_a", {"/orgs/", "/users/", "/library/", "/courses/", "/classes/", "/banks/", "/exams/", "/certificate-templates/",
                         "/findings/", "/dashboard/", "/reports/"}),
        ("auditor_a", {"/orgs/", "/users/", "/library/", "/courses/", "/classes/", "/exams/", "/findings/", "/roles/history/",
                       "/dashboard/", "/reports/"}),
        ("admin_a", {"/orgs/", "/users/", "/library/", "/courses/", "/classes/", "/banks/", "/exams/", "/certificate-templates/",
                     "/findings/", "/roles/history/", "/dashboard/", "/reports/"}),
    ],
)
def test_home_shows_the_cards_of_the_users_roles(client, people, who, expected):
    client.force_login(people[who])
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert card_urls(response) == expected
    html = text(response)
    assert people[who].display_name in html  # in the header and the greeting
    role = Role.objects.get(user=people[who])
    assert str(role.get_role_display()) in html and role.organization.name in html


def test_home_of_a_user_without_roles_shows_the_empty_state(client, tree):
    nobody = UserFactory(organization=tree["town_a"])
    client.force_login(nobody)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert card_urls(response) == set()
    assert "You have no role yet" in text(response)
    assert 'class="site-nav"' not in text(response)


def test_navigation_follows_the_roles(client, people):
    client.force_login(people["organizer_a"])
    html = text(client.get(reverse("org-tree")))
    nav = html.split('class="site-nav"')[1].split("</nav>")[0]
    assert 'href="/orgs/" aria-current="page"' in nav
    assert 'href="/users/"' in nav and "/roles/history/" not in nav


# --- organization tree ----------------------------------------------------------------------


def test_org_tree_shows_only_the_organizations_in_scope_nested(client, tree, people):
    client.force_login(people["organizer_a"])
    response = client.get(reverse("org-tree"))
    assert response.status_code == 200
    html = text(response)
    for name in ("甲盟", "甲盟一旗", "甲盟一旗一镇"):
        assert name in html
    for name in ("乙市", "乙市一区", "内蒙古自治区", "自治区党校"):
        assert name not in html
    assert response.context["count"] == 3
    (root,) = response.context["roots"]
    assert root == tree["league_a"] and root.descendant_count == 2
    assert [c.code for c in root.children_list] == ["NM-A-1"]
    assert [c.code for c in root.children_list[0].children_list] == ["NM-A-1-1"]
    assert "NM-A-1-1" in html and str(tree["town_a"].get_kind_display()) in html


def test_org_tree_of_a_region_admin_shows_every_unit(client, tree, people):
    client.force_login(people["admin_region"])
    response = client.get(reverse("org-tree"))
    assert response.context["count"] == 7
    assert "乙市一区" in text(response) and "自治区党校" in text(response)


# --- people ---------------------------------------------------------------------------------


def numbers_on_page(response) -> set[str]:
    return {p.employee_number for p in response.context["page"].object_list}


def test_user_list_shows_only_people_in_scope(client, people):
    client.force_login(people["organizer_a"])
    response = client.get(reverse("user-list"))
    assert response.status_code == 200
    in_a = {people[k].employee_number for k in ("organizer_a", "auditor_a", "admin_a", "trainee_a")}
    assert numbers_on_page(response) == in_a
    html = text(response)
    for key in ("organizer_b", "trainee_b", "admin_region"):
        assert people[key].employee_number not in html
    for column in ("姓名", "工号", "手机", "单位", "角色"):
        assert f'<th scope="col">{column}</th>' in html
    assert 'data-label="姓名"' in html  # the rows turn into cards on phones
    assert reverse("user-import") in html


def test_user_list_search_by_name_number_and_phone(client, tree, people):
    UserFactory(organization=tree["banner_a"], display_name="巴特尔", employee_number="NM2024001", phone="13912345678")
    client.force_login(people["organizer_a"])
    for query in ("巴特尔", "NM2024001", "13912345678", "2024001", "  巴特尔  "):
        response = client.get(reverse("user-list"), {"search": query})
        assert numbers_on_page(response) == {"NM2024001"}, query
    response = client.get(reverse("user-list"), {"search": "nobody-like-this"})
    assert numbers_on_page(response) == set()
    assert "No one matches" in text(response)


def test_user_list_does_not_search_outside_scope(client, tree, people):
    UserFactory(organization=tree["banner_b"], display_name="乙市的人", employee_number="B-1")
    client.force_login(people["organizer_a"])
    response = client.get(reverse("user-list"), {"search": "乙市的人"})
    assert numbers_on_page(response) == set()


def test_user_list_filters_by_organization_subtree_and_passes_filters_to_the_export(client, tree, people):
    client.force_login(people["organizer_a"])
    response = client.get(reverse("user-list"), {"organization": tree["banner_a"].pk, "search": "E"})
    assert numbers_on_page(response) == {people["trainee_a"].employee_number}  # in 甲盟一旗一镇, under 甲盟一旗
    export = response.context["export_url"]
    assert export.startswith("/api/v1/users/export/?")
    assert f"organization={tree['banner_a'].pk}" in export and "search=E" in export
    assert f'href="{export.replace("&", "&amp;")}"' in text(response)
    # The export reads the same parameters the same way.
    sheet = client.get(export)
    assert sheet.status_code == 200


def test_user_list_ignores_an_organization_outside_scope(client, tree, people):
    client.force_login(people["organizer_a"])
    response = client.get(reverse("user-list"), {"organization": tree["league_b"].pk})
    assert response.status_code == 200
    assert numbers_on_page(response) == set()
    assert response.context["form"].errors


def test_user_list_filters_by_role(client, people):
    client.force_login(people["admin_a"])
    response = client.get(reverse("user-list"), {"role": Role.Kind.AUDITOR})
    assert numbers_on_page(response) == {people["auditor_a"].employee_number}


def test_user_list_paginates_fifty_a_page(client, tree, people):
    for n in range(60):
        UserFactory(organization=tree["banner_a"], employee_number=f"P{n:03d}")
    client.force_login(people["organizer_a"])
    first = client.get(reverse("user-list"), {"search": "P"})
    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].paginator.count == 60
    assert "search=P&amp;page=2" in text(first)
    second = client.get(reverse("user-list"), {"search": "P", "page": 2})
    assert len(second.context["page"].object_list) == 10


def test_user_list_is_not_for_trainees(client, people):
    client.force_login(people["trainee_a"])
    response = client.get(reverse("user-list"))
    assert response.status_code == 403
    assert "You cannot open this page" in text(response)


def test_user_list_runs_the_same_number_of_queries_for_1_and_50_people(client, tree):
    league = make_org("丙盟", "NM-C", "league_city", tree["region"])
    organizer = person(league, Role.Kind.ORGANIZER, username="organizer_c")
    client.force_login(organizer)
    client.get(reverse("user-list"))  # warm up (content types, sessions)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("user-list"))
        assert response.status_code == 200
        return len(response.context["page"].object_list), queries

    rows_one, one = count()
    for _ in range(49):
        person(league, Role.Kind.TRAINEE)
    rows_fifty, fifty = count()
    assert (rows_one, rows_fifty) == (1, 50)
    assert len(one) == len(fifty), "\n".join(q["sql"] for q in fifty.captured_queries)


def test_user_list_query_count_does_not_grow_with_roles_per_person(client, tree, people):
    client.force_login(people["admin_region"])
    client.get(reverse("user-list"))
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("user-list"))
    for org in (tree["league_a"], tree["banner_a"], tree["school"]):
        RoleFactory(user=people["trainee_b"], organization=org, role=Role.Kind.TRAINEE)
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("user-list"))
    assert len(before) == len(after)


# --- roster import --------------------------------------------------------------------------


def test_import_page_offers_the_template_and_the_form(client, people):
    client.force_login(people["organizer_a"])
    response = client.get(reverse("user-import"))
    assert response.status_code == 200
    html = text(response)
    assert "/api/v1/user-imports/template/" in html
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html
    assert "单位编码" in html


def test_import_is_not_for_auditors_or_trainees(client, people):
    for who in ("auditor_a", "trainee_a"):
        client.force_login(people[who])
        assert client.get(reverse("user-import")).status_code == 403
        assert upload(client, xlsx([("某人", "X1", "", "NM-A", "学员")])).status_code == 403
    assert RosterImport.objects.count() == 0


def test_uploading_a_file_that_is_not_excel_shows_the_error_and_saves_nothing(client, people):
    client.force_login(people["organizer_a"])
    users_before = User.objects.count()
    response = upload(client, b"this is not a workbook", name="roster.xlsx")
    assert response.status_code == 200
    html = text(response)
    assert "data-import-problem" in html
    assert "not an Excel workbook" in html
    assert "Nothing was imported." in html
    assert RosterImport.objects.count() == 0
    assert User.objects.count() == users_before


def test_uploading_a_sheet_without_required_columns_lists_them(client, people):
    client.force_login(people["organizer_a"])
    response = upload(client, xlsx([("某人", "X1")], header=("姓名", "工号")))
    assert response.status_code == 200
    problem = response.context["problem"]
    assert problem.code == "missing_columns"
    html = text(response)
    assert 'data-label="Column">单位编码</td>' in html
    assert RosterImport.objects.count() == 0


def test_the_initial_password_must_pass_the_password_validators(client, people):
    client.force_login(people["organizer_a"])
    response = upload(client, xlsx([("某人", "X1", "", "NM-A", "学员")]), password="123")
    assert response.status_code == 200
    assert response.context["form"].errors["initial_password"]
    assert RosterImport.objects.count() == 0


def test_a_file_with_a_bad_row_shows_row_and_column_and_creates_nobody(client, people):
    client.force_login(people["organizer_a"])
    users_before = User.objects.count()
    content = xlsx([("张三", "A001", "13800000001", "NM-A", "学员"), ("李四", "A002", "12345", "NM-A-1", "学员")])
    response = upload(client, content)
    job = RosterImport.objects.get()
    assert response.status_code == 302 and response.url == reverse("user-import-review", args=[job.pk])
    assert job.status == RosterImport.Status.INVALID

    page = client.get(response.url)
    html = text(page)
    assert "Nothing was imported." in html
    errors = html.split("data-import-errors")[1].split("</table>")[0]
    assert '<td data-label="Row" class="table__primary">3</td>' in errors
    assert '<td data-label="Column">手机</td>' in errors
    assert "12345" in errors
    assert "data-confirm-import" not in html
    assert User.objects.count() == users_before


def test_a_good_file_previews_then_confirm_creates_the_people(client, tree, people, django_capture_on_commit_callbacks):
    client.force_login(people["organizer_a"])
    content = xlsx(
        [
            ("张三", "A001", "13800000001", "NM-A", "学员"),
            ("李四", "A002", "", "NM-A-1", "trainee"),
            ("王五", "A003", "13800000003", "NM-A-1-1", ""),
        ]
    )
    response = upload(client, content)
    job = RosterImport.objects.get()
    assert job.status == RosterImport.Status.VALIDATED
    assert not User.objects.filter(employee_number__in=["A001", "A002", "A003"]).exists()

    review = client.get(response.url)
    html = text(review)
    preview = html.split("data-import-preview")[1].split("</table>")[0]
    for value in ("张三", "李四", "王五", "A002", "甲盟一旗"):
        assert value in preview
    assert "data-confirm-import" in html
    assert "data-import-progress" not in html

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(reverse("user-import-start", args=[job.pk]))
    assert confirmed.status_code == 302 and confirmed.url == reverse("user-import-review", args=[job.pk])
    job.refresh_from_db()
    assert job.status == RosterImport.Status.DONE and job.created_count == 3

    done = client.get(confirmed.url)
    html = text(done)
    assert 'data-created-count>3<' in html
    assert "data-import-done hidden" not in html
    assert 'href="/users/" data-user-list-link' in html
    created = User.objects.filter(employee_number__in=["A001", "A002", "A003"])
    assert created.count() == 3 and all(u.must_change_password for u in created)
    role = Role.objects.get(user__employee_number="A002")
    assert (role.role, role.organization) == (Role.Kind.TRAINEE, tree["banner_a"])

    listed = client.get(reverse("user-list"), {"search": "A00"})
    assert numbers_on_page(listed) == {"A001", "A002", "A003"}


def test_a_queued_import_polls_the_api(client, people):
    client.force_login(people["organizer_a"])
    upload(client, xlsx([("张三", "A001", "", "NM-A", "学员")]))
    job = RosterImport.objects.get()
    # Confirmed, the worker has not picked it up yet (the on-commit enqueue is not run here).
    client.post(reverse("user-import-start", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == RosterImport.Status.QUEUED
    html = text(client.get(reverse("user-import-review", args=[job.pk])))
    assert f'data-url="/api/v1/user-imports/{job.pk}/"' in html
    assert "js/roster-import.js" in html
    assert "data-import-done hidden" in html
    assert "data-confirm-import" not in html
    # Confirming twice is refused with a message, not an error page.
    again = client.post(reverse("user-import-start", args=[job.pk]), follow=True)
    assert again.status_code == 200
    assert 'class="alert alert--error"' in text(again)


def test_imports_are_visible_only_to_their_creator(client, people):
    client.force_login(people["organizer_a"])
    upload(client, xlsx([("张三", "A001", "", "NM-A", "学员")]))
    job = RosterImport.objects.get()
    client.force_login(people["admin_region"])
    assert client.get(reverse("user-import-review", args=[job.pk])).status_code == 404
    assert client.post(reverse("user-import-start", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == RosterImport.Status.VALIDATED


def test_confirm_only_accepts_post(client, people):
    client.force_login(people["organizer_a"])
    upload(client, xlsx([("张三", "A001", "", "NM-A", "学员")]))
    job = RosterImport.objects.get()
    assert client.get(reverse("user-import-start", args=[job.pk])).status_code == 405
    job.refresh_from_db()
    assert job.status == RosterImport.Status.VALIDATED


# --- role history ---------------------------------------------------------------------------


def test_role_history_shows_who_changed_what_in_scope(client, tree, people):
    admin = people["admin_a"]
    granted = services.role_grant(actor=admin, user=people["trainee_a"], organization=tree["banner_a"], role=Role.Kind.TRAINEE)
    services.role_revoke(actor=admin, role=granted)
    services.role_grant(
        actor=people["admin_region"], user=people["trainee_b"], organization=tree["banner_b"], role=Role.Kind.ORGANIZER
    )
    client.force_login(people["auditor_a"])
    response = client.get(reverse("role-history"))
    assert response.status_code == 200
    entries = list(response.context["page"].object_list)
    assert all(e.organization.path.startswith(tree["league_a"].path) for e in entries)
    assert [e.history_type for e in entries[:2]] == ["-", "+"]
    html = text(response)
    assert admin.display_name in html and people["trainee_a"].display_name in html
    assert "revoked" in html and "granted" in html
    assert people["trainee_b"].display_name not in html


def test_role_history_is_for_auditors_and_admins_only(client, people):
    client.force_login(people["organizer_a"])
    assert client.get(reverse("role-history")).status_code == 403
    client.force_login(people["admin_a"])
    assert client.get(reverse("role-history")).status_code == 200


# --- forced password change -----------------------------------------------------------------


def test_an_initial_password_must_be_changed_before_anything_else(client, tree):
    newcomer = person(tree["town_a"], Role.Kind.TRAINEE, must_change_password=True)
    response = client.post(reverse("login"), {"username": newcomer.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("password-change")
    assert "initial password" in text(response)
    assert client.get(reverse("org-tree")).url == reverse("password-change")

    wrong = client.post(
        reverse("password-change"),
        {"old_password": "not-it", "new_password1": "Grassland-Horse-77", "new_password2": "Grassland-Horse-77"},
    )
    assert wrong.status_code == 200 and wrong.context["form"].errors["old_password"]
    newcomer.refresh_from_db()
    assert newcomer.must_change_password

    weak = client.post(
        reverse("password-change"), {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
    )
    assert weak.status_code == 200 and weak.context["form"].errors["new_password2"]

    done = client.post(
        reverse("password-change"),
        {"old_password": PASSWORD, "new_password1": "Grassland-Horse-77", "new_password2": "Grassland-Horse-77"},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == reverse("home")
    assert 'class="alert alert--success"' in text(done)
    newcomer.refresh_from_db()
    assert not newcomer.must_change_password
    assert newcomer.check_password("Grassland-Horse-77")
    assert client.get(reverse("org-tree")).status_code == 200  # still signed in, free to go


# --- language -------------------------------------------------------------------------------


def test_chinese_is_the_default_and_column_names_are_chinese(client, settings, people):
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    client.force_login(people["organizer_a"])
    html = text(client.get(reverse("user-list")))
    assert '<html lang="zh-hans">' in html
    for column in ("姓名", "工号", "手机", "单位", "角色"):
        assert f'<th scope="col">{column}</th>' in html
    assert 'aria-pressed="true">简体中文' in html


def test_language_switch_keeps_the_page(client, settings, people):
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    client.force_login(people["organizer_a"])
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/orgs/"})
    assert response.status_code == 302 and response.url == "/orgs/"
    html = text(client.get("/orgs/"))
    assert '<html lang="en">' in html
    assert 'aria-pressed="true">English' in html
