"""Settings are chosen by DJANGO_ENV: development (default), test or production.

Everything that differs between deployments comes from environment variables;
the modules below only pick safe defaults for each environment.
"""
import os

_env = os.environ.get("DJANGO_ENV", "development")
if _env == "production":
    from .production import *  # noqa: F401,F403
elif _env == "test":
    from .test import *  # noqa: F401,F403
else:
    from .base import *  # noqa: F401,F403
