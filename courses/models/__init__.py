"""The courses app's models: the theory library and courses (`library`), and training classes,
sessions, rosters, attendance and compliance rules (`training`)."""
from .library import (  # noqa: F401
    Course,
    CourseCredit,
    CourseSection,
    Document,
    DocumentImport,
    DocumentVersion,
    KeyTerm,
    Section,
    StudyClock,
    StudyProgress,
    Topic,
)
from .training import (  # noqa: F401
    ATTENDED,
    Attendance,
    ClassSession,
    ComplianceRule,
    Enrollment,
    TrainingClass,
)
