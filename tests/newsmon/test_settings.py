"""Settings: explicit value, then environment, then default; paths absolute; secrets hidden."""

from __future__ import annotations

from pathlib import Path

from newsmon.settings import Settings


def test_an_explicit_value_wins_over_the_environment_and_paths_are_made_absolute(tmp_path):
    env = {"NEWSMON_HOME": "home", "NEWSMON_WORKERS": "3", "NEWSMON_INDEX_PREFIX": "envpfx"}
    settings = Settings.resolve({"index_prefix": "given", "landing": ""}, env=env, cwd=tmp_path)
    assert settings.home == tmp_path / "home"
    assert settings.store == str(tmp_path / "home" / "newsmon.sqlite")
    assert settings.landing == tmp_path / "home" / "landing"  # "" means not given
    assert settings.index_prefix == "given"
    assert settings.workers == 3


def test_passwords_and_keys_never_show_in_a_repr(tmp_path):
    env = {"NEWSMON_ES_PASSWORD": "hunter2", "NEWSMON_ES_API_KEY": "k3y"}
    settings = Settings.resolve(env=env, cwd=tmp_path)
    assert "hunter2" not in repr(settings) and "k3y" not in repr(settings)
    assert settings.auth.password == "hunter2" and settings.auth.api_key == "k3y"


def test_a_changed_copy_leaves_the_original_alone(tmp_path):
    settings = Settings.resolve(env={"NEWSMON_HOME": str(tmp_path)}, cwd=tmp_path)
    other = settings.with_values(sources=Path("/elsewhere/sources.yaml"))
    assert other.sources == Path("/elsewhere/sources.yaml")
    assert settings.sources != other.sources and other.home == settings.home
