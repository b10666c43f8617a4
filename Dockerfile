# syntax=docker/dockerfile:1
# Multi-stage: the frontend is built with Node, the runtime is Python with CPU-only torch
# (~220 MB resident instead of ~500 MB for the CUDA build), running as a non-root user.
#   docker build -t digits . && docker run -p 8000:8000 digits

FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
# the locked versions; `npm install` because the lock lacks other platforms' optional rollup binaries
RUN npm install --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PORT=8000 \
    WEB_CONCURRENCY=2 \
    DEVICE=cpu
WORKDIR /app
COPY requirements.txt ./
# The CPU wheel of the same torch version first; requirements.txt then finds torch already satisfied.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.14.1 \
 && pip install -r requirements.txt
COPY gunicorn.conf.py Procfile ./
COPY backend/ backend/
COPY models/__init__.py models/nets.py models/checkpoint.py models/device.py models/export.py models/
COPY models/checkpoints/ models/checkpoints/
COPY --from=frontend /src/frontend/dist frontend/dist
RUN useradd --create-home --uid 10001 app
USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/ready', timeout=2)"
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
