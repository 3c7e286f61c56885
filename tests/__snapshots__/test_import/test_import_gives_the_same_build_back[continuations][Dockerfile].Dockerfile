# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/continuations:continuations#stage-0
FROM debian:bookworm-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c AS apps-continuations-stage-0
RUN echo abcd > /joined.txt
RUN printf "%s\n" "a   b"     "c" > /quoted.txt
LABEL org.example.note="two   parts"
CMD ["cat", "/joined.txt"]
