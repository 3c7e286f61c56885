"""Phase: the workspace's files as data: the walk, git's view of them, glob matching, stage
inputs."""
