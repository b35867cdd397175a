"""The demo web: a news web of outlets, feeds and wire copies served on loopback."""

DEFAULT_PORT = 8720  # here, not in .server: the CLI reads it without the server's imports
