"""The one typed, versioned store of cached state in .graphbuild/: the only code that trusts
it."""
