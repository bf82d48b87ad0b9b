import pytest
from rest_framework.authtoken.models import Token

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def test_me_answers_401_without_credentials_with_a_json_code(api_client):
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["message"]  # a human message


def test_token_from_username_and_password_then_me(api_client, tree, people):
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "organizer_a", "password": "pass-Word-123"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(key=token).user == people["organizer_a"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api_client.get("/api/v1/me/")
    assert me.status_code == 200
    body = me.json()
    assert body["username"] == "organizer_a"
    assert [(r["role"], r["organization"]["code"]) for r in body["roles"]] == [("organizer", "NM-A")]
    assert {c["key"] for c in body["capabilities"]} >= {"view_orgs", "manage_users"}
    assert "audit_roles" not in {c["key"] for c in body["capabilities"]}


def test_wrong_password_gets_no_token_and_a_chinese_message(api_client, tree, people):
    response = api_client.post("/api/v1/auth/token/", {"username": "organizer_a", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert Token.objects.count() == 0
    assert "无法" in str(response.json())  # DRF's own zh-hans catalog: 无法使用提供的认证信息登录


def test_five_failures_lock_the_account_even_with_the_right_password(api_client, tree, people):
    for _ in range(5):
        api_client.post("/api/v1/auth/token/", {"username": "organizer_a", "password": "wrong"}, format="json")
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "organizer_a", "password": "pass-Word-123"}, format="json"
    )
    assert response.status_code == 429
    assert response.json()["code"] == "login_locked"
    assert Token.objects.count() == 0


def test_lockout_is_per_username_so_others_still_log_in(api_client, tree, people):
    for _ in range(5):
        api_client.post("/api/v1/auth/token/", {"username": "organizer_a", "password": "wrong"}, format="json")
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "organizer_b", "password": "pass-Word-123"}, format="json"
    )
    assert response.status_code == 200


def test_passwords_are_hashed_never_stored_plain(tree):
    user = UserFactory(password="plain-Text-987")
    user.refresh_from_db()
    assert "plain-Text-987" not in user.password
    assert user.check_password("plain-Text-987")


def test_password_change_clears_the_flag_and_old_tokens(api_client, tree, people):
    user = people["trainee_a"]
    user.must_change_password = True
    user.save()
    token = Token.objects.create(user=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get("/api/v1/me/").json()["must_change_password"] is True

    bad = api_client.post("/api/v1/me/password/", {"old_password": "x", "new_password": "Another-pass-55"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "wrong_password"
    weak = api_client.post(
        "/api/v1/me/password/", {"old_password": "pass-Word-123", "new_password": "123"}, format="json"
    )
    assert weak.status_code == 400 and "new_password" in weak.json()["errors"]

    ok = api_client.post(
        "/api/v1/me/password/", {"old_password": "pass-Word-123", "new_password": "Another-pass-55"}, format="json"
    )
    assert ok.status_code == 204
    user.refresh_from_db()
    assert user.must_change_password is False and user.check_password("Another-pass-55")
    assert not Token.objects.filter(key=token.key).exists()


def test_schema_and_docs_are_served_without_a_cdn(client, tree, people):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/users/" in schema.content
    client.force_login(people["organizer_a"])
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    # Every script and stylesheet is served from here: no absolute URL to another host (a random
    # CSRF token on the page may well contain the letters "cdn", so look at the addresses).
    import re

    addresses = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', html)
    assert addresses and not [a for a in addresses if a.startswith(("http:", "https:", "//"))]
    assert "//unpkg" not in html and "jsdelivr" not in html and "cdn." not in html.lower()


def test_me_runs_two_queries(api_client, tree, people, django_assert_num_queries):
    token = Token.objects.create(user=people["organizer_a"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    with django_assert_num_queries(2):  # token + user + organization; roles
        body = api_client.get("/api/v1/me/").json()
    assert body["organization"] == {"id": people["organizer_a"].organization_id, "name": "甲盟", "code": "NM-A"}


def test_an_inactive_users_token_is_refused(api_client, tree, people):
    user = people["organizer_a"]
    token = Token.objects.create(user=user)
    user.is_active = False
    user.save()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401 and response.json()["message"] == "用户未激活或者已删除。"
