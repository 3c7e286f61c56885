# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/base-image-arg:base-image-arg#stage-0
FROM debian:bookworm-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c AS apps-base-image-arg-stage-0
RUN apt-get update && apt-get install -y --no-install-recommends python3 && rm -rf /var/lib/apt/lists/*
COPY apps/base-image-arg/run.py /usr/local/bin/run.py
CMD ["python3", "/usr/local/bin/run.py"]
