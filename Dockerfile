# The survgraph API. `docker compose up` runs it against the compose file's neo4j service; alone:
#   docker build -t survgraph . && docker run -p 8000:8000 -e NEO4J_URI=... -e NEO4J_PASSWORD=... survgraph
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SURVGRAPH_DATA_DIR=/app/data

WORKDIR /app

# The package first, then the records: editing seed data does not re-install dependencies.
COPY pyproject.toml README.md ./
COPY survgraph ./survgraph
RUN pip install . && useradd --system --uid 10001 --home-dir /app survgraph \
    && mkdir -p /app/data && chown survgraph /app/data
COPY seed_data ./seed_data

USER survgraph
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]

# --seed loads seed_data/ only into an empty database; --wait rides out a Neo4j that is still starting.
CMD ["survgraph", "serve", "--host", "0.0.0.0", "--store", "neo4j", "--seed", "/app/seed_data", "--wait", "120"]
