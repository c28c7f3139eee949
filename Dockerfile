# One image for every HuleEdu service; SERVICE picks the package to run.
#   docker build --build-arg SERVICE=content_service -t huleedu/content_service .
FROM python:3.11-slim

ARG SERVICE
ENV SERVICE=${SERVICE} \
    PYTHONUNBUFFERED=1 \
    PDM_CHECK_UPDATE=false

WORKDIR /app
# PDM in its own venv, pinned as in ./dev (hishel 2 broke PDM 2.29).
RUN python -m venv /opt/pdm && /opt/pdm/bin/pip install --no-cache-dir "pdm==2.29.4" "hishel<2"

COPY pyproject.toml pdm.lock ./
COPY libs ./libs
COPY services ./services
COPY scripts ./scripts
# The workspace group only: the libraries and services, without test and lint tools.
RUN /opt/pdm/bin/pdm sync --no-default -G workspace --no-self

ENV PATH="/app/.venv/bin:${PATH}"
# Migrations first (an advisory lock serialises replicas), then the service on all interfaces.
CMD ["sh", "-c", "python -m ${SERVICE} migrate && exec python -m ${SERVICE} serve --host 0.0.0.0"]
