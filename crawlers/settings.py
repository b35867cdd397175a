"""Scrapy settings for newsmon's crawlers: the one place where crawl behaviour is tuned.

Each value says why it is what it is. Environment variables do not leak in here on purpose;
`newsmon.crawlers.run` passes the few run-specific values (landing file, state) as settings.
"""

BOT_NAME = "newsmon"
SPIDER_MODULES = ["newsmon.crawlers.spiders"]
NEWSPIDER_MODULE = "newsmon.crawlers.spiders"

# Say who we are: site owners must be able to tell a monitoring crawler from a scraper.
USER_AGENT = "newsmon/0.1 (news monitoring crawler; obeys robots.txt)"
ROBOTSTXT_OBEY = True

# Politeness: few parallel requests per site and a delay adapted to how fast it answers.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5  # the default (5 s) makes a first run of a few feeds crawl
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
# AutoThrottle with a floor per host: a source's own delay, and robots.txt's Crawl-delay up to
# NEWSMON_CRAWL_DELAY_MAX seconds (newsmon.crawlers.extensions).
EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "newsmon.crawlers.extensions.PoliteThrottle": 0,
}
NEWSMON_CRAWL_DELAY_MAX = 30.0
# Scrapy's downloader lets a host's concurrency be exceeded when no delay is set (see there).
DOWNLOADER = "newsmon.crawlers.downloader.BoundedDownloader"
# A source's `concurrency` and `delay` become its host's DOWNLOAD_SLOTS entry; the sources
# file's `crawl:` block and `defaults:` override the values above (newsmon.pipeline.sources).

# Scrapy starts CONCURRENT_ITEMS asyncio tasks for every callback's output, however little it
# yields: at its default (100) that was 100 tasks per article page and a third of the crawl's
# CPU (bench/crawl_throughput.py). The landing pipeline writes a line per item and gains
# nothing from more.
CONCURRENT_ITEMS = 4

# Bounds on what one response may cost. Sources may lower them (timeout, max_page_bytes).
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 5_000_000  # news pages are far smaller; bigger ones are not articles
DOWNLOAD_WARNSIZE = 2_000_000
REDIRECT_MAX_TIMES = 5
RETRY_TIMES = 1  # a later run fetches what failed; do not hammer a sick site
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# News sites set tracking cookies; we need none, and sending them back makes us trackable.
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# Only the web: no other download handler exists, so no feed, sitemap or redirect can make the
# crawler read a local file (file:), inline data (data:), or an FTP or S3 location.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
# Names are checked where they are resolved for the connection (newsmon.crawlers.middlewares).
TWISTED_DNS_RESOLVER = "newsmon.crawlers.middlewares.GuardedResolver"

DOWNLOADER_MIDDLEWARES = {
    # Before robots.txt (100): a blocked address is refused before anything is sent to it.
    "newsmon.crawlers.middlewares.AddressGuardMiddleware": 50,
    # After RetryMiddleware (550) in the request order, so it sees a 429 or 503 first.
    "newsmon.crawlers.middlewares.RetryAfterMiddleware": 560,
}
ITEM_PIPELINES = {
    "newsmon.crawlers.pipelines.LandingZonePipeline": 300,
}

# Private, loopback, link-local and metadata addresses are refused unless a source (or this
# setting, for every source) allows a network explicitly: see seeds/sources.yaml.
NEWSMON_ALLOW_NETWORKS: list[str] = []
# Retry-After on 429 and 503 is honoured within the crawl up to this wait, this many times;
# a longer wait is recorded as rejected:retry_after.
NEWSMON_RETRY_AFTER_MAX = 60.0
NEWSMON_RETRY_AFTER_TIMES = 2
NEWSMON_DNS_LOOKUP = ""  # another lookup function (tests only); "" = the system's
NEWSMON_LANDING_FILE = ""  # where items go, set by newsmon.crawlers.run

LOG_LEVEL = "INFO"
