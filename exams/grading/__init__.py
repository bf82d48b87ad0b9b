"""Grading: the pure scoring rules live in `exams.grading.scoring`."""
