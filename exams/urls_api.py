from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import apis

router = DefaultRouter()
router.register("question-banks", apis.BankViewSet, basename="question-bank")
router.register("questions", apis.QuestionViewSet, basename="question")
router.register("exams", apis.ExamViewSet, basename="exam")
router.register("mistakes", apis.MistakeViewSet, basename="mistake")

urlpatterns = [
    path("attempts/<int:pk>/", apis.AttemptApi.as_view(), name="api-attempt"),
    path("attempts/<int:pk>/answers/<int:question>/", apis.AnswerSaveApi.as_view(), name="api-attempt-answer"),
    path("attempts/<int:pk>/submit/", apis.AttemptSubmitApi.as_view(), name="api-attempt-submit"),
    path("attempts/<int:pk>/leave/", apis.AttemptLeaveApi.as_view(), name="api-attempt-leave"),
    path("answers/<int:pk>/review/", apis.AnswerReviewApi.as_view(), name="api-answer-review"),
    path("", include(router.urls)),
]
