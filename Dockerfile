# The application image: web (gunicorn), Celery worker and Celery beat all run from it.
# Everything it serves ships inside it (static files, Swagger UI, the Chinese font): no CDN, no
# download at run time, so it works on an intranet without internet access.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=backend.settings \
    DJANGO_VAR_DIR=/app/var

# TrueType Chinese font embedded in certificates (Noto CJK's CFF outlines cannot be embedded).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt /app/requirements.txt
RUN pip install -r requirements.txt

COPY . /app

# Translations, then static files (hashed and compressed for whitenoise) into the image.
# collectstatic loads the production settings, which insist on a secret: a throwaway one, for this step only.
RUN python scripts/compile_messages.py \
    && DJANGO_ENV=production \
       DJANGO_SECRET_KEY=image-build-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
       DJANGO_ALLOWED_HOSTS=build \
       python manage.py collectstatic --noinput \
    && useradd --system --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p /app/var/media \
    && chown -R app:app /app/var

USER app
EXPOSE 8000
# The web command; docker-compose.yml runs migrate first, and the worker and beat commands.
ENV GUNICORN_CMD_ARGS="--bind 0.0.0.0:8000 --workers 3 --access-logfile - --timeout 60"
CMD ["gunicorn", "backend.wsgi"]
