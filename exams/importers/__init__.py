"""Questions in and out of files, without the database: GIFT and Aiken text, the Excel template.

Every importer returns an `ImportResult` of `ParsedQuestion`s (the canonical shape, in `common`);
the caller imports nothing while `errors` is not empty. The services store what comes out.
"""
from .aiken import parse_aiken
from .common import KINDS, ImportIssue, ImportResult, ParsedQuestion, validate_question
from .excel import error_workbook, parse_excel
from .excel_template import template_workbook
from .export import export_excel, export_gift
from .gift import parse_gift

__all__ = [
    "KINDS",
    "ImportIssue",
    "ImportResult",
    "ParsedQuestion",
    "error_workbook",
    "export_excel",
    "export_gift",
    "parse_aiken",
    "parse_excel",
    "parse_gift",
    "template_workbook",
    "validate_question",
]
