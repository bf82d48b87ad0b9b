"""The library and online study in a real browser (Debian's chromium through Playwright).

An organizer imports seed 004 (the 2023 work plan of the region's ethnic affairs commission),
checks the preview tree, saves it, builds a course from two sections and publishes it. A trainee
in a township under the organizer's league then studies it on a 375-px phone: the reading
view reports time through study.js, and the progress grows while the page is in front and
stops when it is hidden.

Screenshots go to /tmp/library-*.png for a person to look at."""
import re
from pathlib import Path

import pytest

from accounts.models import Role
from accounts.tests.conftest import person
from courses.models import Course, Document, StudyProgress

pytestmark = pytest.mark.browser

PASSWORD = "pass-Word-123"  # accounts.tests.factories.UserFactory's
SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seeds" / "004_fde7d9d9be9d0b68.txt"


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def no_sideways_scroll(page, width=375):
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width}px wide"


def credited(page) -> int:
    return int(page.get_attribute("[data-study]", "data-credited"))


def test_an_organizer_builds_a_course_from_a_seed_and_a_trainee_studies_it_on_a_phone(
    live_server, tree, people, browser_page, settings
):
    settings.STUDY_HEARTBEAT_SECONDS = 1  # the page beats every second instead of every 15
    base = live_server.url
    page = browser_page()

    # The organizer opens the library from the navigation: empty, with an invitation to import.
    sign_in(page, base, "organizer_a")
    page.click(".site-nav a[href='/library/']")
    page.wait_for_url(f"{base}/library/")
    assert page.locator(".empty").is_visible()
    page.screenshot(path="/tmp/library-desktop-empty.png", full_page=True)

    # Upload the seed: the preview shows the tree, nothing is in the library yet.
    page.click("[data-import-link]")
    page.wait_for_url(f"{base}/library/import/")
    page.set_input_files("#id_file", files=[{"name": SEED.name, "mimeType": "text/plain", "buffer": SEED.read_bytes()}])
    page.select_option("#id_organization", str(tree["league_a"].pk))
    page.click("[data-upload-form] button[type=submit]")
    page.wait_for_url(re.compile(r".*/library/import/\d+/$"))
    preview = page.inner_text("[data-preview-tree]")
    for heading in ("一、深入学习宣传贯彻党的二十大精神", "六、不断加强党对民族工作的全面领导"):
        assert heading in preview.replace("\n", "").replace(" ", "")
    assert page.locator("[data-preview-tree] li[data-level='1']").count() == 6
    assert page.locator("[data-preview-tree] li[data-level='2']").count() >= 16
    assert page.input_value("#id_title") == "内蒙古自治区民委2023年工作计划"
    assert Document.objects.count() == 0
    page.screenshot(path="/tmp/library-desktop-preview.png", full_page=True)

    page.fill("#id_issuer", "内蒙古自治区民委")
    page.fill("#id_issued_on", "2023-02-01")
    page.click("[data-save-import]")
    page.wait_for_url(re.compile(r".*/library/\d+/$"))
    document = Document.objects.get()
    assert (document.title, document.issuer, str(document.issued_on)) == ("内蒙古自治区民委2023年工作计划", "内蒙古自治区民委", "2023-02-01")
    assert page.locator("[data-section-tree] > li").count() == document.current_version.sections.count()
    page.screenshot(path="/tmp/library-desktop-document.png", full_page=True)

    # Search the library: the hits are highlighted.
    page.fill("[data-text-search] input[name=q]", "交往交流交融")
    page.click("[data-text-search] button[type=submit]")
    page.wait_for_url(re.compile(r".*/library/search/\?q="))
    assert page.locator("[data-search-results] mark").first.inner_text() == "交往交流交融"
    page.screenshot(path="/tmp/library-desktop-search.png", full_page=True)

    # Build a course from two sections of the document, then publish it.
    page.go_back()
    page.click("[data-build-course]")
    page.wait_for_url(re.compile(r".*/courses/new/\?document=\d+"))
    boxes = page.locator("input[name=sections][data-level='2']")
    boxes.nth(0).check()
    boxes.nth(1).check()
    assert "2" in page.inner_text("[data-pick-count]")
    page.fill("#id_title", "民族工作重点任务学习")
    page.fill("#id_hours", "1.5")  # 67.5 minutes: refused with the reason
    page.fill("#id_topics", "铸牢中华民族共同体意识、民族团结进步")
    page.screenshot(path="/tmp/library-desktop-builder.png", full_page=True)
    page.click("[data-create-course]")
    page.wait_for_load_state()
    assert "67.5" in page.inner_text(".field--error")
    assert Course.objects.count() == 0
    assert page.locator("input[name=sections]:checked").count() == 2  # the ticks survive the error
    page.fill("#id_hours", "2")
    page.click("[data-create-course]")
    page.wait_for_url(re.compile(r".*/courses/\d+/$"))
    course = Course.objects.get()
    assert (course.minutes, course.items.count(), course.status) == (90, 2, Course.Status.DRAFT)
    page.click("[data-publish]")
    page.wait_for_load_state()
    course.refresh_from_db()
    assert course.status == Course.Status.PUBLISHED
    assert page.locator("[data-publish]").count() == 0
    page.screenshot(path="/tmp/library-desktop-course.png", full_page=True)

    # A trainee of a township under the league, on a phone.
    person(tree["town_a"], Role.Kind.TRAINEE, username="reader")
    phone = browser_page(width=375, height=800, mobile=True)
    sign_in(phone, base, "reader")
    no_sideways_scroll(phone)
    phone.click(".card__link[href='/study/']")
    phone.wait_for_url(f"{base}/study/")
    no_sideways_scroll(phone)
    assert "民族工作重点任务学习" in phone.inner_text("[data-my-courses]")
    phone.screenshot(path="/tmp/library-phone-my-courses.png", full_page=True)

    phone.click("[data-my-courses] a")
    phone.wait_for_url(re.compile(r".*/courses/\d+/$"))
    no_sideways_scroll(phone)
    phone.screenshot(path="/tmp/library-phone-course.png", full_page=True)
    start = phone.locator("[data-start-study]")
    assert start.bounding_box()["height"] >= 40
    start.click()
    phone.wait_for_url(re.compile(r".*/study/\d+/$"))
    no_sideways_scroll(phone)

    # Readable: at least 16 px, generous line height; big enough buttons.
    size, line = phone.evaluate(
        "(() => { const s = getComputedStyle(document.querySelector('[data-reading] p'));"
        " return [parseFloat(s.fontSize), parseFloat(s.lineHeight)]; })()"
    )
    assert size >= 16 and line >= 1.6 * size
    assert phone.locator("[data-study-next]").bounding_box()["height"] >= 40

    # Reading with the page in front: the credited time grows, on the page and on the server.
    phone.mouse.move(100, 300)
    phone.wait_for_function("Number(document.querySelector('[data-study]').dataset.credited) >= 2", timeout=15_000)
    phone.mouse.wheel(0, 200)
    assert phone.inner_text("[data-study-credited]") != "0:00"
    item = course.items.order_by("position").first()
    assert StudyProgress.objects.get(item=item).credited_seconds >= 2
    no_sideways_scroll(phone)
    phone.screenshot(path="/tmp/library-phone-study.png", full_page=True)
    phone.evaluate("window.scrollTo(0, 600)")  # the progress bar stays in view while reading
    phone.wait_for_timeout(200)
    bar = phone.locator("[data-study]").bounding_box()
    assert bar["y"] >= -1 and bar["height"] <= 120  # sticky, and small enough to read under
    phone.screenshot(path="/tmp/library-phone-study-scrolled.png")

    # Hidden (another app in front): a beat says so at once and the clock stops.
    phone.evaluate(
        "Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});"
        "document.dispatchEvent(new Event('visibilitychange'));"
    )
    phone.wait_for_timeout(500)
    before = StudyProgress.objects.get(item=item).credited_seconds
    phone.wait_for_timeout(2500)
    assert StudyProgress.objects.get(item=item).credited_seconds == before

    # The next section, then back to the course: its progress is shown.
    phone.click("[data-study-next]")
    phone.wait_for_url(re.compile(r".*/study/\d+/$"))
    assert phone.locator("[data-study-prev]").is_visible()
    no_sideways_scroll(phone)
    phone.click("[data-study-back]")
    phone.wait_for_url(re.compile(r".*/courses/\d+/$"))
    first_row = phone.locator("[data-course-items] li").first.inner_text()
    assert "0:00 /" not in first_row
    no_sideways_scroll(phone)
    phone.screenshot(path="/tmp/library-phone-course-after.png", full_page=True)


def test_the_library_pages_fit_a_phone(live_server, tree, people, browser_page):
    """The organizer's pages on a 375-px phone: import form, preview, document, builder."""
    base = live_server.url
    page = browser_page(width=375, height=800, mobile=True)
    sign_in(page, base, "organizer_a")
    page.goto(f"{base}/library/import/")
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/library-phone-import.png", full_page=True)

    # An unreadable file: the reason is on the form and nothing is saved.
    page.set_input_files("#id_file", files=[{"name": "扫描件.docx", "mimeType": "application/octet-stream", "buffer": b"not a docx"}])
    page.click("[data-upload-form] button[type=submit]")
    page.wait_for_selector("[data-import-problem]")
    no_sideways_scroll(page)
    assert Document.objects.count() == 0
    page.screenshot(path="/tmp/library-phone-import-error.png", full_page=True)

    page.set_input_files("#id_file", files=[{"name": SEED.name, "mimeType": "text/plain", "buffer": SEED.read_bytes()}])
    page.click("[data-upload-form] button[type=submit]")
    page.wait_for_url(re.compile(r".*/library/import/\d+/$"))
    no_sideways_scroll(page)
    save = page.locator("[data-save-import]").bounding_box()
    assert save["height"] >= 40 and save["width"] <= 375
    page.screenshot(path="/tmp/library-phone-preview.png", full_page=True)
    page.click("[data-save-import]")
    page.wait_for_url(re.compile(r".*/library/\d+/$"))
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/library-phone-document.png", full_page=True)

    page.click("[data-build-course]")
    page.wait_for_url(re.compile(r".*/courses/new/.*"))
    no_sideways_scroll(page)
    # Ticking a heading ticks the sections under it.
    page.locator("input[name=sections][data-level='1']").first.check()
    assert page.locator("input[name=sections]:checked").count() >= 2
    checkbox = page.locator("label.pick").first.bounding_box()
    assert checkbox["height"] >= 40
    page.screenshot(path="/tmp/library-phone-builder.png", full_page=True)

    page.goto(f"{base}/library/")
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/library-phone-list.png", full_page=True)


def test_an_idle_reader_is_paused_until_they_scroll_again(live_server, tree, people, library, browser_page, settings):
    from courses import services

    settings.STUDY_HEARTBEAT_SECONDS = 1
    settings.STUDY_IDLE_SECONDS = 2  # idle after 2 s without input instead of a minute
    course = services.course_create(
        actor=people["organizer_a"], organization=tree["league_a"], title="交往交流交融专题", minutes=45,
        sections=list(library["a"].current_version.sections.order_by("position")),
    )
    services.course_publish(actor=people["organizer_a"], course=course)
    item = course.items.order_by("position").first()
    base = live_server.url
    phone = browser_page(width=375, height=800, mobile=True)
    sign_in(phone, base, "trainee_a")
    phone.goto(f"{base}/study/{item.pk}/")
    no_sideways_scroll(phone)

    # No input at all: after two seconds the page says it is paused, and no more time is credited.
    phone.wait_for_selector("[data-study-paused]", state="visible", timeout=10_000)
    phone.wait_for_timeout(500)
    before = StudyProgress.objects.get(item=item).credited_seconds
    phone.wait_for_timeout(2500)
    assert StudyProgress.objects.get(item=item).credited_seconds == before
    phone.screenshot(path="/tmp/library-phone-study-paused.png")

    # Touching the page again resumes the clock.
    for _ in range(6):
        phone.mouse.move(50, 400)
        phone.mouse.move(60, 420)
        phone.wait_for_timeout(500)
    assert phone.locator("[data-study-paused]").is_hidden()
    assert StudyProgress.objects.get(item=item).credited_seconds > before


def test_a_large_file_read_in_the_background_shows_its_preview_by_itself(live_server, tree, people, browser_page):
    """The review page of an import still being read polls the API and shows the preview when
    the worker is done, with no reload by hand; a failed read shows its reason the same way."""
    from courses import services
    from courses.models import DocumentImport

    def pending(name, content):
        # What the upload leaves for a Celery worker: an import not read yet.
        return DocumentImport.objects.create(organization=tree["league_a"], created_by=people["organizer_a"],
                                             file_name=name, content=content)

    base = live_server.url
    page = browser_page(width=375, height=800, mobile=True)
    sign_in(page, base, "organizer_a")
    job = pending(SEED.name, SEED.read_bytes())
    page.goto(f"{base}/library/import/{job.pk}/")
    assert page.locator("[data-import-progress]").is_visible()
    # A poll or two while still pending: the page keeps waiting, without reloading (a reload
    # would look the same, so a mark on the window tells).
    page.evaluate("window.stillThisPage = true")
    page.wait_for_timeout(2500)
    assert page.evaluate("window.stillThisPage === true")

    services.document_import_parse(import_id=job.pk)  # the worker finishes
    page.wait_for_selector("[data-save-import]", timeout=10_000)
    assert page.locator("[data-preview-tree] li[data-level='1']").count() == 6
    no_sideways_scroll(page)

    broken = pending("扫描件.pdf", b"%PDF-1.4 not really a pdf")
    page.goto(f"{base}/library/import/{broken.pk}/")
    services.document_import_parse(import_id=broken.pk)
    page.wait_for_selector("[data-import-failed]", timeout=10_000)
    assert "PDF" in page.inner_text("[data-import-failed]")
