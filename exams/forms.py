"""Forms of the organizers' exam pages: banks, the question editor, imports, exam settings, the
paper, grading. They validate input and shape it for the services, which have the final word;
a service's refusal is put back on the form next to the field it names (`add_service_errors`)."""
import base64
import binascii
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from backend.pages import add_service_errors as shared_add_service_errors
from courses.forms import organization_choices

from .importers.common import CHOICE_KINDS, F_ANALYSIS, F_ANSWER, F_DIFFICULTY, F_KNOWLEDGE, F_OPTION, F_SCORE, F_STEM, F_TAGS
from .models import Exam, Question

LETTERS = "ABCDEFGH"
MAX_OPTIONS = len(LETTERS)
MIN_OPTION_ROWS = 4
POINTS_MAX = Decimal(1000)
_LIST_SPLIT = re.compile(r"[,，、;；\n]+")
_ALTERNATIVES = re.compile(r"[|｜]")
DATETIME_INPUT = "%Y-%m-%dT%H:%M"

# The services name fields as the Excel columns do (题干, 选项C, 答案 …): where each is on the editor.
_SERVICE_FIELDS = {
    F_STEM: "stem", F_ANSWER: "answer", F_ANALYSIS: "analysis", F_DIFFICULTY: "difficulty", F_SCORE: "points",
    F_TAGS: "tags", F_KNOWLEDGE: "knowledge_points",
}


def parse_points(raw, *, allow_zero: bool = False, maximum: Decimal = POINTS_MAX) -> int:
    """"2.5" (or "２．５") points as 250 hundredths; more than two decimals is refused, not rounded."""
    text = unicodedata.normalize("NFKC", str(raw or "")).strip().replace("。", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise forms.ValidationError(_("Enter points as a number, for example 2 or 2.5."))
    if not value.is_finite() or value < 0 or (value == 0 and not allow_zero) or value > maximum:
        raise forms.ValidationError(_("Points must be more than 0 and at most %(max)s.") % {"max": maximum})
    hundredths = value * 100
    if hundredths != hundredths.to_integral_value():
        raise forms.ValidationError(_("Points take at most two decimals (for example 2.25)."))
    return int(hundredths)


def points_input(hundredths: int | None) -> str:
    if hundredths is None:
        return ""
    return str(hundredths // 100) if hundredths % 100 == 0 else str(Decimal(hundredths) / 100)


def split_list(raw: str) -> list[str]:
    return [name.strip() for name in _LIST_SPLIT.split(raw or "") if name.strip()]


def _form_field(name: str) -> str | None:
    """The question form's field for a service's field name (options are "options[A]" there)."""
    if name.startswith(F_OPTION) and len(name) > len(F_OPTION) and name[len(F_OPTION):] in LETTERS:
        return f"option_{LETTERS.index(name[len(F_OPTION):])}"
    if name == F_OPTION:
        return None
    return _SERVICE_FIELDS.get(name, name)


def add_service_errors(form: forms.Form, exc) -> None:
    """Put an ApplicationError's messages next to the fields they name, the rest above the form."""
    shared_add_service_errors(form, exc, field_for=_form_field)


# --- banks and imports ----------------------------------------------------------------------


class BankForm(forms.Form):
    organization = forms.TypedChoiceField(label=gettext_lazy("Organization"), coerce=int)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    description = forms.CharField(label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = organization_choices(organizations)


class QuestionFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Words in the stem"), required=False, max_length=100,
                        widget=forms.SearchInput(attrs={"autocomplete": "off"}))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False,
                             choices=[("", gettext_lazy("All kinds")), *Question.Kind.choices])
    difficulty = forms.TypedChoiceField(label=gettext_lazy("Difficulty"), required=False, coerce=int, empty_value=None,
                                        choices=[("", gettext_lazy("Any")), *[(n, str(n)) for n in range(1, 6)]])
    tag = forms.CharField(label=gettext_lazy("Tag"), required=False, max_length=60)
    state = forms.ChoiceField(label=gettext_lazy("State"), required=False, choices=[
        ("", gettext_lazy("All")), ("active", gettext_lazy("In use")), ("archived", gettext_lazy("Archived")),
    ])


IMPORT_FORMATS = [
    ("", gettext_lazy("By the file's extension")), ("excel", "Excel (.xlsx)"), ("gift", "GIFT (.txt)"), ("aiken", "Aiken (.txt)"),
]


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Question file"), allow_empty_file=True,
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xlsm,.txt,.gift"}),
                           help_text=gettext_lazy("Excel from the template (.xlsx), or Moodle's GIFT or Aiken text (.txt)."))
    file_format = forms.ChoiceField(label=pgettext_lazy("file format", "Format"), required=False, choices=IMPORT_FORMATS)
    include_duplicates = forms.BooleanField(label=gettext_lazy("Also import questions whose stem the bank already holds"), required=False)


class ImportConfirmForm(forms.Form):
    """The checked file again, carried in the preview page (base64) so that what is confirmed is
    what was previewed, without keeping anything on the server between the two requests."""

    file_name = forms.CharField(max_length=255, widget=forms.HiddenInput)
    file_format = forms.ChoiceField(required=False, choices=IMPORT_FORMATS, widget=forms.HiddenInput)
    include_duplicates = forms.BooleanField(required=False, widget=forms.HiddenInput)
    content = forms.CharField(widget=forms.HiddenInput, strip=False)

    def clean_content(self):
        try:
            return base64.b64decode(self.cleaned_data["content"], validate=True)
        except (binascii.Error, ValueError):
            raise forms.ValidationError(_("The file was lost on the way; upload it again."))


# --- the question editor ----------------------------------------------------------------------

TRUE_FALSE_CHOICES = [("true", pgettext_lazy("true or false", "True")), ("false", pgettext_lazy("true or false", "False"))]


def _answer_field(kind: str) -> forms.Field:
    letters = [(str(i), LETTERS[i]) for i in range(MAX_OPTIONS)]
    if kind == Question.Kind.SINGLE:
        return forms.ChoiceField(label=_("Right option"), choices=letters, widget=forms.RadioSelect,
                                 error_messages={"required": _("Mark the right option.")})
    if kind == Question.Kind.MULTIPLE:
        return forms.MultipleChoiceField(label=_("Right options"), choices=letters, widget=forms.CheckboxSelectMultiple,
                                         error_messages={"required": _("Mark the right options.")})
    if kind == Question.Kind.TRUE_FALSE:
        return forms.ChoiceField(label=_("The statement is"), choices=TRUE_FALSE_CHOICES, widget=forms.RadioSelect,
                                 error_messages={"required": _("Say whether the statement is true or false.")})
    if kind == Question.Kind.BLANK:
        return forms.CharField(
            label=_("Accepted answers"), widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("One blank per line, in the order of the ____ marks; separate answers accepted for the same blank with |, for example 交融|融合."),
            error_messages={"required": _("Give the accepted answer of every blank.")},
        )
    return forms.CharField(label=_("Reference answer"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("Shown to the grader; short answers are graded by a person."))


def key_from_answer(kind: str, answer) -> dict:
    if kind == Question.Kind.SINGLE:
        return {"options": [int(answer)]}
    if kind == Question.Kind.MULTIPLE:
        return {"options": sorted({int(a) for a in answer})}
    if kind == Question.Kind.TRUE_FALSE:
        return {"value": answer == "true"}
    if kind == Question.Kind.BLANK:
        blanks = []
        for line in (answer or "").splitlines():
            alternatives = [a.strip() for a in _ALTERNATIVES.split(line) if a.strip()]
            if alternatives:
                blanks.append(alternatives)
        return {"blanks": blanks}
    return {"reference": (answer or "").strip()}


def answer_from_key(kind: str, key: dict):
    key = key or {}
    if kind == Question.Kind.SINGLE:
        return str(key.get("options", [""])[0]) if key.get("options") else None
    if kind == Question.Kind.MULTIPLE:
        return [str(i) for i in key.get("options", [])]
    if kind == Question.Kind.TRUE_FALSE:
        return None if "value" not in key else ("true" if key["value"] else "false")
    if kind == Question.Kind.BLANK:
        return "\n".join("|".join(alternatives) for alternatives in key.get("blanks", []))
    return key.get("reference", "")


class QuestionForm(forms.Form):
    """One question of a given kind. Options are eight rows; the page shows at least four and the
    script adds or removes rows. The kind is chosen before (it never changes on an edit)."""

    stem = forms.CharField(label=gettext_lazy("Stem"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    analysis = forms.CharField(label=gettext_lazy("Analysis"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=gettext_lazy("Why the answer is right; shown with the key."))
    difficulty = forms.TypedChoiceField(label=gettext_lazy("Difficulty"), coerce=int, initial=3,
                                        choices=[(n, str(n)) for n in range(1, 6)], help_text=gettext_lazy("1 easiest, 5 hardest."))
    points = forms.CharField(label=gettext_lazy("Default points"), initial="1", max_length=10,
                             widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                             help_text=gettext_lazy("Used when the question is put on a paper, for example 2 or 2.5."))
    tags = forms.CharField(label=gettext_lazy("Tags"), required=False, max_length=500,
                           help_text=gettext_lazy("Separate tags with commas or 、; random papers draw by tag."))
    knowledge_points = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Knowledge points"), required=False, coerce=int,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=gettext_lazy("Sections of the theory documents this question tests (hold Ctrl to choose several)."),
    )

    def __init__(self, *args, kind: str, sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["answer"] = _answer_field(kind)
        if kind in CHOICE_KINDS:
            for i, letter in enumerate(LETTERS):
                self.fields[f"option_{i}"] = forms.CharField(label=_("Option %(letter)s") % {"letter": letter}, required=False, max_length=500)
        self.fields["knowledge_points"].choices = sections

    is_choice = property(lambda self: self.kind in CHOICE_KINDS)

    def option_rows(self) -> list[dict]:
        """The eight option rows with their answer mark; rows past the last filled one (and past
        the fourth) start hidden."""
        if not self.is_choice:
            return []
        chosen = self["answer"].value() or []
        chosen = {str(c) for c in (chosen if isinstance(chosen, list | tuple) else [chosen])}
        filled = [i for i in range(MAX_OPTIONS) if (self[f"option_{i}"].value() or "").strip()]
        shown = max(MIN_OPTION_ROWS, (filled[-1] + 1) if filled else 0)
        return [
            {"index": i, "letter": LETTERS[i], "field": self[f"option_{i}"], "checked": str(i) in chosen, "hidden": i >= shown}
            for i in range(MAX_OPTIONS)
        ]

    def clean_points(self):
        return parse_points(self.cleaned_data.get("points"))

    def clean_tags(self):
        return split_list(self.cleaned_data.get("tags", ""))

    def clean(self):
        data = super().clean()
        options: list[str] = []
        if self.is_choice:
            options = [(data.get(f"option_{i}") or "").strip() for i in range(MAX_OPTIONS)]
            while options and not options[-1]:
                options.pop()
        data["options"] = options
        if "answer" in data:
            data["key"] = key_from_answer(self.kind, data["answer"])
        return data


class KeyCorrectionForm(forms.Form):
    """Correct the key of the current version (the past was graded against a wrong key)."""

    reason = forms.CharField(label=gettext_lazy("Why the key is corrected"), max_length=200,
                             error_messages={"required": gettext_lazy("Say why the key is corrected.")})

    def __init__(self, *args, kind: str, options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind, self.options = kind, list(options)
        field = _answer_field(kind)
        if kind in CHOICE_KINDS:
            field.choices = [(str(i), LETTERS[i]) for i in range(len(self.options))]
        self.fields = {"answer": field, **self.fields}

    is_choice = property(lambda self: self.kind in CHOICE_KINDS)

    def option_rows(self) -> list[dict]:
        value = self["answer"].value() or []
        chosen = {str(c) for c in (value if isinstance(value, list | tuple) else [value])}
        return [{"index": i, "letter": LETTERS[i], "text": text, "checked": str(i) in chosen} for i, text in enumerate(self.options)]

    def clean(self):
        data = super().clean()
        if "answer" in data:
            data["key"] = key_from_answer(self.kind, data["answer"])
        return data


# --- exams ----------------------------------------------------------------------------------


def _datetime_field(label):
    return forms.DateTimeField(
        label=label, input_formats=[DATETIME_INPUT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )


class ExamForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    organization = forms.TypedChoiceField(label=gettext_lazy("Organization"), coerce=int,
                                          help_text=gettext_lazy("Its organizers manage the exam and see its records."))
    description = forms.CharField(label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    mode = forms.ChoiceField(label=gettext_lazy("Exam mode"), choices=Exam.Mode.choices,
                             help_text=gettext_lazy("Practice shows the key after each answer and may be repeated at will."))
    challenge = forms.BooleanField(label=gettext_lazy("Challenge run: one question at a time, ending at the first wrong answer"), required=False)
    seconds_per_question = forms.IntegerField(label=gettext_lazy("Seconds per question (challenge run)"), min_value=0, max_value=600, initial=0, required=False)
    opens_at = _datetime_field(gettext_lazy("Opens at"))
    closes_at = _datetime_field(gettext_lazy("Closes at"))
    duration_minutes = forms.IntegerField(label=gettext_lazy("Duration (minutes)"), min_value=1, max_value=1440, initial=60)
    attempts_allowed = forms.IntegerField(label=gettext_lazy("Attempts allowed"), min_value=0, max_value=100, initial=1,
                                          help_text=gettext_lazy("0: unlimited."))
    counting = forms.ChoiceField(label=gettext_lazy("Attempt that counts"), choices=Exam.Counting.choices)
    pass_score = forms.CharField(label=gettext_lazy("Pass mark (points)"), initial="60", max_length=10,
                                 widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    multiple_rule = forms.ChoiceField(label=gettext_lazy("Multiple-choice scoring"), choices=Exam.MultipleRule.choices)
    shuffle_questions = forms.BooleanField(label=gettext_lazy("Shuffle the questions"), required=False)
    shuffle_options = forms.BooleanField(label=gettext_lazy("Shuffle the options"), required=False)
    release = forms.ChoiceField(label=gettext_lazy("Results and keys shown"), choices=Exam.Release.choices)
    max_leaves = forms.IntegerField(label=gettext_lazy("Page leaves allowed (切屏)"), min_value=0, max_value=100, initial=0,
                                    help_text=gettext_lazy("The attempt is submitted when the trainee leaves the page more often. 0: not limited."))
    training_class = forms.TypedChoiceField(label=gettext_lazy("Audience: a class's roster"), coerce=int, required=False, empty_value=None)
    audience_organization = forms.TypedChoiceField(
        label=gettext_lazy("Audience: the trainees of an organization"), coerce=int, required=False, empty_value=None,
        help_text=gettext_lazy("Choose a class or an organization; with neither, the exam's own organization."),
    )

    def __init__(self, *args, organizations, classes, fixed_organization: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = organization_choices(organizations)
        if fixed_organization:
            del self.fields["organization"]
        else:
            self.fields["organization"].choices = choices
        self.fields["audience_organization"].choices = [("", "—"), *choices]
        self.fields["training_class"].choices = [("", "—"), *[(c.pk, f"{c.title}（{c.organization.name}）") for c in classes]]

    def clean_pass_score(self):
        return parse_points(self.cleaned_data.get("pass_score"), allow_zero=True, maximum=Decimal(100000))

    def clean_seconds_per_question(self):
        return self.cleaned_data.get("seconds_per_question") or 0

    def clean(self):
        data = super().clean()
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("The exam must close after it opens."))
        return data

    @classmethod
    def initial_for(cls, exam: Exam) -> dict:
        names = [n for n in cls.base_fields if n not in ("organization", "pass_score", "training_class", "audience_organization")]
        initial = {name: getattr(exam, name) for name in names}
        initial.update(pass_score=points_input(exam.pass_score), training_class=exam.training_class_id,
                       audience_organization=exam.audience_organization_id)
        return initial


class RuleForm(forms.Form):
    """One draw rule of a random paper; a row left empty is no rule."""

    bank = forms.TypedChoiceField(label=gettext_lazy("Bank"), coerce=int, required=False, empty_value=None)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Question.Kind.choices, required=False)
    tag = forms.CharField(label=gettext_lazy("Tag"), max_length=60, required=False)
    difficulty = forms.TypedChoiceField(label=gettext_lazy("Difficulty"), coerce=int, required=False, empty_value=None,
                                        choices=[("", gettext_lazy("Any")), *[(n, str(n)) for n in range(1, 6)]])
    count = forms.IntegerField(label=gettext_lazy("Questions"), min_value=1, max_value=500, required=False)
    points = forms.CharField(label=gettext_lazy("Points each"), max_length=10, required=False,
                             widget=forms.TextInput(attrs={"inputmode": "decimal"}))

    def __init__(self, *args, banks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank"].choices = [("", "—"), *[(b.pk, b.title) for b in banks]]

    def clean(self):
        data = super().clean()
        if not data.get("bank") and not data.get("count"):
            data["empty"] = True
            return data
        data["empty"] = False
        for name, message in (("bank", _("Choose a bank.")), ("kind", _("Choose a kind.")), ("count", _("Say how many questions to draw."))):
            if not data.get(name) and name not in self.errors:
                self.add_error(name, message)
        try:
            data["points"] = parse_points(data.get("points"))
        except forms.ValidationError as exc:
            self.add_error("points", exc)
        return data


RuleFormSet = forms.formset_factory(RuleForm, extra=2, max_num=50, absolute_max=50)


class ReviewForm(forms.Form):
    answer = forms.IntegerField(widget=forms.HiddenInput)
    score = forms.CharField(label=gettext_lazy("Score"), max_length=10, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    comment = forms.CharField(label=gettext_lazy("Comment"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_score(self):
        return parse_points(self.cleaned_data.get("score"), allow_zero=True)


class StatisticsFilterForm(forms.Form):
    organization = forms.TypedChoiceField(label=gettext_lazy("Organization"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [("", gettext_lazy("Everyone")), *organization_choices(organizations)]
