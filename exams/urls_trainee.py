"""Trainee pages of the exams app: my exams, the exam page, results, the wrong-answer book."""
from django.urls import path

urlpatterns: list = []
