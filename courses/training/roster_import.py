"""A class roster from Excel: columns 姓名, 工号 or 手机, 单位编码.

Each row must name a person already registered: the employee number (or, without one, the mobile
number) finds them, and the name and organization code must match what is on record, so a typo
never enrols the wrong person. Every row is checked first; the roster is written in one
transaction only when no row has a problem.
"""
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roster import COL_NAME, COL_NUMBER, COL_ORG, COL_PHONE, HEADER_ALIASES, cell_text, read_sheet, row_error
from backend.errors import ApplicationError

from ..models import Enrollment, TrainingClass
from . import services

ALIASES = {column: HEADER_ALIASES[column] for column in (COL_NAME, COL_NUMBER, COL_PHONE, COL_ORG)}


@dataclass
class EnrollmentImportResult:
    total_rows: int = 0
    added: int = 0
    already: int = 0
    errors: list[dict] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)


def _lookup(model_field: str, values: set[str]) -> dict[str, list[User]]:
    found: dict[str, list[User]] = {}
    values = sorted(values)
    for start in range(0, len(values), 500):
        for user in User.objects.filter(**{f"{model_field}__in": values[start : start + 500]}, is_active=True).select_related("organization"):
            found.setdefault(getattr(user, model_field), []).append(user)
    return found


def enrollment_import_check(*, content: bytes) -> EnrollmentImportResult:
    columns, body = read_sheet(content, aliases=ALIASES, required=(COL_NAME, COL_ORG))
    if COL_NUMBER not in columns and COL_PHONE not in columns:
        raise ApplicationError(
            "missing_columns", _("Row 1 needs a column 工号 or 手机 to find each person."),
            errors=[row_error(1, COL_NUMBER, _("Column missing."))],
        )

    def get(values, column):
        index = columns.get(column)
        return cell_text(values[index]) if index is not None and index < len(values) else ""

    parsed = [(row, get(v, COL_NAME), get(v, COL_NUMBER), get(v, COL_PHONE), get(v, COL_ORG)) for row, v in body]
    by_number = _lookup("employee_number", {p[2] for p in parsed if p[2]})
    by_phone = _lookup("phone", {p[3] for p in parsed if p[3] and not p[2]})
    result = EnrollmentImportResult(total_rows=len(parsed))
    seen: dict[int, int] = {}
    for row, name, number, phone, org_code in parsed:
        errors = []
        if not name:
            errors.append(row_error(row, COL_NAME, _("Name is empty.")))
        if not org_code:
            errors.append(row_error(row, COL_ORG, _("Organization code is empty.")))
        user = None
        if number:
            matches = by_number.get(number, [])
            if not matches:
                errors.append(row_error(row, COL_NUMBER, _("No registered person has the employee number %(number)s.") % {"number": number}))
            user = matches[0] if matches else None
            column = COL_NUMBER
        elif phone:
            matches = by_phone.get(phone, [])
            column = COL_PHONE
            if not matches:
                errors.append(row_error(row, COL_PHONE, _("No registered person has the mobile number %(phone)s.") % {"phone": phone}))
            elif len(matches) > 1:
                errors.append(row_error(row, COL_PHONE, _("Several people share the mobile number %(phone)s: give the employee number.") % {"phone": phone}))
            else:
                user = matches[0]
        else:
            errors.append(row_error(row, COL_NUMBER, _("Give the employee number or the mobile number.")))
        if user is not None and name and user.display_name != name:
            errors.append(row_error(row, COL_NAME, _("%(key)s belongs to %(recorded)s, not %(name)s.") % {
                "key": number or phone, "recorded": user.display_name, "name": name}))
            user = None
        if user is not None and org_code and (user.organization is None or user.organization.code != org_code):
            errors.append(row_error(row, COL_ORG, _("%(name)s is registered at %(org)s, not under the code %(code)s.") % {
                "name": user.display_name, "org": user.organization.name if user.organization else "—", "code": org_code}))
            user = None
        if user is not None and user.pk in seen:
            errors.append(row_error(row, column, _("%(name)s is already on row %(first)d.") % {"name": user.display_name, "first": seen[user.pk]}))
            user = None
        if user is not None:
            seen[user.pk] = row
        if errors:
            result.errors.extend(errors)
        else:
            result.rows.append({"row": row, "user": user})
    return result


@transaction.atomic
def enrollment_import(*, actor, training_class: TrainingClass, content: bytes, dry_run: bool = False) -> EnrollmentImportResult:
    """Enrol every row, or none: a sheet with any bad row writes nothing and lists every problem."""
    services.require_manager(actor, training_class)
    if training_class.status == TrainingClass.Status.CLOSED:
        raise ApplicationError("class_closed", _("The class is closed: its roster is locked."))
    result = enrollment_import_check(content=content)
    if result.errors:
        raise ApplicationError(
            "import_invalid",
            _("%(n)d problem(s) found; nothing was imported. Correct the rows and upload the file again.") % {"n": len(result.errors)},
            errors=result.errors,
        )
    current = dict(
        Enrollment.objects.filter(training_class=training_class, user__in=[r["user"] for r in result.rows]).values_list("user_id", "status")
    )
    for r in result.rows:
        if current.get(r["user"].pk) == Enrollment.Status.ENROLLED:
            result.already += 1
        elif not dry_run:
            services.enroll_one(actor=actor, training_class=training_class, user=r["user"], source=Enrollment.Source.IMPORTED)
            result.added += 1
        else:
            result.added += 1
    return result
