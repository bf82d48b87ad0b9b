"""Pages of the certificates app.

Page names must not collide with the API router's ("certificate-download", "certificate-revoke",
"certificate-template-preview", "transcript-download", …): reverse() would find whichever comes
last. So a page's download is "certificate-page-download", as a class's page is "class-page".

Included before courses.urls: its "classes/<pk>/<action>/" would otherwise take
"classes/<pk>/certificates/"."""
from django.urls import path

from .views import classes, mine, public, templates

urlpatterns = [
    path("certificate-templates/", templates.template_index, name="certificate-template-index"),
    path("certificate-templates/<int:pk>/", templates.template_page, name="certificate-template-page"),
    path("certificate-templates/<int:pk>/preview/", templates.template_preview, name="certificate-template-page-preview"),
    path("classes/<int:pk>/certificates/", classes.class_certificates, name="class-certificates"),
    path("certificates/<int:pk>/download/", mine.certificate_download, name="certificate-page-download"),
    path("transcripts/<int:pk>/download/", mine.transcript_download, name="transcript-page-download"),
    path("my/certificates/", mine.my_certificates, name="my-certificates"),
    path("verify/<str:code>/", public.verify, name="verify"),
]
