"""The example nightly report: a service still on its own pinned requirements.txt."""
import six

print("report ready, six", six.__version__, flush=True)
