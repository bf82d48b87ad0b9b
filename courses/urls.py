from django.urls import path

from . import views
from .training import views as training

# Page names must not collide with the API router's ("document-detail", "course-list",
# "course-publish", …): reverse() would find whichever comes last.
urlpatterns = [
    path("library/", views.library, name="library"),
    path("library/search/", views.library_search, name="library-search"),
    path("library/import/", views.document_import, name="library-import"),
    path("library/import/<int:pk>/", views.document_import_review, name="library-import-review"),
    path("library/<int:pk>/", views.document_detail, name="library-document"),
    path("courses/", views.course_index, name="course-index"),
    path("courses/new/", views.course_new, name="course-new"),
    path("courses/<int:pk>/", views.course_detail, name="course-page"),
    path("courses/<int:pk>/publish/", views.course_publish, name="course-page-publish"),
    path("study/", views.my_courses, name="my-courses"),
    path("study/<int:pk>/", views.study_section, name="study-section"),
    path("classes/", training.class_list, name="class-index"),
    path("classes/new/", training.class_new, name="class-new"),
    path("classes/<int:pk>/", training.class_detail, name="class-page"),
    path("classes/<int:pk>/sessions/add/", training.session_add, name="class-page-session-add"),
    path("classes/<int:pk>/roster/import/", training.roster_import_page, name="class-page-roster-import"),
    path("classes/<int:pk>/<str:action>/", training.class_action, name="class-page-action"),
    path("enrollments/<int:pk>/<str:action>/", training.enrollment_action, name="enrollment-page-action"),
    path("sessions/<int:pk>/sheet/", training.attendance_sheet, name="attendance-sheet"),
    path("sessions/<int:pk>/checkin-screen/", training.checkin_screen, name="checkin-screen"),
    path("checkin/", training.checkin_scan, name="checkin-scan"),
    path("schedule/", training.my_schedule, name="my-schedule"),
]
