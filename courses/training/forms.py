"""Forms of the class pages. They validate input; writes go through the services."""
import unicodedata
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..forms import organization_choices
from ..models import Attendance, ClassSession, TrainingClass


def parse_class_hours(raw: str) -> int:
    """"1.5" (or "１．５") 课时 as 150 hundredths; more than two decimals is refused, not rounded."""
    text = unicodedata.normalize("NFKC", raw or "").strip().replace("。", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise forms.ValidationError(_("Enter class hours as a number, for example 2 or 1.5."))
    if value < 0 or value > 1000:
        raise forms.ValidationError(_("Class hours must be between 0 and 1000."))
    centi = value * 100
    if centi != centi.to_integral_value():
        raise forms.ValidationError(_("Class hours take at most two decimals (for example 0.75)."))
    return int(centi)


class ClassForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("Host organization"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=TrainingClass.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_on = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    target_count = forms.IntegerField(label=_("Target number of trainees"), min_value=0, initial=0,
                                      help_text=_("应训人数: rotation training is checked against it. 0: the enrolled roster."))
    min_attendance_percent = forms.IntegerField(label=_("Minimum attendance rate (%)"), min_value=1, max_value=100, initial=80)
    min_hours = forms.CharField(label=_("Minimum attended class hours"), initial="0", required=False)
    late_after_minutes = forms.IntegerField(label=_("Late after (minutes from the start)"), min_value=0, max_value=240, initial=10)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = organization_choices(organizations)

    def clean_min_hours(self):
        return parse_class_hours(self.cleaned_data.get("min_hours") or "0")

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The last day is before the first day."))
        return data


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False,
                            help_text=_("Leave empty to use the course's title."))
    course = forms.TypedChoiceField(label=_("From a course"), coerce=int, required=False, empty_value=None)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("Starts"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("Ends"), widget=forms.TimeInput(attrs={"type": "time"}))
    hours = forms.CharField(label=_("Class hours (课时)"), required=False,
                            help_text=_("Empty: from the course, or from the duration (1 class hour = 45 minutes)."))
    topics = forms.CharField(label=_("Topics"), required=False, help_text=_("Separate topics with commas. Empty: the course's topics."))
    teacher = forms.CharField(label=_("Teacher"), max_length=100, required=False)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    mode = forms.ChoiceField(label=_("Mode"), choices=ClassSession.Mode.choices)
    audience_count = forms.IntegerField(label=_("Audience (person-times)"), min_value=0, initial=0, required=False,
                                        help_text=_("For lectures whose audience are not registered here."))

    def __init__(self, *args, courses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].choices = [("", "—")] + [(c.pk, c.title) for c in courses]

    def clean_hours(self):
        raw = self.cleaned_data.get("hours")
        return parse_class_hours(raw) if raw and raw.strip() else None

    def clean_topics(self):
        import re

        raw = self.cleaned_data.get("topics") or ""
        names = [n.strip() for n in re.split(r"[,，、;；\n]+", raw) if n.strip()]
        return names or None

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("start") and data.get("end"):
            zone = timezone.get_current_timezone()
            data["starts_at"] = timezone.make_aware(datetime.combine(data["date"], data["start"]), zone)
            data["ends_at"] = timezone.make_aware(datetime.combine(data["date"], data["end"]), zone)
            if data["ends_at"] <= data["starts_at"]:
                self.add_error("end", _("The session must end after it starts."))
        return data


class RosterImportForm(forms.Form):
    file = forms.FileField(label=_("Roster (.xlsx)"), help_text=_("Columns 姓名, 工号 or 手机, 单位编码. Every row is enrolled, or none."))


class CloseForm(forms.Form):
    agenda_file = forms.FileField(label=_("Agenda"), required=False)
    timetable_file = forms.FileField(label=_("Timetable"), required=False)


class MarkForm(forms.Form):
    enrollment = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Mark"), choices=Attendance.Status.choices)
    note = forms.CharField(label=_("Reason"), max_length=200, required=False)


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Check-in code"), max_length=12,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*"}))
