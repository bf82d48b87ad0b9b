"""The exams API, thin over the selectors and services: `questions` (banks, questions, files),
`exams` (setup and records), `attempts` (taking an exam, grading by a person, the wrong-answer book)."""
from .attempts import (  # noqa: F401
    AnswerReviewApi,
    AnswerSaveApi,
    AttemptApi,
    AttemptLeaveApi,
    AttemptSubmitApi,
    MistakeViewSet,
    attempt_view,
    mistake_row,
)
from .exams import ExamViewSet  # noqa: F401
from .questions import BankViewSet, QuestionViewSet  # noqa: F401
