"""Certificate templates (checked when saved, previewed with a sample) and a class's criteria."""
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization

from .. import rendering, selectors
from ..models import PLACEHOLDERS, CertificateTemplate, IssuingCriteria
from .common import PLACEHOLDER, _invalid, _seal_bytes, fill, verify_url

SAMPLE = {
    "name": "欧阳明", "class": "示例培训班", "starts_on": "2026年3月2日", "ends_on": "2026年3月6日", "hours": "40",
    "score": "92", "issuer": "示例组织部", "date": "2026年3月6日",
}



def _check_template(*, title: str, body: str, issuer_line: str, seal: bytes | None) -> None:
    """Everything a certificate could fail on is refused here, when the template is saved."""
    for field, value, label in (("title", title, _("title")), ("body", body, _("body")), ("issuer_line", issuer_line, _("issuer line"))):
        if not value.strip():
            raise _invalid(field, _("The %(field)s is required.") % {"field": label})
    stripped = PLACEHOLDER.sub("", body)
    if "{" in stripped or "}" in stripped:
        raise _invalid("body", _("A brace in the body is not part of a placeholder: write placeholders as {name}."))
    unknown = [name for name in PLACEHOLDER.findall(body) if name not in PLACEHOLDERS]
    if unknown:
        raise _invalid("body", _("Unknown placeholders: %(names)s. Known: %(known)s.") % {
            "names": "、".join("{%s}" % n for n in dict.fromkeys(unknown)), "known": "、".join("{%s}" % n for n in PLACEHOLDERS)})
    for field, value in (("title", title), ("body", PLACEHOLDER.sub("", body)), ("issuer_line", issuer_line)):
        missing = rendering.missing_glyphs(value)
        if missing:
            raise _invalid(field, _("The certificate font cannot draw: %(chars)s.") % {"chars": " ".join(missing)})
    if seal is not None:
        try:
            rendering.check_seal_png(seal)
        except ValueError as error:
            raise _invalid("seal", str(error)) from error


def _read_seal(seal) -> bytes | None:
    if seal is None:
        return None
    seal.seek(0)
    data = seal.read()
    seal.seek(0)
    return data


@transaction.atomic
def template_create(*, actor, organization: Organization, name: str, title: str, body: str, issuer_line: str,
                    landscape: bool = False, seal=None) -> CertificateTemplate:
    selectors.require_template_manager(actor, organization)
    _check_template(title=title, body=body, issuer_line=issuer_line, seal=_read_seal(seal))
    if CertificateTemplate.objects.filter(organization=organization, name=name.strip()).exists():
        raise _invalid("name", _("This organization already has a template with this name."))
    template = CertificateTemplate(
        organization=organization, name=name.strip(), title=title.strip(), body=body.strip(), issuer_line=issuer_line.strip(),
        landscape=landscape, created_by=actor,
    )
    if seal is not None:
        template.seal.save(f"seal-{secrets.token_hex(8)}.png", seal, save=False)
    template._history_user = actor
    template.save()
    return template


@transaction.atomic
def template_update(*, actor, template: CertificateTemplate, name: str, title: str, body: str, issuer_line: str,
                    landscape: bool, seal=None, remove_seal: bool = False, archived: bool = False) -> CertificateTemplate:
    selectors.require_template_manager(actor, template.organization)
    _check_template(title=title, body=body, issuer_line=issuer_line, seal=_read_seal(seal))
    if CertificateTemplate.objects.filter(organization=template.organization, name=name.strip()).exclude(pk=template.pk).exists():
        raise _invalid("name", _("This organization already has a template with this name."))
    template.name, template.title, template.body = name.strip(), title.strip(), body.strip()
    template.issuer_line, template.landscape, template.archived = issuer_line.strip(), landscape, archived
    if seal is not None:
        template.seal.save(f"seal-{secrets.token_hex(8)}.png", seal, save=False)
    elif remove_seal:
        template.seal = ""
    template._history_user = actor
    template.save()
    return template


def template_preview(*, template: CertificateTemplate) -> bytes:
    """A sample certificate from the template (made-up name, class and serial)."""
    today = timezone.localdate()
    return rendering.render_certificate(rendering.CertificateDocument(
        title=template.title, body=fill(template.body, SAMPLE), issuer_line=template.issuer_line, issued_on=today,
        serial=f"{template.organization.code}-{today.year}-000000", verify_url=verify_url("sample"),
        landscape=template.landscape, seal_png=_seal_bytes(template), pdf_title=template.title, pdf_author=template.issuer_line,
    ))


@transaction.atomic
def criteria_set(*, actor, training_class, template: CertificateTemplate, exam=None, issue_on_close: bool = True) -> IssuingCriteria:
    selectors.require_class_manager(actor, training_class)
    if template.archived or not training_class.organization.path.startswith(template.organization.path):
        raise _invalid("template", _("Choose a template of the class's host organization or of one above it."))
    if exam is not None and not selectors.exam_usable(actor, exam):
        raise _invalid("exam", _("Choose an exam you manage."))
    criteria, _created = IssuingCriteria.objects.update_or_create(
        training_class=training_class,
        defaults={"template": template, "exam": exam, "issue_on_close": issue_on_close, "updated_by": actor},
    )
    return criteria
