"""The database layer: psycopg2, compiled against libpq in the builder."""

import psycopg2

from money import cents

LIBPQ = str(psycopg2.__libpq_version__)


def price_row(amount: str) -> tuple[str, int]:
    """A row of the prices table."""
    return ("price", cents(amount))
