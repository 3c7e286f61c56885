# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/git-revision:git-revision#stage-0
FROM python:3.12-slim@sha256:3a1c3c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293 AS apps-git-revision-stage-0
COPY apps/git-revision/.git/HEAD /srv/GIT_HEAD
COPY apps/git-revision/main.py /srv/main.py
CMD ["python", "/srv/main.py"]
