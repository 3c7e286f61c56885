"""The example API service."""

import psycopg2
from flask import Flask

app = Flask(__name__)


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok", "libpq": str(psycopg2.__libpq_version__)}
