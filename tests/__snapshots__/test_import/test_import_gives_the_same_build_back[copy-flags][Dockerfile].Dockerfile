# syntax=docker/dockerfile:1.4
# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/copy-flags:copy-flags#runtime
FROM debian:bookworm-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c AS apps-copy-flags-runtime
RUN useradd --uid 10001 --create-home app
COPY --chmod=755 apps/copy-flags/entrypoint.sh /usr/local/bin/entrypoint.sh
COPY --chown=app:app --chmod=644 apps/copy-flags/config/settings.toml /home/app/settings.toml
COPY --link --chown=10001:10001 ["apps/copy-flags/static files/", "/srv/static/"]
ADD --chown=app:app apps/copy-flags/vendor.tar.gz /opt/vendor/
USER app
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
