"""Where the archive lives: the event store and its read-side index, through SQLAlchemy."""
