# The one image behind web, worker, beat and migrate in docker-compose.yml.
# Front-end libraries (htmx, SortableJS) come from the npm registry.
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=crm_project.settings.production

RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 crm

WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
COPY . .
COPY --from=assets /assets/node_modules ./node_modules
# Translations and static files are built into the image; the build needs a key, not a real one.
RUN SECRET_KEY=build-only-key-build-only-key-build-only-key-build-only \
    python manage.py compilemessages --ignore .venv -v 0 \
    && SECRET_KEY=build-only-key-build-only-key-build-only-key-build-only \
    python manage.py collectstatic --no-input -v 0 \
    && chown -R crm /app/var

USER crm
EXPOSE 8000
CMD ["gunicorn", "crm_project.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
