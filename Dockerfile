# The bot as a container: slim Python, an unprivileged user, the database on a volume.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    DATABASE_PATH=/data/bot.sqlite3

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so code changes reuse this layer.
COPY pyproject.toml README.md ./
RUN mkdir bot handlers storage catalog \
    && touch bot/__init__.py handlers/__init__.py storage/__init__.py catalog/__init__.py \
    && pip install --no-cache-dir . \
    && pip uninstall --yes mct-training-bot

COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY catalog ./catalog
RUN pip install --no-cache-dir --no-deps . \
    && groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin bot \
    && mkdir /data \
    && chown 10001:10001 /data

# SQLite needs the folder, not just the file: the -wal and -shm files and the nightly
# backups live beside the database.
VOLUME ["/data"]
USER 10001:10001
# Webhook mode listens here (WEBHOOK_PORT); polling mode opens no port.
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
