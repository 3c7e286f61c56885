"""Phase: file digests, canonical JSON and the Merkle hash of every stage; the lock file of
hashes."""
