"""Phase: what rebuilds and why, against a baseline (the lock, or the lock at a git ref); its
text and JSON forms."""
