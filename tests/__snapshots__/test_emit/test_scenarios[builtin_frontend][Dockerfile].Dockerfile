# [graphbuild's generated header: test_emit's example snapshots hold it]

# //:app
FROM graphbuild-e2e/debian:bookworm AS app
ADD --checksum=sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254 https://files.pythonhosted.org/packages/d9/5a/e7c31adbe875f2abbb91bd84cf2dc52d792b5a01506781dbcf25c91daf11/six-1.16.0-py2.py3-none-any.whl /opt/
COPY --link hello.txt /opt/hello.txt
RUN <<EOF
set -e
echo "from a heredoc" > /opt/heredoc.txt
test -s /opt/six-1.16.0-py2.py3-none-any.whl
EOF
USER 10001:10001
