"""The `story` command: a thin click layer over the archive application."""
