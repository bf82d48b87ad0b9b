"""Organizer pages of the exams app: banks, questions and imports, exam setup, grading, statistics."""
from django.urls import path

urlpatterns: list = []
