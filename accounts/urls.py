from django.urls import path

from . import views

# Page names must not collide with the API router's ("user-import-detail", "user-export", …):
# reverse() would then find whichever comes last.
urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("", views.home, name="home"),
    path("orgs/", views.org_tree, name="org-tree"),
    path("users/", views.user_list, name="user-list"),
    path("users/import/", views.user_import, name="user-import"),
    path("users/import/<int:pk>/", views.user_import_review, name="user-import-review"),
    path("users/import/<int:pk>/confirm/", views.user_import_start, name="user-import-start"),
    path("roles/history/", views.role_history, name="role-history"),
]
