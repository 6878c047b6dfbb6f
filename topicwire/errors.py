"""topicwire's one exception tree.

    TopicwireError
    ├── ConfigError            bad config file, key or value (names the key path)
    │   └── QueryError         a topic query that does not parse (names the position)
    ├── SourceError(url)       one source or URL could not be handled; the run goes on
    │   ├── FetchError         network, HTTP status, time and size caps
    │   │   ├── TargetError    the URL itself cannot be fetched from here: invalid, scheme,
    │   │   │                  unresolvable host, refused private address, TLS failure
    │   │   └── Throttled      our own politeness refused it (busy host, Retry-After): nothing sent
    │   └── ParseError         a body that is not a feed or page we can read
    ├── StoreError             the database could not be opened, migrated or written
    ├── NotFoundError          what a command names is not in the store (the CLI exits 2)
    └── PublishError           a feed file could not be written

Third-party errors are wrapped at the boundary with ``raise X(...) from e``.
A failing source is a *result* with an error, logged once; anything else that
escapes is a bug and propagates.
"""

from __future__ import annotations

from typing import Any


class TopicwireError(Exception):
    """Base of every error topicwire raises on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Raised in a worker process (topicwire/cpu.py) and re-raised here: pickled with its
        # attributes, since the subclasses' __init__ take other arguments than ``args``.
        return (_restore, (type(self), self.args, self.__dict__))


def _restore(cls: type[TopicwireError], args: tuple[Any, ...], state: dict[str, Any]) -> TopicwireError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class ConfigError(TopicwireError):
    """One or more problems in the configuration.

    ``problems`` lists every message found (``key.path: value ... hint``), so
    ``topicwire check`` can print them all at once.
    """

    def __init__(self, problems: str | list[str]) -> None:
        self.problems: tuple[str, ...] = (problems,) if isinstance(problems, str) else tuple(problems)
        super().__init__("\n".join(self.problems))


class QueryError(ConfigError):
    """A topic query that does not parse; ``position`` is a 0-based offset."""

    def __init__(self, query: str, position: int, message: str) -> None:
        self.query = query
        self.position = position
        self.message = message
        caret = " " * position + "^"
        super().__init__(f"{message} at position {position}\n    {query}\n    {caret}")


class SourceError(TopicwireError):
    """A source or URL that could not be handled. ``url`` names it."""

    def __init__(self, url: str, message: str) -> None:
        self.url = url
        self.message = message
        super().__init__(f"{message} ({url})")


class FetchError(SourceError):
    """Network failure, bad HTTP status, size or time cap, refused address.

    ``status`` is the HTTP status when there was one, ``retry_after`` the
    seconds the server asked us to wait (429/503), if any.
    """

    def __init__(
        self,
        url: str,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.retry_after = retry_after
        super().__init__(url, message)


class TargetError(FetchError):
    """The URL cannot be fetched from here at all, whatever the moment: an invalid URL
    or scheme, a host name that does not resolve, an address refused by
    ``fetch.allow_private_addresses``, a TLS failure. Unlike a timeout or a 5xx it
    says nothing about whether the server is up, so robots.txt (RFC 9309 2.3.1.4)
    must not read it as "unreachable": the page's fetch would fail the same way.
    """


class Throttled(FetchError):
    """Our own politeness refused a request before anything was sent.

    A busy host (``max_wait``, sources/hosts.py) or a Retry-After still running: the
    server was not asked, so callers must not record it as the server's answer.
    """


class ParseError(SourceError):
    """A body that is neither a feed nor a page we can read."""


class StoreError(TopicwireError):
    """The store could not be opened, migrated or written."""


class NotFoundError(TopicwireError):
    """What a command asked for (an article, a statement) is not stored: the command line
    was wrong, not the store, so the CLI exits 2 as for a bad value."""


class PublishError(TopicwireError):
    """A feed file or the output folder could not be written."""
