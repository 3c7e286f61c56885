"""Phase: running the emitted bake file's images (buildx bake, or one docker build per image),
with a log per job."""
