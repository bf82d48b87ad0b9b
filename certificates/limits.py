"""The rate limit of the public verification page and API: a fixed one-minute window per client
address, counted in the cache (Redis in production, so every process shares the count)."""
import time

from django.conf import settings
from django.core.cache import cache


def verification_allowed(request) -> bool:
    """Count this request; False once the address has made more than the allowed number this
    minute. The address is REMOTE_ADDR: behind a reverse proxy, configure it to set that."""
    limit = getattr(settings, "CERTIFICATES_VERIFY_PER_MINUTE", 30)
    key = f"verify:{request.META.get('REMOTE_ADDR', '')}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=90)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.add(key, 1, timeout=90)
        count = 1
    return count <= limit
