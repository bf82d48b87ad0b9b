from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import TemplateView

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password-change"),
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("orgs/", TemplateView.as_view(template_name="home.html"), name="org-tree"),
    path("users/", TemplateView.as_view(template_name="home.html"), name="user-list"),
    path("roles/history/", TemplateView.as_view(template_name="home.html"), name="role-history"),
]
