import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import STAFF, demo_load

DEVELOPMENT_PASSWORD = "Demo-2026-pass"


class Command(BaseCommand):
    help = "Load the demo region, units and people (idempotent). Never runs under production settings."

    def handle(self, *args, **options):
        if settings.ENVIRONMENT == "production":
            raise CommandError("The demo data must not be loaded into a production database.")
        password = os.environ.get("DEMO_PASSWORD") or DEVELOPMENT_PASSWORD
        created = demo_load(password=password)
        from accounts.models import Organization, User
        from courses.demo import demo_classes, demo_library

        if demo_library(organizer=User.objects.get(username="organizer"), region=Organization.objects.get(code="NM")):
            created["library"] = 1
        if demo_classes(organizer=User.objects.get(username="organizer")):
            created["classes"] = 1
        from exams.demo import demo_exams

        if demo_exams(organizer=User.objects.get(username="organizer")):
            created["exams"] = 1
        from certificates.demo import demo_certificates

        if demo_certificates(organizer=User.objects.get(username="organizer")):
            created["certificates"] = 1
        if any(created.values()):
            self.stdout.write(
                "Created {organizations} organizations, {users} users, {roles} roles.".format(**created)
                + (" Added a demo document and a published course." if created.get("library") else "")
                + (" Added a running main class with its sessions and roster." if created.get("classes") else "")
                + (" Added a question bank, a class exam, a practice and a contest." if created.get("exams") else "")
                + (" Added a certificate template and a closed class with its certificates." if created.get("certificates") else "")
            )
        else:
            self.stdout.write("Demo data already present; nothing changed (existing users keep their passwords).")
        shown = "(from DEMO_PASSWORD)" if os.environ.get("DEMO_PASSWORD") else password
        self.stdout.write("Logins (password %s):" % shown)
        for username, name, _, org, role in STAFF:
            self.stdout.write(f"  {username:<10} {name}  {role} @ {org}")
        self.stdout.write("  trainee01 … trainee30  trainees in six townships")
