"""A run's processed file split in two runs, for what a second run does to the first's."""

from newsmon import jobs


def two_runs(demo_run, tmp_path):
    """The demo run's processed file as two runs: the earlier half of its articles (and the
    rest of its records), then the later half alone, so the second only adds members."""
    from newsmon.pipeline.models import Article
    from newsmon.pipeline.runfiles import read_records, write_records

    records = list(read_records(demo_run["landing"].parent / jobs.PROCESSED_FILE))
    articles = sorted(
        (r for r in records if isinstance(r, Article)), key=lambda a: (a.published_at or "", a.id)
    )
    later = {a.id for a in articles[len(articles) // 2 :]}
    paths = []
    for name, kept in (
        ("first", [r for r in records if not isinstance(r, Article) or r.id not in later]),
        ("second", [a for a in articles if a.id in later]),
    ):
        (tmp_path / name).mkdir()
        write_records(tmp_path / name / jobs.PROCESSED_FILE, kept)
        paths.append(tmp_path / name / jobs.PROCESSED_FILE)
    return paths
