# syntax=docker/dockerfile:1.6
# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/flask-healthcheck:flask-healthcheck#stage-0
FROM python:3.12-slim@sha256:3a1c3c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293 AS apps-flask-healthcheck-stage-0
ENV FLASK_APP=app
COPY apps/flask-healthcheck/requirements.txt /tmp/
RUN pip install --no-cache-dir -r /tmp/requirements.txt
COPY apps/flask-healthcheck/app /srv/app
WORKDIR /srv
USER 10001:10001
EXPOSE 5000
HEALTHCHECK --interval=10s --timeout=2s --start-period=20s --start-interval=1s --retries=3     CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:5000/healthz')"]
STOPSIGNAL SIGINT
CMD ["gunicorn", "-w", "2", "-b", "0.0.0.0:5000", "app:app"]
