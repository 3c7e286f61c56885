"""Phase: the stages of every target linked into a checked DAG; queries and diagrams of it."""
