"""An organizer imports a roster in a real browser (Debian's chromium through Playwright):
a file with a bad row is refused with the row and column named, a good file is previewed,
confirmed and lands in the people list. Also on a 375-px phone, without sideways scrolling.

Screenshots go to /tmp/roster-*.png for a person to look at."""
import re

import pytest
from django.utils import translation

from accounts import roster
from accounts.models import RosterImport, User

from .test_pages_accounts import PASSWORD, xlsx

pytestmark = pytest.mark.browser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GOOD_ROWS = [
    ("其木格", "NM-A-2001", "13800002001", "NM-A", "学员"),
    ("巴特尔", "NM-A-2002", "13800002002", "NM-A-1", "学员"),
    ("乌云娜", "NM-A-2003", "", "NM-A-1-1", ""),
]
BAD_ROWS = [
    ("其木格", "NM-A-2001", "13800002001", "NM-A", "学员"),
    ("巴特尔", "NM-A-2002", "1380000", "NM-A-1", "学员"),  # row 3: a phone number too short
]


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def upload(page, name, content, password="Initial-Pass-2024"):
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": XLSX, "buffer": content}])
    page.fill("#id_initial_password", password)
    page.click("form[enctype] button[type=submit]")
    page.wait_for_url(re.compile(r".*/users/import/\d+/$"))


def no_sideways_scroll(page, width=375):
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width}px wide"


def test_organizer_imports_a_roster(live_server, people, browser_page):
    page = browser_page()
    base = live_server.url
    users_before = User.objects.count()

    # Signs in through the login page; the interface is Chinese by default.
    sign_in(page, base, "organizer_a")
    assert page.get_attribute("html", "lang") == "zh-hans"
    assert people["organizer_a"].display_name in page.inner_text(".site-account__name")

    # Opens the people list from the navigation, then the roster import.
    page.click(".site-nav a[href='/users/']")
    page.wait_for_url(f"{base}/users/")
    headers = page.locator("[data-user-table] thead th").all_inner_texts()
    assert headers == ["姓名", "工号", "手机", "单位", "角色"]
    page.screenshot(path="/tmp/roster-desktop-users-before.png", full_page=True)
    page.click(".page-head__actions a[href='/users/import/']")
    page.wait_for_url(f"{base}/users/import/")
    page.screenshot(path="/tmp/roster-desktop-upload.png", full_page=True)
    assert page.locator("a[href='/api/v1/user-imports/template/']").is_visible()

    # A file with a bad row: the row and the column are named, and nobody is created.
    upload(page, "名单-有错.xlsx", xlsx(BAD_ROWS))
    assert page.locator("[data-import-invalid]").is_visible()
    cells = page.locator("[data-import-errors] tbody tr").first.locator("td").all_inner_texts()
    assert cells[:2] == ["3", "手机"] and "1380000" in cells[2]
    assert page.locator("[data-confirm-import]").count() == 0
    assert User.objects.count() == users_before
    page.screenshot(path="/tmp/roster-desktop-errors.png", full_page=True)

    # A good file: the preview shows who would be created; confirming creates them.
    page.click("a.btn[href='/users/import/']")
    upload(page, "名单.xlsx", xlsx(GOOD_ROWS))
    preview = page.inner_text("[data-import-preview]")
    for name, number, *_ in GOOD_ROWS:
        assert name in preview and number in preview
    assert User.objects.count() == users_before
    page.screenshot(path="/tmp/roster-desktop-preview.png", full_page=True)
    page.click("[data-confirm-import]")
    page.wait_for_selector("[data-import-done]", state="visible")
    assert page.inner_text("[data-created-count]") == "3"
    with translation.override("zh-hans"):
        assert page.inner_text("[data-status-label]") == str(RosterImport.Status.DONE.label)
    page.screenshot(path="/tmp/roster-desktop-done.png", full_page=True)

    # The people list shows them.
    page.click("[data-user-list-link]")
    page.wait_for_url(f"{base}/users/")
    table = page.inner_text("[data-user-table]")
    for name, number, *_ in GOOD_ROWS:
        assert name in table and number in table
    page.fill("#id_search", "巴特尔")
    page.click(".filters button[type=submit]")
    page.wait_for_url(re.compile(r".*/users/\?.*search="))
    assert page.locator("[data-user-table] tbody tr").count() == 1
    assert User.objects.count() == users_before + 3
    page.screenshot(path="/tmp/roster-desktop-users-search.png", full_page=True)

    page.click(".site-nav a[href='/orgs/']")
    page.wait_for_url(f"{base}/orgs/")
    assert "甲盟一旗一镇" in page.inner_text("[data-tree]") and "乙市" not in page.inner_text("main")
    page.screenshot(path="/tmp/roster-desktop-orgs.png", full_page=True)


def test_roster_import_on_a_phone(live_server, tree, people, browser_page, monkeypatch):
    from accounts.tasks import roster_import_apply_task

    # No worker picks the job up until the test says so: the page must poll for the result.
    monkeypatch.setattr(roster_import_apply_task, "delay", lambda *args, **kwargs: None)
    page = browser_page(width=375, height=800, mobile=True)
    base = live_server.url

    page.goto(f"{base}/accounts/login/")
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/roster-phone-login.png", full_page=True)
    sign_in(page, base, "organizer_a")
    no_sideways_scroll(page)

    # The navigation folds behind the menu button.
    assert not page.locator(".site-nav").is_visible()
    page.click(".menu-toggle")
    assert page.locator(".site-nav a[href='/users/']").is_visible()
    tap = page.locator(".site-nav a[href='/users/']").bounding_box()
    assert tap["height"] >= 40
    page.screenshot(path="/tmp/roster-phone-home-menu.png", full_page=True)

    page.goto(f"{base}/orgs/")
    no_sideways_scroll(page)
    assert "甲盟一旗一镇" in page.inner_text("[data-tree]")
    assert "乙市" not in page.inner_text("main")

    page.goto(f"{base}/users/import/")
    no_sideways_scroll(page)
    long_name = "2024年度全旗干部教育培训学员名单（第一批）最终确认版本-请勿外传.xlsx"
    upload(page, long_name, xlsx(BAD_ROWS))
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/roster-phone-errors.png", full_page=True)

    page.goto(f"{base}/users/import/")
    upload(page, long_name, xlsx(GOOD_ROWS))
    no_sideways_scroll(page)
    confirm = page.locator("[data-confirm-import]").bounding_box()
    assert confirm["height"] >= 40 and confirm["width"] <= 375
    page.screenshot(path="/tmp/roster-phone-preview.png", full_page=True)

    page.click("[data-confirm-import]")
    page.wait_for_selector("[data-import-progress]", state="visible")
    job = RosterImport.objects.get(status=RosterImport.Status.QUEUED)
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/roster-phone-queued.png", full_page=True)
    page.wait_for_timeout(1500)  # the page has asked at least once and is still waiting
    assert page.locator("[data-import-done]").is_hidden()

    roster.roster_import_apply(import_id=job.pk)  # the worker runs it
    page.wait_for_selector("[data-import-done]", state="visible")
    assert page.inner_text("[data-created-count]") == "3"
    assert page.locator("[data-import-progress]").is_hidden()
    with translation.override("zh-hans"):
        assert page.inner_text("[data-status-label]") == str(RosterImport.Status.DONE.label)
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/roster-phone-done.png", full_page=True)

    page.click("[data-user-list-link]")
    page.wait_for_url(f"{base}/users/")
    no_sideways_scroll(page)
    rows = page.inner_text("[data-user-table]")
    assert "乌云娜" in rows and "NM-A-2003" in rows
    page.screenshot(path="/tmp/roster-phone-users.png", full_page=True)

    # Switching to English keeps the page; the data column names stay Chinese.
    page.click(".menu-toggle")
    page.click(".lang-switch button[value='en']")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert page.url == f"{base}/users/"
    assert page.locator("[data-user-table] thead th").first.text_content() == "姓名"
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/roster-phone-users-en.png", full_page=True)


def test_the_other_account_pages_fit_a_phone(live_server, tree, people, browser_page):
    from accounts import services
    from accounts.models import Role

    from .conftest import person

    services.role_grant(
        actor=people["admin_region"], user=people["trainee_a"], organization=tree["banner_a"], role=Role.Kind.TRAINEE
    )
    newcomer = person(tree["town_a"], Role.Kind.TRAINEE, username="newcomer", must_change_password=True)
    base = live_server.url
    page = browser_page(width=375, height=800, mobile=True)

    # The region administrator: the whole tree and the role history.
    sign_in(page, base, "admin_region")
    page.goto(f"{base}/orgs/")
    no_sideways_scroll(page)
    assert page.locator("[data-tree] details").count() == 4  # the region, both leagues and 甲盟一旗 have units under them
    page.click("[data-tree-collapse]")
    assert not page.locator("text=甲盟一旗一镇").is_visible()
    page.click("[data-tree-expand]")
    assert page.locator("text=甲盟一旗一镇").is_visible()
    page.screenshot(path="/tmp/roster-phone-orgs.png", full_page=True)
    page.goto(f"{base}/roles/history/")
    no_sideways_scroll(page)
    assert people["trainee_a"].display_name in page.inner_text("main")
    page.screenshot(path="/tmp/roster-phone-role-history.png", full_page=True)
    page.click(".menu-toggle")
    page.click(".site-account__logout")
    page.wait_for_url(re.compile(r".*/accounts/login/"))

    # A trainee is told kindly that the people list is not for them.
    sign_in(page, base, "trainee_a")
    response = page.goto(f"{base}/users/")
    assert response.status == 403
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/roster-phone-403.png", full_page=True)
    page.click(".menu-toggle")
    page.click(".site-account__logout")
    page.wait_for_url(re.compile(r".*/accounts/login/"))

    # Someone with an initial password changes it first.
    page.fill("#id_username", "newcomer")
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{base}/accounts/password/")
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/roster-phone-password.png", full_page=True)
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", "Grassland-Horse-77")
    page.fill("#id_new_password2", "Grassland-Horse-77")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert page.locator(".alert--success").is_visible()
    newcomer.refresh_from_db()
    assert not newcomer.must_change_password
