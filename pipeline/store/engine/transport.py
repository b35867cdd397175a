"""Transports: the one place where the two client libraries (elasticsearch-py, opensearch-py)
differ. Both speak the same request bodies; errors are mapped to two exception types."""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit


class EngineError(RuntimeError):
    def __init__(self, status: int | str, body: Any):
        super().__init__(f"{status}: {str(body)[:500]}")
        self.status = status
        self.body = body


class EngineUnavailable(EngineError):
    """No answer at all: connection refused, reset or timed out."""


class Transport(Protocol):
    flavor: str

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Any: ...

    def close(self) -> None: ...


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """A URL with user:password@ to the bare URL and the credentials (kept for old
    configurations; new ones pass credentials separately, see newsmon.settings)."""
    parts = urlsplit(url)
    if not parts.username:
        return url, None
    netloc = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    return (
        urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")),
        (parts.username, parts.password or ""),
    )


class ElasticsearchTransport:
    flavor = "elasticsearch"

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        ca_certs: str | None = None,
        timeout: float = 30.0,
        basic_auth: tuple[str, str] | None = None,
    ):
        from elasticsearch import Elasticsearch

        url, in_url = split_credentials(url)
        tls: dict[str, Any] = {"ca_certs": ca_certs} if ca_certs else {}
        self.client = Elasticsearch(
            url,
            basic_auth=basic_auth or in_url,
            api_key=api_key,
            **tls,
            request_timeout=timeout,
            max_retries=0,
            retry_on_timeout=False,
        )

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Any:
        from elastic_transport import TransportError
        from elasticsearch import ApiError

        headers = {"accept": "application/json"}
        if body is not None:
            headers["content-type"] = content_type
        try:
            return self.client.perform_request(
                method, path, params=params, headers=headers, body=body
            ).body
        except ApiError as exc:
            raise EngineError(exc.meta.status, exc.body) from exc
        except TransportError as exc:
            raise EngineUnavailable("unavailable", exc) from exc

    def close(self) -> None:
        self.client.close()


class OpenSearchTransport:
    flavor = "opensearch"

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        ca_certs: str | None = None,
        timeout: float = 30.0,
        basic_auth: tuple[str, str] | None = None,
    ):
        from opensearchpy import OpenSearch

        url, in_url = split_credentials(url)
        self.client = OpenSearch(
            hosts=[url],
            http_auth=basic_auth or in_url,
            ca_certs=ca_certs,
            verify_certs=bool(ca_certs) or url.startswith("https"),
            timeout=timeout,
            max_retries=0,
            retry_on_timeout=False,
        )

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Any:
        from opensearchpy.exceptions import ConnectionError as OSConnectionError
        from opensearchpy.exceptions import TransportError

        try:
            return self.client.transport.perform_request(
                method,
                path,
                params=params,
                body=body,
                headers={"content-type": content_type} if body is not None else None,
            )
        except OSConnectionError as exc:
            raise EngineUnavailable("unavailable", exc) from exc
        except TransportError as exc:
            raise EngineError(exc.status_code, exc.info) from exc

    def close(self) -> None:
        self.client.close()
