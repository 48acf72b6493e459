"""The kinds of update a story is made of, in the newsroom's words.

A module of its own so that `story --help` can offer them without loading the domain.
"""

from __future__ import annotations

KINDS = ("report", "statement", "fact", "correction", "retraction", "revision")
