"""Phase: the definition, graph, tree and hashes of a workspace joined into one Analysis, from
the memo when nothing moved."""
