# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/go-distroless:go-distroless#build
FROM golang:1.23-bookworm@sha256:3333333333333333333333333333333333333333333333333333333333333333 AS apps-go-distroless-build
WORKDIR /src
COPY apps/go-distroless/go.mod apps/go-distroless/go.sum ./
RUN go mod download
COPY apps/go-distroless/cmd ./cmd
RUN CGO_ENABLED=0 go build -trimpath -o /out/server ./cmd/server

# //apps/go-distroless:go-distroless#stage-1
FROM gcr.io/distroless/static-debian12:nonroot@sha256:4444444444444444444444444444444444444444444444444444444444444444 AS apps-go-distroless-stage-1
COPY --from=apps-go-distroless-build /out/server /server
EXPOSE 8080
USER 65532:65532
ENTRYPOINT ["/server"]
