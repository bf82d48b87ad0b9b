from django.shortcuts import redirect
from django.urls import reverse

# Paths a user who must change the initial password may still reach.
_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/")


class PasswordChangeRequiredMiddleware:
    """Someone imported with an initial password changes it before using any page.
    (The API answers as usual; `me` tells a script that the password must change.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(_ALLOWED_PREFIXES)
        ):
            return redirect(reverse("password-change"))
        return self.get_response(request)
