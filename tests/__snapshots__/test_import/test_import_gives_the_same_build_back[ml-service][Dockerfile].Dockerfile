# syntax=docker/dockerfile:1.6
# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/ml-service:ml-service#model
FROM python:3.11-slim@sha256:5555555555555555555555555555555555555555555555555555555555555555 AS apps-ml-service-model
ADD --checksum=sha256:24454f4ab1fb1e0b7b8b6a5c3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a49 https://models.example.com/sentiment/v3/model.onnx /models/model.onnx
ADD https://models.example.com/sentiment/v3/LICENSE /models/LICENSE

# //apps/ml-service:ml-service#stage-1
FROM python:3.11-slim@sha256:5555555555555555555555555555555555555555555555555555555555555555 AS apps-ml-service-stage-1
ENV PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu
COPY apps/ml-service/requirements.txt /tmp/requirements.txt
RUN --mount=type=cache,target=/root/.cache/pip pip install -r /tmp/requirements.txt
COPY --from=apps-ml-service-model /models /models
COPY apps/ml-service/serve.py /srv/serve.py
ENV MODEL_PATH=/models/model.onnx OMP_NUM_THREADS=1
EXPOSE 8080
USER 1000
CMD ["python", "/srv/serve.py"]
