"""What the certificates services share: the placeholders, the verification URL, serial numbers
(handed out from a locked counter row) and codes, dates as printed."""
import re
import secrets
from datetime import date

from django.conf import settings
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import Organization
from backend.errors import ApplicationError

from ..models import CertificateTemplate, SerialCounter

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError("invalid", message, errors={field: [message]})


def _seal_bytes(template: CertificateTemplate) -> bytes | None:
    if not template.seal:
        return None
    with template.seal.open("rb") as handle:
        return handle.read()


def fill(body: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), body)


def verify_url(code: str) -> str:
    return f"{settings.CERTIFICATES_PUBLIC_BASE_URL.rstrip('/')}/verify/{code}/"


def _allocate(organization: Organization, year: int, kind: str, count: int) -> int:
    """Hand out `count` consecutive serial numbers; returns the first. Call inside a transaction:
    the counter row stays locked until it commits, and a rollback gives the numbers back."""
    SerialCounter.objects.bulk_create([SerialCounter(organization=organization, year=year, kind=kind)], ignore_conflicts=True)
    counter = SerialCounter.objects.select_for_update().get(organization=organization, year=year, kind=kind)
    SerialCounter.objects.filter(pk=counter.pk).update(last=F("last") + count)
    return counter.last + 1


def serial_text(organization: Organization, year: int, number: int, kind: str = SerialCounter.Kind.CERTIFICATE) -> str:
    prefix = "T" if kind == SerialCounter.Kind.TRANSCRIPT else ""
    return f"{organization.code}-{year}-{prefix}{number:06d}"


def new_code() -> str:
    return secrets.token_urlsafe(16)  # 128 random bits: 22 characters, a smaller QR code (version 4)


def date_text(value: date) -> str:
    return _("%(y)d-%(m)02d-%(d)02d") % {"y": value.year, "m": value.month, "d": value.day}
