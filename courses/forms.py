"""Forms of the library and course pages. They validate input; writes go through services."""
import re
import unicodedata
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Course

# Upload types the importer reads; the importer itself gives the final word.
ACCEPT = ".docx,.txt,.md,.pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,text/plain,text/markdown,application/pdf"
_TOPIC_SPLIT = re.compile(r"[,，、;；\n]+")
MAX_TOPIC_CHARS = 60
MAX_MINUTES = 100_000


def organization_choices(organizations) -> list[tuple[int, str]]:
    """Organizations in tree order, each indented under its parent with ideographic spaces."""
    organizations = list(organizations)
    base_depth = min((o.depth for o in organizations), default=1)
    return [(o.pk, "\u3000" * (o.depth - base_depth) + o.name) for o in organizations]


class LibraryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("Words in the title"), "autocomplete": "off"}),
    )


class SectionSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search the texts"),
        max_length=100,
        error_messages={"required": _("Enter the words to search for.")},
        widget=forms.SearchInput(attrs={"placeholder": _("For example: 共有精神家园"), "autocomplete": "off"}),
    )

    def clean_q(self):
        query = self.cleaned_data["q"].strip()
        if not query:
            raise forms.ValidationError(_("Enter the words to search for."))
        return query


class DocumentUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Document file"),
        # An empty file reaches the importer, which says so in its own words.
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("A .docx, .pdf (with text, not scanned pages), .txt or .md file."),
    )
    organization = forms.TypedChoiceField(label=_("Organization"), coerce=int)

    def __init__(self, *args, organizations, document=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organizations = {o.pk: o for o in organizations}
        self.document = document
        field = self.fields["organization"]
        field.choices = organization_choices(self.organizations.values())
        if document is not None:
            # A new version belongs to the document's organization: nothing to choose.
            field.choices = [(document.organization_id, document.organization.name)]
            field.initial = document.organization_id
            field.widget = forms.HiddenInput()
        elif len(self.organizations) == 1:
            field.initial = next(iter(self.organizations))
        field.help_text = _("The document belongs to this unit; it is seen there and in the units above it.")

    def clean_organization(self):
        pk = self.cleaned_data["organization"]
        if self.document is not None:
            return self.document.organization
        return self.organizations[pk]


class DocumentSaveForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    issuer = forms.CharField(
        label=_("Issuer"), max_length=200, required=False, help_text=_("Who issued it, for example 自治区民委.")
    )
    issued_on = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The date on the document."),
    )

    def __init__(self, *args, new_version=False, **kwargs):
        super().__init__(*args, **kwargs)
        if new_version:  # the title stays the document's
            del self.fields["title"]
        else:
            self.fields["title"].required = True


def _hours_text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _whole_minute_neighbours(hours: Decimal, per: int) -> tuple[Decimal | None, Decimal | None]:
    """The nearest class-hour values around `hours`, with one (else two) decimals, that are whole minutes."""
    for step in (Decimal("0.1"), Decimal("0.01")):
        base = (hours / step).to_integral_value(rounding=ROUND_FLOOR)
        lower = upper = None
        for k in range(0, 200):
            if lower is None and base - k > 0 and ((base - k) * step * per) % 1 == 0:
                lower = (base - k) * step
            if upper is None and ((base + 1 + k) * step * per) % 1 == 0:
                upper = (base + 1 + k) * step
            if lower is not None and upper is not None:
                break
        if lower is not None or upper is not None:
            return lower, upper
    return None, None


class CourseBuildForm(forms.Form):
    organization = forms.TypedChoiceField(
        label=_("Organization"), coerce=int, help_text=_("The unit that offers the course: its trainees and those of the units under it see it once it is published.")
    )
    title = forms.CharField(label=_("Course title"), max_length=200)
    hours = forms.CharField(
        label=_("Class hours (课时)"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    format = forms.ChoiceField(label=_("Format"), choices=Course.Format.choices, initial=Course.Format.ONLINE)
    topics = forms.CharField(
        label=_("Topics"),
        required=False,
        max_length=500,
        help_text=_("Separate topics with commas or 、, for example 铸牢中华民族共同体意识、民族团结进步."),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    requires_quiz = forms.BooleanField(
        label=_("Hours are credited only after a quiz is passed"), required=False
    )
    sections = forms.TypedMultipleChoiceField(
        label=_("Sections"), coerce=int, error_messages={"required": _("Choose at least one section.")}
    )

    def __init__(self, *args, organizations, section_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organizations = {o.pk: o for o in organizations}
        self.fields["organization"].choices = organization_choices(self.organizations.values())
        self.fields["sections"].choices = [(pk, pk) for pk in section_ids]
        self.class_hour_minutes = settings.CLASS_HOUR_MINUTES
        self.fields["hours"].help_text = _(
            "For example 2 or 0.4. 1 class hour = %(minutes)d minutes; the hours must come to whole minutes."
        ) % {"minutes": self.class_hour_minutes}

    def clean_organization(self):
        return self.organizations[self.cleaned_data["organization"]]

    def clean_hours(self):
        """课时 as typed (full-width digits too) to exact integer minutes."""
        raw = unicodedata.normalize("NFKC", self.cleaned_data["hours"]).strip().replace("。", ".")
        per = self.class_hour_minutes
        try:
            hours = Decimal(raw)
        except InvalidOperation:
            raise forms.ValidationError(_("Enter the class hours as a number, for example 2 or 0.4."))
        if not hours.is_finite() or hours <= 0:
            raise forms.ValidationError(_("Class hours must be more than zero."))
        minutes = hours * per
        if minutes > MAX_MINUTES:
            raise forms.ValidationError(
                _("At most %(hours)d class hours."), params={"hours": MAX_MINUTES // per}, code="too_many_hours"
            )
        if minutes != minutes.to_integral_value():
            lower, upper = _whole_minute_neighbours(hours, per)
            examples = " ".join(
                str(_("%(hours)s (%(minutes)d minutes)") % {"hours": _hours_text(v), "minutes": int(v * per)})
                for v in (lower, upper) if v is not None
            )
            raise forms.ValidationError(
                _(
                    "%(hours)s class hours would be %(minutes)s minutes. Class hours must come to whole minutes "
                    "(1 class hour = %(per)d minutes). Nearby values: %(examples)s."
                ),
                params={"hours": _hours_text(hours), "minutes": _hours_text(minutes), "per": per, "examples": examples},
                code="not_whole_minutes",
            )
        return int(minutes)

    def clean_topics(self):
        names = [n.strip() for n in _TOPIC_SPLIT.split(self.cleaned_data["topics"]) if n.strip()]
        too_long = [n for n in names if len(n) > MAX_TOPIC_CHARS]
        if too_long:
            raise forms.ValidationError(
                _("A topic has at most %(max)d characters: %(name)s"), params={"max": MAX_TOPIC_CHARS, "name": too_long[0]}
            )
        return list(dict.fromkeys(names))
