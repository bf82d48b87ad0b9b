from django.urls import path

from . import views

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
]
