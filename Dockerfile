# syntax=docker/dockerfile:1
# One image for every shequ process; the command picks the service:
#   shequ serve grid|economy|welfare|volunteering|district --port 8000
#   shequ project        (district projectors)
#   shequ rebuild        (one-off read-model rebuild)

############################ builder ############################
FROM python:3.11-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
# Dependencies first (pinned in pyproject.toml) so code edits keep this layer cached.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt

COPY shared ./shared
COPY services ./services
COPY bootstrap ./bootstrap
# Smoke check: what a running service imports (composition, every service definition, the CLI).
RUN pip install --no-deps . && cd / && python -c "import bootstrap.runtime, bootstrap.cli, bootstrap.registry; bootstrap.registry.domain_services()" && shequ --help >/dev/null

############################ runtime ############################
FROM python:3.11-slim AS runtime

LABEL org.opencontainers.image.title="shequ" \
      org.opencontainers.image.description="Event-sourced community governance platform"

RUN groupadd --system --gid 10001 shequ \
 && useradd --system --uid 10001 --gid shequ --home-dir /app --no-create-home --shell /usr/sbin/nologin shequ \
 && mkdir -p /app/data \
 && chown -R 10001:10001 /app

COPY --from=builder /opt/venv /opt/venv

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SHEQU_DATA_DIR=/app/data \
    SHEQU_ENV=production \
    SHEQU_EVENT_STORE=postgres

WORKDIR /app
USER 10001:10001
EXPOSE 8000

# Liveness of the HTTP services (every `shequ serve` app has /healthz).
# The projector has no HTTP listener: compose/k8s override this check for it.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"]

CMD ["shequ", "serve", "grid", "--port", "8000"]
