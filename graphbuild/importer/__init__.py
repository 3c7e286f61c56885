"""A Dockerfile turned into a BUILD.toml of raw stages (`graphbuild import`)."""
