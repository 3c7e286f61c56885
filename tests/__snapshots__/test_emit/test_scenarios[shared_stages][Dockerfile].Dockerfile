# [graphbuild's generated header: test_emit's example snapshots hold it]

# //:base
FROM debian:bookworm-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c AS base
RUN apt-get update && apt-get -y upgrade && rm -rf /var/lib/apt/lists/*

# //svc/alpha:alpha#runtime-base, //svc/beta:beta#runtime-base, //svc/gamma:gamma#runtime-base
FROM base AS svc-alpha-runtime-base
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*

# //svc/alpha:alpha
FROM svc-alpha-runtime-base AS svc-alpha
COPY svc/alpha/app.py /srv/app.py
CMD ["python3", "/srv/app.py"]

# //svc/beta:beta
FROM svc-alpha-runtime-base AS svc-beta
COPY svc/beta/app.py /srv/app.py
CMD ["python3", "/srv/app.py"]

# //svc/gamma:gamma
FROM svc-alpha-runtime-base AS svc-gamma
COPY svc/gamma/app.py /srv/app.py
CMD ["python3", "/srv/app.py"]
