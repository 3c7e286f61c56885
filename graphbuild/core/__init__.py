"""The vocabulary every phase shares: labels, the frozen model, steps, the error hierarchy,
atomic writes."""
