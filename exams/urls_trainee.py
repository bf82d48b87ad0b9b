"""Trainee pages of the exams app: my exams, the exam page, results, the wrong-answer book."""
from django.urls import path

from . import views_trainee as views

# Names must not collide with the API router's ("exam-start", "mistake-list", …): reverse()
# would find whichever comes last.
urlpatterns = [
    path("my/exams/", views.my_exams, name="my-exams"),
    path("my/exams/<int:pk>/start/", views.exam_start, name="my-exam-start"),
    path("attempts/<int:pk>/", views.attempt_take, name="attempt-take"),
    path("my/mistakes/", views.my_mistakes, name="my-mistakes"),
    path("exams/<int:pk>/leaderboard/", views.exam_leaderboard, name="exam-leaderboard"),
]
