"""Story seeds and the sources list shipped with newsmon (package data: newsmon.seeds)."""
