"""Errors that stop a run before it starts. Everything that goes wrong with one URL or one
article is an outcome instead (newsmon.pipeline.models.Outcome), never an exception."""

from __future__ import annotations


class CrawlError(RuntimeError):
    """The crawler process itself failed (not a single URL: those are outcomes)."""


class ConfigError(ValueError):
    """A configuration file or setting is unusable. The message is one line that names the
    file and the field, so that the fix is obvious; the CLI exits 1, Airflow does not retry."""
