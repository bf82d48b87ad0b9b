"""Organizer pages of the exams app: banks, questions and imports, exam setup, grading, statistics.

Page names must not collide with the API router's ("exam-detail", "exam-publish",
"question-archive", …): reverse() would find whichever comes last. So an exam's page is
"exam-page", as a class's is "class-page"."""
from django.urls import path

from .staff_views import banks, exams, grading, questions

urlpatterns = [
    path("banks/", banks.bank_index, name="bank-index"),
    path("banks/template.xlsx", banks.bank_template, name="bank-template"),
    path("banks/<int:pk>/", banks.bank_detail, name="bank-detail"),
    path("banks/<int:pk>/export.<str:file_format>", banks.bank_export, name="bank-export"),
    path("banks/<int:pk>/import/", banks.bank_import, name="bank-import"),
    path("banks/<int:pk>/import/error-sheet/", banks.bank_import_errors, name="bank-import-errors"),
    path("banks/<int:pk>/questions/new/", questions.question_new, name="question-new"),
    path("questions/<int:pk>/edit/", questions.question_edit, name="question-edit"),
    path("questions/<int:pk>/archive/", banks.question_archive_page, name="question-page-archive"),
    path("questions/<int:pk>/correct-key/", questions.question_correct_key_page, name="question-page-correct-key"),
    path("exams/", exams.exam_index, name="exam-index"),
    path("exams/new/", exams.exam_new, name="exam-new"),
    path("exams/<int:pk>/", exams.exam_page, name="exam-page"),
    path("exams/<int:pk>/grading/", grading.exam_grading, name="exam-grading"),
    path("exams/<int:pk>/statistics/", grading.exam_statistics, name="exam-statistics"),
    path("exams/<int:pk>/statistics.xlsx", grading.exam_statistics_xlsx, name="exam-statistics-xlsx"),
]
