"""Forms of the certificate pages. They shape input for the services, which have the final word; a
service's refusal is put back on the form next to the field it names (`add_service_errors`)."""
from django import forms
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses.forms import organization_choices

from .models import PLACEHOLDERS

YEARS_BACK = 6  # the hour-transcript year select: this year and the five before


def placeholder_help():
    return format_html(
        "{}<ul>{}</ul>", _("Placeholders the body may use:"),
        format_html_join("", "<li><code>{{{}}}</code> {}</li>", ((name, meaning) for name, meaning in PLACEHOLDERS.items())),
    )


class TemplateForm(forms.Form):
    """A new template (with `organizations`) or a template's changes (without: its organization stays)."""

    organization = forms.TypedChoiceField(label=_("Organization"), coerce=int)
    name = forms.CharField(label=pgettext_lazy("certificate template", "Name"), max_length=100, help_text=_("For you to tell templates apart; not printed."))
    title = forms.CharField(label=_("Title"), max_length=40, help_text=_("Printed large at the top, for example 结业证书."))
    body = forms.CharField(label=_("Body"), widget=forms.Textarea(attrs={"rows": 5}))
    issuer_line = forms.CharField(label=_("Issuer line"), max_length=200, help_text=_("Printed above the seal and the date."))
    landscape = forms.BooleanField(label=_("Landscape"), required=False)
    seal = forms.FileField(label=_("Seal (PNG)"), required=False, widget=forms.FileInput(attrs={"accept": "image/png"}),
                           help_text=_("A PNG with a transparent background."))
    remove_seal = forms.BooleanField(label=_("Remove the seal"), required=False)
    archived = forms.BooleanField(label=_("Archived (no longer offered to classes)"), required=False)

    def __init__(self, *args, organizations=None, has_seal=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = placeholder_help()
        if organizations is None:
            del self.fields["organization"]
            if not has_seal:
                del self.fields["remove_seal"]
        else:
            self.fields["organization"].choices = organization_choices(organizations)
            del self.fields["remove_seal"], self.fields["archived"]


class CriteriaForm(forms.Form):
    template = forms.TypedChoiceField(label=_("Certificate template"), coerce=int)
    exam = forms.TypedChoiceField(label=_("Exam to pass"), coerce=int, required=False, empty_value=None,
                                  help_text=_("Optional: only trainees who passed it get a certificate."))
    issue_on_close = forms.BooleanField(label=_("Issue when the class closes"), required=False)

    def __init__(self, *args, templates, exams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [(t.pk, f"{t.name}（{t.organization.name}）") for t in templates]
        self.fields["exam"].choices = [("", _("No exam")), *((e.pk, e.title) for e in exams)]


class ReasonForm(forms.Form):
    certificate = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class TranscriptForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Hour transcript for year"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].choices = [(y, str(y)) for y in range(this_year, this_year - YEARS_BACK, -1)]
        self.fields["year"].initial = this_year
