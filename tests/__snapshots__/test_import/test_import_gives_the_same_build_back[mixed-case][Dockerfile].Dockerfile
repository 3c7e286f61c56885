# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/mixed-case:mixed-case#builder
FROM python:3.12-slim@sha256:3a1c3c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293 AS apps-mixed-case-builder
WORKDIR /build
COPY apps/mixed-case/pkg ./pkg
RUN pip wheel --no-deps -w /dist ./pkg

# //apps/mixed-case:mixed-case#final
FROM python:3.12-slim@sha256:3a1c3c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293 AS apps-mixed-case-final
COPY --from=apps-mixed-case-builder /dist /dist
RUN pip install --no-cache-dir /dist/*.whl && rm -rf /dist
CMD ["python", "-c", "import pkg"]
