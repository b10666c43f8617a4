# syntax=docker/dockerfile:1
# Two images from one file, both with the frontend built in Node and served by the same gunicorn:
#   CPU (the default, last stage): requirements.txt only -- ONNX Runtime, no torch, no CUDA.
#     docker build -t digits . && docker run -p 8000:8000 digits
#   GPU: requirements-gpu.txt (+ torch, a CUDA build that brings its CUDA libraries), DEVICE=cuda;
#   the host needs the NVIDIA driver and the NVIDIA Container Toolkit.
#     docker build --target gpu -t digits-gpu . && docker run --gpus all -p 8000:8000 digits-gpu

FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
# the locked versions; `npm install` because the lock lacks other platforms' optional rollup binaries
RUN npm install --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-bookworm AS wheels
# pywuffs comes as source only: it is compiled here, where a compiler is, with the other requirements'
# wheels beside it, so that the slim image below installs them all without one
COPY requirements.txt /src/
RUN pip wheel --no-cache-dir --disable-pip-version-check --wheel-dir /wheels -r /src/requirements.txt

FROM python:3.11-slim-bookworm AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000 \
    WEB_CONCURRENCY=2
WORKDIR /app
RUN useradd --create-home --uid 10001 app
COPY requirements.txt requirements-gpu.txt ./
RUN --mount=type=bind,from=wheels,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels -r requirements.txt

FROM base AS app
COPY gunicorn.conf.py Procfile ./
COPY backend/ backend/
COPY models/ models/
COPY --from=frontend /src/frontend/dist frontend/dist
# the default corrections store (SQLite) lives here; set DATABASE_URL to keep them beyond the container
RUN mkdir -p instance && chown 10001 instance
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/ready', timeout=2)"]
CMD ["python", "-m", "backend.serve"]

FROM app AS gpu
# one worker per GPU process is the sane default; raise WEB_CONCURRENCY on a big card
ENV DEVICE=cuda \
    WEB_CONCURRENCY=1
RUN pip install --no-cache-dir -r requirements-gpu.txt
USER 10001

FROM app AS cpu
ENV DEVICE=cpu
USER 10001
