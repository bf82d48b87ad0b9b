from django.http import HttpResponse


def healthz(request):
    """Liveness for load balancers and compose health checks; touches nothing.
    Also the bare-Django baseline of the request benchmark."""
    return HttpResponse("ok", content_type="text/plain")
