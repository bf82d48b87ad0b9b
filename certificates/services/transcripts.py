"""Hour transcripts (学时证明): a trainee's closed classes of a year, signed off by their organization."""
import hashlib
import secrets
from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.errors import ApplicationError

from .. import rendering, selectors
from ..models import SerialCounter, Transcript
from .common import _allocate, _invalid, new_code, serial_text, verify_url

def transcript_issue(*, actor, user, year: int) -> Transcript:
    """An hour transcript of the closed classes a trainee attended in a year, signed off by the
    trainee's organization. The trainee asks for their own; staff of their organization for them."""
    if actor.pk != user.pk:
        selectors.require_person_staff(actor, user)
    rows = selectors.transcript_rows(user=user, year=year)
    if not rows:
        raise ApplicationError("empty", _("No closed class in %(year)d has hours for this trainee.") % {"year": year})
    missing = rendering.missing_glyphs(user.display_name + "".join(r["title"] + r["host"] for r in rows))
    if missing:
        raise ApplicationError("font", _("The certificate font cannot draw: %(chars)s.") % {"chars": " ".join(missing)})
    organization = user.organization
    with transaction.atomic():
        now = timezone.now()
        number = _allocate(organization, year, SerialCounter.Kind.TRANSCRIPT, 1)
        transcript = Transcript.objects.create(
            organization=organization, user=user, serial=serial_text(organization, year, number, SerialCounter.Kind.TRANSCRIPT),
            code=new_code(), name=user.display_name, issuer=organization.name, issued_at=now, issued_by=actor, year=year, rows=rows,
            attended_centi_hours=sum(r["attended"] for r in rows), topic_centi_hours=sum(r["topic"] for r in rows),
        )
        content = rendering.render_transcript(rendering.TranscriptDocument(
            name=transcript.name, year=year, issuer=transcript.issuer, issued_on=timezone.localdate(now), serial=transcript.serial,
            verify_url=verify_url(transcript.code),
            rows=tuple(rendering.TranscriptRow(
                title=r["title"], host=r["host"], starts_on=date.fromisoformat(r["starts_on"]), ends_on=date.fromisoformat(r["ends_on"]),
                attended_centi_hours=r["attended"], topic_centi_hours=r["topic"]) for r in rows),
            pdf_title=_("Hour transcript %(year)d: %(name)s") % {"year": year, "name": transcript.name}, pdf_author=transcript.issuer,
        ))
        transcript.sha256 = hashlib.sha256(content).hexdigest()
        transcript.pdf.save(f"{transcript.serial}-{secrets.token_hex(6)}.pdf", ContentFile(content), save=False)
        Transcript.objects.filter(pk=transcript.pk).update(pdf=transcript.pdf.name, sha256=transcript.sha256)
    return transcript


@transaction.atomic
def transcript_revoke(*, actor, transcript: Transcript, reason: str) -> Transcript:
    selectors.require_person_staff(actor, transcript.user)
    if not (reason or "").strip():
        raise _invalid("reason", _("Give the reason for revoking the transcript."))
    locked = Transcript.objects.select_for_update().get(pk=transcript.pk)
    if locked.status == Transcript.Status.REVOKED:
        raise ApplicationError("status_invalid", _("This transcript is revoked already."))
    locked.status, locked.revoked_at, locked.revoked_by, locked.revoke_reason = Transcript.Status.REVOKED, timezone.now(), actor, reason.strip()[:500]
    locked._history_user = actor
    locked.save(update_fields=["status", "revoked_at", "revoked_by", "revoke_reason"])
    return locked
