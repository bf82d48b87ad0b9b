"""Web pages of the accounts app (to be completed: templates and page flows)."""
from django.http import JsonResponse
from django.utils.translation import gettext as _


def lockout_response(request, credentials=None, *args, **kwargs):
    """What a locked-out login gets: JSON for the API, a page for the browser."""
    message = _("Too many failed logins. Try again in 15 minutes or ask an administrator to unlock the account.")
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "login_locked", "message": message}, status=429)
    from django.shortcuts import render

    return render(request, "accounts/locked.html", {"message": message}, status=429)
