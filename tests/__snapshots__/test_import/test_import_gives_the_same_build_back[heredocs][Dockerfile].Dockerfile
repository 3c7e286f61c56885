# syntax=docker/dockerfile:1.4
# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/heredocs:heredocs#base
FROM debian:bookworm-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c AS apps-heredocs-base
RUN <<EOF
set -eu
apt-get update
apt-get install -y --no-install-recommends python3
rm -rf /var/lib/apt/lists/*
EOF
COPY <<EOT /etc/app/app.ini
[app]
greeting = hello   world
EOT
RUN <<-EOF bash
	set -euo pipefail
	echo "tabs stripped" > /etc/app/tabs.txt
EOF
COPY --link apps/heredocs/app.py /srv/app.py
CMD ["python3", "/srv/app.py"]
