"""Webhooks per topic (issue 18): each new entry of a topic POSTed to its receiver.

    Store.add_topics        -> outbox row       (store/deliveries.py: same transaction as the entry;
                                                 a statements topic's statements: placement.py)
    Deliverer round         -> due rows          (committed only, oldest first, BATCH per topic)
    | payload               -> JSON body         (pure: the API's entry fields; frozen at first attempt)
    | headers               -> signed request    (pure: HMAC-SHA256 of the body, Idempotency-Key)
    | POST                  -> Attempt           (one deadline of fetch.timeout; redirects not followed)
    | outcome               -> delivered | retry at T | dead   (pure: exponential backoff with jitter)

Delivery is at least once: a row becomes ``delivered`` only after a 2xx, recorded
after the answer, so a crash between the two sends it again with the same
Idempotency-Key (receivers deduplicate on it). Every other answer (3xx, which is
not followed, 4xx, 5xx) and every network error or timeout is a failed attempt,
retried after ``webhooks.retry_base`` doubled per attempt (times 0.75-1.25 for
jitter, at most ``webhooks.retry_max``, or a later Retry-After), until
``webhooks.max_attempts``; then the row is dead.

Nothing here runs on the ingestion path: polls only insert rows. The worker is its
own thread; each topic's receiver is served by its own thread in a round, a
request is cut off at fetch.timeout whatever the receiver sends (sources/deadline.py),
and a topic's round stops at its first failed attempt, so a stalled receiver costs
its topic one timeout per round and holds up no other topic.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import requests

from topicwire import log
from topicwire.clock import Clock, utc_now
from topicwire.config import Config, WebhookConfig
from topicwire.feeds.api import entry_json, statement_json
from topicwire.metrics import Metrics
from topicwire.sources.deadline import Deadline, deadline_session, within
from topicwire.statements.identity import statement_id, story_of_statement
from topicwire.store import Store
from topicwire.types import Delivery, DeliveryStatus

BATCH = 50  # deliveries per topic per round: a long backlog does not starve a reload or a stop
IDLE_WAIT = 60.0  # seconds between looks at the outbox when nothing is due and nothing new came
SIGNATURE_HEADER = "X-Topicwire-Signature"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ERROR_CHARS = 300
Outcome = Literal["delivered", "retry", "dead"]


# --- pure decisions ---------------------------------------------------------------------


def payload(delivery: Delivery, entry: Mapping[str, Any]) -> bytes:
    """The JSON body: the entry as the API lists it, with what this delivery is.

    ``kind`` says what ``entry`` holds ("story": a story as /api/topics/NAME/entries lists
    it; "statement": a statement as /api/statements lists it) and ``id`` is the
    Idempotency-Key, inside the signed bytes.
    """
    doc = {
        "kind": delivery.kind,
        "topic": delivery.topic,
        "id": delivery.key,
        "created": delivery.created.astimezone(UTC).isoformat(),
        "entry": dict(entry),
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8", "replace")


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the raw body with the topic's webhook_secret."""
    return "sha256=" + hmac.new(secret.encode("ascii"), body, hashlib.sha256).hexdigest()


def headers(delivery: Delivery, body: bytes, secret: str, now: datetime) -> dict[str, str]:
    out = {
        "Content-Type": "application/json; charset=utf-8",
        "Idempotency-Key": delivery.key,
        "X-Topicwire-Topic": delivery.topic,
        "X-Topicwire-Kind": delivery.kind,
        "X-Topicwire-Attempt": str(delivery.attempts + 1),
        "X-Topicwire-Timestamp": str(int(now.timestamp())),
    }
    if secret:
        out[SIGNATURE_HEADER] = signature(secret, body)
    return out


def retry_wait(attempts: int, policy: WebhookConfig, rand: float, retry_after: float | None = None) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: retry_base doubled per
    attempt, times 0.75-1.25 (``rand`` in [0, 1)) so receivers coming back are not hit by
    every sender at once, at most retry_max; a Retry-After within retry_max is honoured."""
    backoff = min(policy.retry_max, policy.retry_base * 2 ** min(attempts - 1, 60))
    wait = min(policy.retry_max, backoff * (0.75 + 0.5 * rand))
    if retry_after is not None:
        wait = max(wait, min(retry_after, policy.retry_max))
    return wait


def outcome(status: int | None, attempts: int, policy: WebhookConfig) -> Outcome:
    """What an attempt means; ``attempts`` counts it; ``status`` None is no HTTP answer."""
    if status is not None and 200 <= status < 300:
        return "delivered"
    return "dead" if attempts >= policy.max_attempts else "retry"


@dataclass(frozen=True)
class Attempt:
    status: int | None  # None: no HTTP answer (refused, reset, timed out)
    error: str = ""
    retry_after: float | None = None
    ms: int = 0


@dataclass(frozen=True)
class Hook:
    url: str
    secret: str


# --- the worker ---------------------------------------------------------------------------


class Deliverer:
    """Sends due outbox rows in a background thread (``run``) or until done (``once``)."""

    def __init__(
        self,
        config: Config,
        store: Store,
        clock: Clock = utc_now,
        rand: Callable[[], float] = random.random,
        *,
        metrics: Metrics | None = None,
    ) -> None:
        self.store, self.clock, self.rand = store, clock, rand
        self.metrics = metrics if metrics is not None else Metrics.off()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.configure(config)

    def configure(self, config: Config) -> None:
        """Take the topics' webhooks and the retry policy (start-up and every reload)."""
        self.hooks = {t.name: Hook(t.webhook, t.webhook_secret) for t in config.topics if t.webhook}
        self.policy = config.webhooks
        self.user_agent = config.fetch.user_agent
        self.timeout = (config.fetch.connect_timeout, config.fetch.timeout)
        # The store pushes stories; a statements topic's statements are pushed by the placer.
        self.store.push_topics = frozenset(t.name for t in config.topics if t.webhook and not t.statements)
        self.store.enqueued.set()  # a topic may have just gained a webhook: look now

    # -- run: a thread ---------------------------------------------------------------------
    def start(self) -> None:
        # A daemon thread: a stop waits for it in stop(), bounded by one request's deadline.
        self._thread = threading.Thread(target=self._loop, name="webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the thread after the request in flight (at most fetch.timeout)."""
        self._stop.set()
        self.store.enqueued.set()
        if self._thread is not None:
            self._thread.join(self.timeout[0] + self.timeout[1] + 1)

    def _loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            self.store.enqueued.clear()  # set again by any row enqueued during the round
            try:
                more = self.deliver_round()
                # In the try too: a store away while idle ended the thread (tests/test_db_outage.py).
                idle = 0.0 if more else self._idle_seconds()
            except Exception as e:  # a bug or a store failure: logged, tried again later
                failures += 1
                wait = min(IDLE_WAIT, self.policy.retry_base * 2 ** min(failures - 1, 20))
                log.event(
                    "webhook.round_failed", logging.ERROR, error=f"{type(e).__name__}: {e}", retry_in=f"{wait:.1f}s"
                )
                # Not until the soonest due row: a POST sent but not recorded (disk full) leaves
                # its row due, and it went out again every 50 ms while the store failed.
                self._stop.wait(wait)
                continue
            failures = 0
            if not more:
                self.store.enqueued.wait(idle)

    def _idle_seconds(self) -> float:
        soonest = self.store.next_delivery(self.hooks)
        if soonest is None:
            return IDLE_WAIT
        return max(0.05, min(IDLE_WAIT, (soonest - self.clock()).total_seconds()))

    # -- once: until nothing is due --------------------------------------------------------
    def drain(self) -> None:
        """Deliver what is due now; a request starts at most fetch.connect_timeout + timeout
        after the call, so `once` ends at most about twice that after its feeds."""
        until = time.monotonic() + self.timeout[0] + self.timeout[1]
        while self.deliver_round(until) and time.monotonic() < until:
            pass

    # -- one round ---------------------------------------------------------------------------
    def deliver_round(self, until: float | None = None) -> bool:
        """Every topic's due rows, topics side by side. True when a topic had more due than
        one batch and sent it all (another round at once)."""
        hooks = list(self.hooks.items())
        if len(hooks) <= 1:
            return any(self._topic_round(t, h, until) for t, h in hooks)
        with ThreadPoolExecutor(max_workers=min(4, len(hooks)), thread_name_prefix="webhook") as pool:
            return any(list(pool.map(lambda th: self._topic_round(th[0], th[1], until), hooks)))

    def _topic_round(self, topic: str, hook: Hook, until: float | None) -> bool:
        batch = self.store.due_deliveries(topic, self.clock(), BATCH)
        if not batch:
            return False
        session = deadline_session()  # like the fetcher: no environment proxies
        session.headers["User-Agent"] = self.user_agent
        try:
            for delivery in batch:
                if self._stop.is_set() or (until is not None and time.monotonic() > until):
                    return False
                if not self._attempt(session, hook, delivery):
                    return False  # the receiver is unwell: the rest wait for their own retry
        finally:
            session.close()
        return len(batch) == BATCH

    def _attempt(self, session: requests.Session, hook: Hook, d: Delivery) -> bool:
        body = d.body if d.body is not None else self._render(d)
        now = self.clock()
        if body is None:  # retention deleted the story before it could be sent
            self._record(d, "dead", Attempt(None, "the story is no longer stored"), now)
            return True
        attempt = post(session, hook.url, body, headers(d, body, hook.secret, now), self.timeout)
        verdict = outcome(attempt.status, d.attempts + 1, self.policy)
        self._record(d, verdict, attempt, self.clock())
        return verdict == "delivered"

    def _render(self, d: Delivery) -> bytes | None:
        entry = self._statement_entry(d.entry) if d.kind == "statement" else self._story_entry(d.entry)
        if entry is None:
            return None
        body = payload(d, entry)
        with self.store.transaction() as tx:
            tx.set_delivery_body(d.id, body)  # every retry sends these same bytes
        return body

    def _story_entry(self, story_id: str) -> dict[str, Any] | None:
        found = self.store.stories([story_id])
        return entry_json(found[0]) if found else None

    def _statement_entry(self, entry: str) -> dict[str, Any] | None:
        """The statement whose feed id is ``entry``, from its story's stored articles."""
        story_id = story_of_statement(entry)
        found = self.store.stories([story_id]) if story_id else []
        if not found:
            return None
        members = {m.uid: m for m in found[0].members}
        for uid, statements in self.store.statements_of(list(members)).items():
            for s in statements:
                if statement_id(story_id, s.text) == entry:
                    m = members[uid]
                    return statement_json(s, uid, story_id, m.url, m.source)
        return None

    def _record(self, d: Delivery, verdict: Outcome, a: Attempt, now: datetime) -> None:
        attempts = d.attempts + 1
        wait = retry_wait(attempts, self.policy, self.rand(), a.retry_after) if verdict == "retry" else 0.0
        status = DeliveryStatus.PENDING if verdict == "retry" else DeliveryStatus(verdict)
        with self.store.transaction() as tx:
            tx.record_delivery(d.id, status, a.error or None, now + timedelta(seconds=wait), now)
        fields: dict[str, Any] = {
            "topic": d.topic,
            "entry": d.entry,
            "status": a.status,
            "attempts": attempts,
            "ms": a.ms,
        }
        if verdict == "delivered":
            log.event("webhook.delivered", **fields)
        elif verdict == "retry":
            log.event("webhook.failed", logging.WARNING, **fields, error=a.error, retry_in=f"{wait:.1f}s")
        else:
            log.event("webhook.dead", logging.ERROR, **fields, error=a.error)
        self.metrics.webhook_attempts.labels(d.topic, "delivered" if verdict == "delivered" else "failed").inc()
        if verdict == "dead":
            self.metrics.webhook_dead.labels(d.topic).inc()


# --- the HTTP edge ------------------------------------------------------------------------


def post(
    session: requests.Session, url: str, body: bytes, head: dict[str, str], timeout: tuple[float, float]
) -> Attempt:
    """One POST, its whole answer within timeout[1]; redirects are not followed (a
    redirected POST becomes a GET) and the answer's body is never read.

    Deliberately not through sources/fetch.py's private-address guard: the webhook is
    the operator's own setting (like output.websub_hub), and receivers often run on
    the same machine or LAN.
    """
    deadline = Deadline.start(timeout[1])
    with within(deadline):
        try:
            response = session.post(url, data=body, headers=head, timeout=timeout, allow_redirects=False, stream=True)
            response.close()
        except requests.RequestException as e:
            return Attempt(None, _reason(e, timeout[1]), ms=deadline.elapsed_ms())
    status = response.status_code
    return Attempt(status, _error(response), _retry_after(response), deadline.elapsed_ms())


def _reason(e: requests.RequestException, seconds: float) -> str:
    if isinstance(e, requests.ConnectTimeout):
        return "connect timeout"
    if isinstance(e, requests.ReadTimeout):
        return f"no whole answer within {seconds:g} s"
    return _clean(f"{type(e).__name__}: {e}")


def _error(response: requests.Response) -> str:
    status = response.status_code
    if 200 <= status < 300:
        return ""
    if 300 <= status < 400:
        where = _clean(response.headers.get("Location", ""))
        return f"HTTP {status} to {where} (redirects are not followed: set the topic's webhook to the final URL)"
    return _clean(f"HTTP {status} {response.reason or ''}".rstrip())


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    return float(value) if value.isdigit() and len(value) < 10 else None


def _clean(text: str) -> str:
    """A receiver's words, as they enter the store and the logs: no controls, bounded."""
    return _CONTROL.sub(" ", text)[:_ERROR_CHARS]
