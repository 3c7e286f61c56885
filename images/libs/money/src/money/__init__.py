"""Amounts of money in integer cents."""


def cents(amount: str) -> int:
    """'12.5' -> 1250."""
    units, _, fraction = amount.partition(".")
    return int(units) * 100 + int((fraction + "00")[:2])
