"""ARG defaults as BuildKit's lexer reads them: checked against the importer in the fast
tests and against the engine in the e2e tests."""

from __future__ import annotations

ARG_WORDS = [  # (an ARG default as written, its value after ARG PY=3.12), as Docker 26 reads it
    (r'"a \"b\" c"', 'a "b" c'),  # double quotes: \" is a quote
    (r'"a\nb"', r"a\nb"),  # ... and any other backslash stays
    ("'$PY \\'", "$PY \\"),  # single quotes: nothing is special
    (r"a\ b\$PY", "a b$PY"),  # unquoted: a backslash escapes what follows
    ("python:${PY}-slim", "python:3.12-slim"),  # a default naming an earlier ARG
    ("${NONE:-bookworm}", "bookworm"),  # an unset name with a default word
    ("$NONE.x", ".x"),  # an unset name is empty
    ('"${PY:+has "py"}"', "has py"),  # the word is a word of its own
]
