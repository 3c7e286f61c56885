"""The example background worker."""
