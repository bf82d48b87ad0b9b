"""What a user can do here, by role: the home page's cards and `me`'s capability list."""
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import scope

# (key, roles that unlock it, title, description, url name or None while the page is not built yet)
CAPABILITIES = [
    ("my_courses", (scope.TRAINEE,), _("My courses"), _("Study the courses offered to you and follow your progress."), "my-courses"),
    ("my_schedule", (scope.TRAINEE,), _("My schedule and check-in"), _("See your classes' sessions, check in by QR code or code, follow your attendance."), "my-schedule"),
    ("my_exams", (scope.TRAINEE,), _("My exams"), _("Take exams, practice and contests on your phone or PC, and see your results."), "my-exams"),
    ("my_mistakes", (scope.TRAINEE,), _("Wrong-answer book"), _("Go over the questions you got wrong and practise them until you master them."), "my-mistakes"),
    ("my_certificates", (scope.TRAINEE,), _("My certificates"), _("Download your completion certificates and ask for a year's hour transcript."), "my-certificates"),
    ("run_classes", scope.MANAGER_ROLES, _("Training classes"), _("Open classes, schedule sessions, import rosters, take attendance by QR code, check the rules."), "class-index"),
    ("review_classes", (scope.AUDITOR,), _("Training classes"), _("See the classes of the units you check, their attendance and whether they keep the rules."), "class-index"),
    ("view_orgs", scope.ALL_ROLES, _("Organization tree"), _("See the units you belong to and those under them."), "org-tree"),
    ("manage_users", scope.MANAGER_ROLES, _("People and rosters"), _("List people, import a roster from Excel, export it."), "user-list"),
    ("review_users", (scope.AUDITOR,), _("People and rosters"), _("See who is registered in the units you check."), "user-list"),
    ("library", scope.MANAGER_ROLES, _("Theory library"), _("Import theory documents, browse their sections and key terms, search the texts."), "library"),
    ("review_library", (scope.AUDITOR,), _("Theory library"), _("Browse and search the theory documents of the units you check."), "library"),
    ("build_courses", scope.MANAGER_ROLES, _("Courses"), _("Build course modules from sections, set class hours and topics, publish them."), "course-index"),
    ("review_courses", (scope.AUDITOR,), _("Courses"), _("See the course modules of the units you check."), "course-index"),
    ("question_banks", scope.MANAGER_ROLES, _("Question banks"), _("Keep question banks, import questions from Excel, GIFT or Aiken, correct keys."), "bank-index"),
    ("run_exams", scope.MANAGER_ROLES, _("Exams"), _("Set exams, practice and contests, grade open answers, see the statistics."), "exam-index"),
    ("certificates", scope.MANAGER_ROLES, _("Certificate templates"), _("Set the title, wording and seal of certificates; issue them from a class's page."), "certificate-template-index"),
    ("review_exams", (scope.AUDITOR,), _("Exams"), _("See the exams of the units you check, their results and statistics."), "exam-index"),
    ("dashboard", scope.STAFF_ROLES, _("Dashboard"), _("Each unit's classes, people trained, class hours and compliance for the year; drill down the tree."), "report-dashboard"),
    ("reports", scope.STAFF_ROLES, _("Reports"), _("Compliance, training statistics, class completion and rotation coverage, on the page, as PDF and as Excel."), "reports"),
    ("findings", (scope.AUDITOR, scope.ADMIN), _("Rectification ledger"), _("File findings against the units you check, follow their rectification, export the ledger."), "ledger"),
    ("answer_findings", (scope.ORGANIZER,), _("Rectification ledger"), _("Answer the findings filed against your units: record measures and evidence, submit them for review."), "ledger"),
    ("audit_roles", (scope.AUDITOR, scope.ADMIN), _("Role history"), _("Who granted or revoked which role, and when."), "role-history"),
    ("admin_site", (scope.ADMIN,), _("System administration"), _("Django admin for system administrators."), "admin:index"),
]


def capabilities_for(user) -> list[dict]:
    result, seen_urls = [], set()
    for key, roles, title, description, url_name in CAPABILITIES:
        if not scope.has_any_role(user, roles):
            continue
        if key == "admin_site" and not user.is_superuser:
            continue
        url = reverse(url_name) if url_name else None
        if url in seen_urls:
            continue
        seen_urls.add(url)
        result.append({"key": key, "title": str(title), "description": str(description), "url": url})
    return result
