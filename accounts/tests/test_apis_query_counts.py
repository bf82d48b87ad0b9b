"""Every list endpoint runs the same number of queries for 1 row as for 50."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Organization, Role
from accounts.roster import roster_import_create

from .factories import RoleFactory, UserFactory, make_org
from .helpers import xlsx

pytestmark = pytest.mark.django_db


def count_queries(api_client, user, url):
    # A fresh user object, as every real request has (scope is cached per user object).
    api_client.force_authenticate(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as ctx:
        response = api_client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(ctx), response, [q["sql"] for q in ctx.captured_queries]


def add_orgs(parent, n, start):
    for i in range(start, start + n):
        make_org(f"镇{i}", f"T-{i}", Organization.Kind.TOWNSHIP, parent)


def add_people(org, n):
    for _ in range(n):
        user = UserFactory(organization=org)
        RoleFactory(user=user, organization=org, role=Role.Kind.TRAINEE)
        RoleFactory(user=user, organization=Organization.objects.get_parent(org) or org, role=Role.Kind.AUDITOR)


def add_imports(actor, n):
    for _ in range(n):
        roster_import_create(actor=actor, file_name="r.xlsx", content=xlsx([["甲", "X1", "", "NM-A-1", "学员"]]),
                             initial_password="Initial-pass-2026")


def grow_history(actor, org, n):
    for _ in range(n):
        RoleFactory(user=UserFactory(organization=org), organization=org, role=Role.Kind.TRAINEE)


GROWERS = {
    "/api/v1/orgs/": lambda t, p, n: add_orgs(t["banner_a"], n, 1000 + n),
    "/api/v1/users/": lambda t, p, n: add_people(t["banner_a"], n),
    "/api/v1/roles/": lambda t, p, n: add_people(t["banner_a"], n),
    "/api/v1/roles/history/": lambda t, p, n: grow_history(p["admin_a"], t["banner_a"], n),
    "/api/v1/user-imports/": lambda t, p, n: add_imports(p["admin_a"], n),
    "/api/v1/users/export/": lambda t, p, n: add_people(t["banner_a"], n),
}


@pytest.mark.parametrize("url", list(GROWERS))
def test_queries_do_not_grow_with_rows(api_client, tree, people, url):
    page = url + ("?page_size=100" if "export" not in url else "")
    GROWERS[url](tree, people, 1)
    few, small, _ = count_queries(api_client, people["admin_a"], page)
    GROWERS[url](tree, people, 49)
    many, large, sql = count_queries(api_client, people["admin_a"], page)
    if "export" not in url:
        assert large.json()["count"] >= small.json()["count"] + 49
    assert many == few, "\n".join(sql)
