"""Pages of the rectification ledger. Names start with "ledger" so they never collide with the API
router's ("finding-list", "finding-detail", "finding-export", …)."""
from django.urls import path

from . import views

urlpatterns = [
    path("findings/", views.ledger, name="ledger"),
    path("findings/new/", views.finding_new, name="ledger-new"),
    path("findings/export/", views.ledger_export, name="ledger-export"),
    path("findings/<int:pk>/", views.finding_page, name="ledger-finding"),
    path("findings/evidence/<int:pk>/", views.evidence_page_download, name="ledger-evidence"),
]
