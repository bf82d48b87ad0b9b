"""The public verification page, where a certificate's QR code leads: no sign-in, readable on a
phone, rate-limited per client address; it shows what `selectors.verification` returns and nothing
more."""
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from .. import selectors
from ..limits import verification_allowed


@never_cache
def verify(request, code):
    if not verification_allowed(request):
        response = render(request, "certificates/verify_throttled.html", status=429)
        response["Retry-After"] = "60"  # the limit counts per minute
        return response
    found = selectors.verification(code=code)
    if found is None:
        return render(request, "certificates/verify_missing.html", status=404)
    return render(request, "certificates/verify.html", {"v": found})
