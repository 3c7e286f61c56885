# [graphbuild's generated header: test_emit's example snapshots hold it]

# //app:app@full,3.11
FROM debian:bookworm-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c AS app-full-3.11
ARG PIP_INDEX_URL="https://pypi.example.com/simple"
COPY app/requirements.txt /tmp/requirements.txt
RUN echo python3.11-full && pip install --index-url "$PIP_INDEX_URL" -r /tmp/requirements.txt

# //app:app@full,3.12
FROM debian:bookworm-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c AS app-full-3.12
ARG PIP_INDEX_URL="https://pypi.example.com/simple"
COPY app/requirements.txt /tmp/requirements.txt
RUN echo python3.12-full && pip install --index-url "$PIP_INDEX_URL" -r /tmp/requirements.txt

# //app:app@slim,3.11
FROM debian:bookworm-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c AS app-slim-3.11
ARG PIP_INDEX_URL="https://pypi.example.com/simple"
COPY app/requirements.txt /tmp/requirements.txt
RUN echo python3.11-slim && pip install --index-url "$PIP_INDEX_URL" -r /tmp/requirements.txt

# //app:app@slim,3.12
FROM debian:bookworm-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c AS app-slim-3.12
ARG PIP_INDEX_URL="https://pypi.example.com/simple"
COPY app/requirements.txt /tmp/requirements.txt
RUN echo python3.12-slim && pip install --index-url "$PIP_INDEX_URL" -r /tmp/requirements.txt
