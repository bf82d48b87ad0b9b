"""Forms of the ledger's pages. They shape input for the services, which have the final word; a
service's refusal is put back on the form next to the field it names (`add_service_errors`)."""
from django import forms
from django.utils.translation import gettext_lazy as _

from courses.forms import organization_choices

from ..findings import Finding
from .services import MAX_COMMENT

EVIDENCE_ACCEPT = ".pdf,.jpg,.jpeg,.png,.docx,.xlsx"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class LedgerFilterForm(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=100,
                        widget=forms.SearchInput(attrs={"placeholder": _("Words in the title or the problem")}))
    status = forms.ChoiceField(label=_("Status"), required=False)
    organization = forms.TypedChoiceField(label=_("Organization"), coerce=int, required=False, empty_value=None,
                                          help_text=_("With the units under it."))
    category = forms.ChoiceField(label=_("Category"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *Finding.Status.choices]
        self.fields["category"].choices = [("", _("All categories")), *Finding.Category.choices]
        self.fields["organization"].choices = [("", _("All my organizations")), *organization_choices(organizations)]

    def filters(self) -> dict:
        """The values for downloads.filtered (the same keys as the API's query parameters)."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "q": data.get("q", ""), "status": data.get("status") or None, "organization": data.get("organization"),
            "category": data.get("category") or None, "overdue": True if data.get("overdue") else None,
        }


class FindingForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("Organization"), coerce=int,
                                          help_text=_("The unit that must rectify the problem."))
    training_class = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Problem"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}),
                                  help_text=_("What is wrong, with the figures that show it."))
    category = forms.ChoiceField(label=_("Category"), choices=Finding.Category.choices)
    due_on = forms.DateField(label=_("Rectify by"), widget=DateInput())

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is None:  # editing: the organization stays
            del self.fields["organization"], self.fields["training_class"]
            self.fields["comment"] = forms.CharField(label=_("Why it changed"), required=False, max_length=MAX_COMMENT)
        else:
            self.fields["organization"].choices = organization_choices(organizations)


class TransitionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=MAX_COMMENT,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Required to send back or reopen: say what is still missing."))


class MeasureForm(forms.Form):
    text = forms.CharField(label=_("Measure"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    responsible_name = forms.CharField(label=_("Responsible person"), max_length=50)
    responsible_unit = forms.CharField(label=_("Responsible unit"), max_length=100, required=False)
    due_on = forms.DateField(label=_("Due on"), widget=DateInput())


class ResponsibilityForm(forms.Form):
    person_name = forms.CharField(label=_("Person"), max_length=50)
    unit = forms.CharField(label=_("Unit"), max_length=100, required=False)
    role = forms.CharField(label=_("Responsibility"), max_length=100, help_text=_("For example: principal, direct, leading."))


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("File"), widget=forms.FileInput(attrs={"accept": EVIDENCE_ACCEPT}),
                           help_text=_("PDF, JPG, PNG, DOCX or XLSX; at most 20 MB."))
    measure = forms.TypedChoiceField(label=_("Proves"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [("", _("The finding as a whole")),
                                          *((m.pk, m.text if len(m.text) <= 40 else m.text[:40] + "…") for m in measures)]
