# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/streamlit-single:streamlit-single#stage-0
FROM python:3.12-slim@sha256:3a1c3c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293 AS apps-streamlit-single-stage-0
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends     build-essential     curl     && rm -rf /var/lib/apt/lists/*
COPY apps/streamlit-single/requirements.txt ./
RUN pip3 install -r requirements.txt
COPY apps/streamlit-single .
VOLUME ["/app/data"]
EXPOSE 8501
HEALTHCHECK CMD curl --fail http://localhost:8501/_stcore/health
ENTRYPOINT ["streamlit", "run", "streamlit_app.py", "--server.port=8501", "--server.address=0.0.0.0"]
