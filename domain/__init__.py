"""The story archive's domain: stories, their updates, and what they said as of a date."""
