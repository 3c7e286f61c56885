"""The example API service."""

from flask import Flask

from db import LIBPQ, price_row

app = Flask(__name__)


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok", "libpq": LIBPQ, "price": str(price_row("1.25")[1])}
