"""Phase: BUILD.toml files read strictly into the model; the keys tables take, and the JSON
Schema made from them."""
