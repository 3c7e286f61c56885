"""Emitters: the combined Dockerfile, its ignore file and the bake file."""
