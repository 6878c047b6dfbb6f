"""The command line: ``topicwire [-c CONFIG] check|once|run|sources|stats|migrate|...``.

Exit codes: 0 success; 1 the work failed (``once``: every source failed;
``explain``: the article does not match); 2 the config or the command line is wrong.
"""

from __future__ import annotations

import argparse
import dataclasses
import faulthandler
import logging
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from topicwire import __version__, log
from topicwire.clock import utc_now
from topicwire.config import Config, default_config_path, load_config
from topicwire.cpu import CpuPool
from topicwire.daemon.once import OncePolls
from topicwire.daemon.store_cmds import cmd_migrate, worker_lines
from topicwire.daemon.story_cmds import cmd_dedup_check, cmd_story
from topicwire.daemon.words import counted, noun
from topicwire.errors import ConfigError, NotFoundError, StoreError, TopicwireError
from topicwire.extract.charset import decode_html
from topicwire.extract.urls import canonicalize_url
from topicwire.feeds.publisher import Publisher
from topicwire.feeds.webhooks import Deliverer
from topicwire.pipeline import Pipeline, make_fetcher
from topicwire.sources.discover import discover_feeds
from topicwire.sources.sniff import sniff_kind
from topicwire.statements.explain import explain_statements, render_statements
from topicwire.statements.speakers import SpeakerQuery
from topicwire.store import Store, redact
from topicwire.store import probe as probe_store
from topicwire.store.schema import VERSION as SCHEMA_VERSION
from topicwire.topics.explain import explain_story, render_story_explanation
from topicwire.topics.query import compile_query
from topicwire.topics.rules import TopicRules
from topicwire.types import DeliveryState, MatchDoc, PollStatus
from topicwire.upkeep import Upkeep

# A reader that closed the pipe early (`topicwire stats | head -1`) ends the command the way
# SIGPIPE ends a C program, 128 + 13, and not with a traceback (issue 14).
EXIT_CLOSED_PIPE = 141
DEAD_SHOWN = 50  # dead deliveries listed by `deliveries`, newest first


def console() -> NoReturn:
    """The `topicwire` script and `python -m topicwire`: main(), then exit at once.

    Each command closes what it opened (store, lock, server, fetcher) and waits for its
    WebSub round; what the interpreter's own exit adds is freeing every object one by one,
    the near-duplicate index of every recent article among them: 0.25-0.96 s after
    `daemon.stopped` with 60,000 articles (issue 14 saw 1.4-1.8 s), 0.02-0.06 s without.
    A bug's traceback still propagates the usual way."""
    code = main()
    logging.shutdown()  # flush and close the log handlers, as the interpreter's exit would
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError, AttributeError):  # closed, gone or None
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _main(argv)
        if sys.stdout is not None:  # None when started with stdout closed (`>&-`)
            sys.stdout.flush()  # a closed pipe shows here, where it can be caught, not at exit
        return code
    except BrokenPipeError:
        # Python's documented recipe: point stdout at devnull so the interpreter's own final
        # flush does not fail again with "Exception ignored ... BrokenPipeError".
        with suppress(OSError, AttributeError, ValueError):  # stdout None or closed: nothing to flush
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_CLOSED_PIPE


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    log.setup(args.log_level, args.log_format)
    _report_fatal_errors()
    if args.command == "migrate":  # its two stores are given: no config is read
        return _failing(args, lambda: cmd_migrate(args.source, args.target))
    path = args.config or default_config_path()
    try:
        config = load_config(path)
    except ConfigError as e:
        print(f"{path}: {counted(len(e.problems), 'error')} in config:", file=sys.stderr)
        for problem in e.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    if getattr(args, "workers", None) is not None:
        config = dataclasses.replace(config, workers=args.workers)
    return _failing(args, lambda: _command(args, config))


def _report_fatal_errors() -> None:
    """A process that dies of a fatal signal (SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE: a
    crash in a C extension, glibc's heap checks, a fatal interpreter error) writes every
    thread's Python stack to stderr first (the journal under systemd), so the crash names
    where it happened: a daemon of bench/scale.py's pg4 run once exited with SIGABRT and
    left nothing to read (issue 16)."""
    if sys.stderr is not None and not faulthandler.is_enabled():
        with suppress(OSError, ValueError, AttributeError):  # stderr closed or not a file
            faulthandler.enable(all_threads=True)


def _command(args: argparse.Namespace, config: Config) -> int:
    if args.command == "discover":
        return cmd_discover(config, args.url)
    if args.command == "backup":
        return cmd_backup(config, args.path)
    if args.command == "backtest":
        return cmd_backtest(config, args.topic, args.query)
    if args.command == "explain":
        return cmd_explain(config, args.topic, args.article)
    if args.command == "story":
        return cmd_story(config, args.id)
    if args.command == "dedup-check":
        return cmd_dedup_check(config, args.first, args.second)
    return int(args.func(config))


def _failing(args: argparse.Namespace, command: Callable[[], int]) -> int:
    """Run ``command``; a refusal or a failure is reported once, with its exit code."""
    try:
        return command()
    except (ConfigError, NotFoundError) as e:  # a bad command-line value (backtest --query), nothing stored
        print(f"error: {e}", file=sys.stderr)
        return 2
    except TopicwireError as e:
        # One report (it was logged at level info, then printed again: issue 14): a person
        # reads "error: ..." like every other refusal of the command line; JSON log lines
        # stay all JSON, the failure one at level error.
        if args.log_format == "json":
            log.event("command.failed", logging.ERROR, command=args.command, error=str(e))
        else:
            print(f"error: {e}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="topicwire", description="Fetch news, deduplicate, publish topic feeds.")
    _global_options(p, defaults={"config": None, "log_level": "info", "log_format": "text"})
    p.add_argument("--version", action="version", version=f"topicwire {__version__}")
    # Every command takes the global options too (`topicwire once -c FILE`); SUPPRESS keeps
    # a value given before the command when none is given after it.
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, defaults=dict.fromkeys(("config", "log_level", "log_format"), argparse.SUPPRESS))
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_parser_with(common))
    for name, func, help_text in (
        ("check", cmd_check, "validate the config and every topic query"),
        ("once", cmd_once, "poll every source once, store, regenerate every feed"),
        ("run", cmd_run, "the daemon: poll on schedule, serve the feeds"),
        ("sources", cmd_sources, "each source's last poll, status, error, article count"),
        ("stats", cmd_stats, "the figures /metrics exports, for a person"),
        ("deliveries", cmd_deliveries, "each topic's webhook deliveries: pending, failed, dead, delivered"),
    ):
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(func=func)
        if name in ("once", "run"):
            command.add_argument(
                "--workers",
                type=_workers,
                metavar="N",
                help="processes for parsing and extraction (default: [daemon] workers; 0: one per CPU)",
            )
    discover = sub.add_parser("discover", help="find the feeds a page advertises", description=cmd_discover.__doc__)
    discover.add_argument("url", help="a page or feed URL")
    discover.set_defaults(func=cmd_discover)
    backtest = sub.add_parser("backtest", help="what a new query would gain and lose", description=cmd_backtest.__doc__)
    backtest.add_argument("topic", help="a configured topic")
    backtest.add_argument("--query", required=True, help="the candidate query (aliases of the config apply)")
    backtest.set_defaults(func=cmd_backtest)
    story = sub.add_parser("story", help="a story's articles and their similarity", description=cmd_story.__doc__)
    story.add_argument("id", help="a story id, or the id or URL of one of its articles")
    story.set_defaults(func=cmd_story)
    check = sub.add_parser("dedup-check", help="would two articles be one story?", description=cmd_dedup_check.__doc__)
    check.add_argument("first", help="a stored article's id or URL")
    check.add_argument("second", help="another stored article's id or URL")
    check.set_defaults(func=cmd_dedup_check)
    explain = sub.add_parser(
        "explain", help="whether a stored article matches a topic, and why", description=cmd_explain.__doc__
    )
    explain.add_argument("topic", help="a configured topic")
    explain.add_argument("article", metavar="URL|ID", help="a stored article's id or URL")
    explain.set_defaults(func=cmd_explain)
    migrate = sub.add_parser(
        "migrate", help="copy the store to another (SQLite <-> PostgreSQL)", description=cmd_migrate.__doc__
    )
    migrate.add_argument("source", metavar="FROM", help="a SQLite file or a postgresql:// URL, only read")
    migrate.add_argument("target", metavar="TO", help="a SQLite file or a postgresql:// URL, created or migrated")
    migrate.set_defaults(func=cmd_migrate)
    backup = sub.add_parser("backup", help="consistent online copy of the store", description=cmd_backup.__doc__)
    backup.add_argument("path", type=Path, help="file to write (replaced atomically)")
    backup.set_defaults(func=cmd_backup)
    return p


def _global_options(p: argparse.ArgumentParser, defaults: dict[str, Any]) -> None:
    p.add_argument(
        "-c",
        "--config",
        type=Path,
        default=defaults["config"],
        help="config file (default: ./config.toml, then $TOPICWIRE_CONFIG)",
    )
    levels = ["debug", "info", "warning", "error"]
    p.add_argument("--log-level", default=defaults["log_level"], choices=levels)
    formats = ["text", "json"]
    p.add_argument("--log-format", default=defaults["log_format"], choices=formats, help="key=value or JSON lines")


def _parser_with(common: argparse.ArgumentParser) -> type[argparse.ArgumentParser]:
    """A parser class whose instances (the commands) inherit ``common``'s options."""

    class CommandParser(argparse.ArgumentParser):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(parents=[common], **kwargs)

    return CommandParser


def _workers(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = -1
    if not 0 <= n <= 64:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of processes 0..64 (0: one per CPU)")
    return n


def cmd_check(config: Config) -> int:
    print(f"config {config.path}: ok")
    store_ok = _check_store(config)
    print(f"  output:  {config.output_dir} (published at {config.base_url})")
    print(f"  websub:  {config.websub_hub or 'off'}")
    print(f"  server:  {config.listen[0]}:{config.listen[1]}")
    print(f"  sources: {len(config.sources)}")
    for s in config.sources:
        every = _duration(s.interval)
        fulltext = str(s.fulltext).lower()
        print(f"    {s.name:<24} {s.kind:<5} every {every:<6} fulltext={fulltext}  {s.url}")
    print(f"  topics:  {len(config.topics)}")
    for t in config.topics:
        hook = f"  -> webhook {t.webhook}{' (signed)' if t.webhook_secret else ''}" if t.webhook else ""
        print(f"    {t.name:<24} {t.query.source}{hook}")
    return 0 if store_ok else 2


def _check_store(config: Config) -> bool:
    """The store's line of ``check``: what a connection found (backend, server version,
    schema version), nothing created or migrated; False (exit 2) when it cannot be used."""
    try:
        found = probe_store(config.store)
    except StoreError as e:
        print(f"  store:   {redact(str(config.store))}: {e}")
        print(f"error: {e}", file=sys.stderr)
        return False
    what = f"{found.backend} {found.server}"
    if not found.exists:
        print(f"  store:   {found.location} ({what}; not created yet: `once` or `run` creates it)")
    elif found.schema_version == 0:
        print(f"  store:   {found.location} ({what}; no topicwire schema yet: `once` or `run` creates it)")
    elif found.schema_version > SCHEMA_VERSION:
        print(f"  store:   {found.location} ({what}, schema version {found.schema_version})")
        newer = f"newer than this topicwire (knows up to {SCHEMA_VERSION})"
        print(f"error: store schema version {found.schema_version} is {newer}", file=sys.stderr)
        return False
    else:
        print(f"  store:   {found.location} ({what}, schema version {found.schema_version})")
    return True


def cmd_once(config: Config) -> int:
    store = Store.open(config.store, utc_now(), config.pool_size)
    fetcher = make_fetcher(config, store)
    cpu = CpuPool(config.workers)
    try:
        pipeline = Pipeline(config, store, fetcher, cpu=cpu)
        feeds = Publisher(config, store, pipeline.changes)
        deliverer = Deliverer(config, store)  # before the polls: it tells the store which topics push
        upkeep = Upkeep.of(pipeline)
        upkeep.prepare(feeds.unpublish)
        polls = OncePolls(pipeline, config)
        outcomes = polls.run()
        upkeep.prune()
        feeds.publish()
        deliverer.drain()  # webhooks due now, this run's new entries and earlier ones; bounded by fetch's timeouts
        feeds.wait()  # the feeds' WebSub pings: console() exits without waiting for threads
    finally:
        cpu.close()
        fetcher.close()
        store.close()
    failed = [o for o in outcomes if o.status in (PollStatus.ERROR, PollStatus.RETIRED)]
    new = sum(o.new for o in outcomes)
    polled = f"{counted(len(outcomes), 'source')} polled: {counted(new, 'new article')}, {len(failed)} failed"
    if polls.held:
        polled += f", {len(polls.held)} skipped (another worker is polling them: {', '.join(sorted(polls.held))})"
    print(polled, file=sys.stderr)
    for o in failed:
        print(f"  {o.source}: {o.error}", file=sys.stderr)
    return 1 if outcomes and len(failed) == len(outcomes) else 0


def cmd_run(config: Config) -> int:
    from topicwire.daemon.service import Daemon

    return Daemon(config).run()


def cmd_sources(config: Config) -> int:
    store = Store.open(config.store, utc_now(), config.pool_size)
    try:
        with store.transaction() as tx:
            tx.sync_sources(tuple((s.name, s.url, s.kind) for s in config.sources))
        states = store.source_states(tuple(s.name for s in config.sources))
    finally:
        store.close()
    head = f"{'SOURCE':<24} {'STATUS':<13} {'LAST POLL':<19} {'NEXT DUE':<19} {'ERRORS':>6} {'ARTICLES':>8}  ERROR"
    print(head)
    for s in states:
        status = s.shown_status(config.fetch.failing_after)
        moved = f" (moved to {s.url})" if s.url != s.config_url else ""
        line = f"{s.name:<24} {status:<13} {_when(s.last_polled):<19} {_when(s.next_due):<19} "
        print(f"{line}{s.error_count:>6} {s.articles:>8}  {s.error or ''}{moved}")
    return 0


def cmd_deliveries(config: Config) -> int:
    """Each topic's webhook outbox: counts, last error, and the dead deliveries."""
    store = Store.open(config.store, utc_now(), config.pool_size)
    try:
        states, dead = store.delivery_states(), store.dead_deliveries(DEAD_SHOWN)
    finally:
        store.close()
    hooks = {t.name: t.webhook for t in config.topics}
    print(f"{'TOPIC':<24} {'PENDING':>7} {'FAILED':>7} {'DEAD':>5} {'DELIVERED':>9}  {'NEXT RETRY':<19} LAST ERROR")
    shown = {s.topic for s in states}
    rows = list(states) + [DeliveryState(name) for name, url in hooks.items() if url and name not in shown]
    for s in rows:
        note = "" if hooks.get(s.topic) else " (no webhook configured: not sent)"
        head = f"{s.topic:<24} {s.pending:>7} {s.failed:>7} {s.dead:>5} {s.delivered:>9}  {_when(s.next_try):<19} "
        print(f"{head}{s.last_error or ''}{note}")
    if dead:
        print(f"\ndead deliveries (newest {len(dead)}):")
        for topic, kind, entry, attempts, last_try, error in dead:
            print(f"  {topic:<24} {kind} {entry}  {attempts} attempts, last {_when(last_try)}: {error}")
    return 0


def cmd_stats(config: Config) -> int:
    store = Store.open(config.store, utc_now(), config.pool_size)
    try:
        with store.transaction() as tx:
            tx.sync_sources(tuple((s.name, s.url, s.kind) for s in config.sources))
        states = store.source_states(tuple(s.name for s in config.sources))
        total, methods, size = store.article_count(), store.method_counts(), store.size_bytes()
        stories = store.story_count()
        workers = worker_lines(store, utc_now())
    finally:
        store.close()
    feeds = sorted(config.output_dir.glob("*.rss")) if config.output_dir.exists() else []
    print(f"store        {store.backend} {store.location} ({size / 1e6:.1f} MB)")
    print(f"articles     {total}  by extraction: " + (", ".join(f"{m}={n}" for m, n in methods.items()) or "-"))
    print(f"stories      {stories}  ({counted(total - stories, 'article')} joined another outlet's story)")
    print(f"topic feeds  {len(feeds)} in {config.output_dir}")
    failing = [s for s in states if s.shown_status(config.fetch.failing_after) == "failing"]
    print(
        f"sources      {len(states)}: {sum(s.status in ('ok', 'not_modified') for s in states)} ok, "
        f"{sum(s.status == 'error' for s in states)} erroring ({len(failing)} failing), "
        f"{sum(s.retired is not None for s in states)} retired, {sum(s.status == 'never' for s in states)} never polled"
    )
    for s in states:
        articles = noun(s.articles, "article")
        print(f"  {s.name:<24} {s.articles:>6} {articles:<8}  last success {_when(s.last_success)}")
    print("\n".join(workers))
    return 0


def cmd_backtest(config: Config, topic: str, query: str) -> int:
    """Evaluate a candidate query for TOPIC on every stored article and print the entries
    it would gain and lose against the current rule. Changes nothing."""
    current = config.topic(topic)
    if current is None:
        raise ConfigError(f"backtest: no topic {topic!r} (known: {', '.join(t.name for t in config.topics)})")
    candidate = replace(current.rule, query=compile_query(query, dict(config.aliases)))
    store = Store.open(config.store, utc_now(), config.pool_size)
    try:
        docs = store.match_docs()
        now_rules, then_rules = TopicRules([current.rule]), TopicRules([candidate])  # compiled once
        now_in = {uid for uid, doc in docs if now_rules.match(doc)}
        then_in = {uid for uid, doc in docs if then_rules.match(doc)}
        titles = {uid: doc.title for uid, doc in docs}
    finally:
        store.close()
    print(f"{topic}: {len(now_in)} of {counted(len(docs), 'stored article')} now, {len(then_in)} with --query")
    for sign, uids in (("+", then_in - now_in), ("-", now_in - then_in)):
        for uid in sorted(uids, key=lambda u: titles[u]):
            print(f"  {sign} {uid}  {titles[uid]}")
    return 0


STATEMENT_ENTRY = "urn:topicwire:statement:"


def cmd_explain(config: Config, topic: str, article: str) -> int:
    """Print whether the story of the stored article URL|ID is in TOPIC's feed, which of its
    articles match and which terms matched where; for a statements topic, which statements it
    takes and why (ID may be a statement entry's id). Exit 0 if the story matches (and a
    statement is taken), 1 if not, 2 for an unknown topic, article or statement."""
    current = config.topic(topic)
    if current is None:
        raise ConfigError(f"explain: no topic {topic!r} (known: {', '.join(t.name for t in config.topics)})")
    entry = article if article.startswith(STATEMENT_ENTRY) else ""
    if entry:  # a statements topic's entry id: urn:topicwire:statement:STORY:DIGEST
        article = entry[len(STATEMENT_ENTRY) :].split(":")[0]
    store = Store.open(config.store, utc_now(), config.pool_size)
    try:
        found = store.article(article) or store.article_by_url(canonicalize_url(article))
        story = store.story(found.uid) if found is not None else None
        copies = [store.article(m.uid) for m in story.members] if story is not None else []
        asked = [m.uid for m in story.members] if entry and story else [found.uid] if found else []
        statements = store.statements_of(asked)
    finally:
        store.close()
    if found is None:
        raise NotFoundError(f"explain: no stored article with id or URL {article!r}")
    print(f"{found.uid}  {found.title}\n{found.url}  ({found.source}, {found.language or 'language unknown'})\n")
    members = [a for a in copies if a is not None] or [found]
    docs = tuple((a.uid, a.url, MatchDoc.of(a)) for a in members)
    in_feed = story is not None and topic in story.topics
    explanation = explain_story(current.rule, story.id if story else found.uid, found.uid, docs, in_feed)
    print(render_story_explanation(explanation))
    if current.statements is None:
        return 0 if explanation.matched else 1
    query = SpeakerQuery(current.statements)
    verdicts = explain_statements(query, story.id if story else found.uid, sum(statements.values(), ()))
    if entry:
        verdicts = tuple(v for v in verdicts if v.entry_id == entry)[:1]
        if not verdicts:
            raise NotFoundError(f"explain: no statement {entry!r} in the story's stored statements")
    print("\n" + render_statements(query, verdicts))
    taken = any(v.taken for v in verdicts)
    return 0 if explanation.matched and taken else 1


def cmd_backup(config: Config, path: Path) -> int:
    """Copy the store to PATH with SQLite's backup API; safe while `run` is writing.
    A missing folder is created (and said so); PATH must not be the store or one of its files."""
    missing = check_backup_target(config.store_path, path)
    store = Store.open(config.store, utc_now(), config.pool_size)
    try:
        store.backup(path)
        count = store.article_count()
    finally:
        store.close()
    if missing is not None:
        print(f"created folder {missing}")
    print(f"backed up {config.store_path} ({counted(count, 'article')}) to {path}")
    return 0


# The files SQLite and the daemon keep beside the store: replacing any of them under a
# running daemon leaves it writing to a deleted inode (issue 14: its polls were lost).
STORE_FILES = ("", "-wal", "-shm", "-journal", ".lock")


def check_backup_target(store_path: Path, target: Path) -> Path | None:
    """Refuse (ConfigError, exit 2) a backup target that is the store or one of its files,
    by real path (symlinks, '..', hard links), or that cannot be a file (a folder, or a path
    through a regular file). Return the target's folder if it has to be created, else None."""
    store_files = [store_path.with_name(store_path.name + suffix) for suffix in STORE_FILES]
    # The rename replaces a symlink itself, the path it points to is what a user meant: check both.
    candidates = {target.resolve(), target.parent.resolve() / target.name}
    for store_file in store_files:
        if store_file.resolve() in candidates or _same_file(store_file, target):
            raise ConfigError(f"backup: {target} is the live store's file {store_file}; choose another path")
    if target.is_dir():
        raise ConfigError(f"backup: {target} is a folder; give a file name in it")
    for folder in target.absolute().parents:  # nearest first
        if folder.is_dir():
            return None if folder == target.absolute().parent else target.parent
        if folder.exists() or folder.is_symlink():  # a file, or a dangling link, on the way
            raise ConfigError(f"backup: {target}: {folder} is not a folder")
    return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # either does not exist
        return False


def cmd_discover(config: Config, url: str) -> int:
    """Fetch URL; print it if it is a feed, else the feeds its <link rel="alternate"> advertise."""
    fetcher = make_fetcher(config)
    try:
        result = fetcher.get(url)
    finally:
        fetcher.close()
    if sniff_kind(result) == "feed":
        print(f"{result.url}\tfeed (the URL itself is a feed)")
        return 0
    found = discover_feeds(decode_html(result.content, result.charset), result.url)
    for feed in found:
        print(f"{feed.url}\t{feed.type}\t{feed.title}")
    if not found:
        print(f"no feed advertised by {result.url}", file=sys.stderr)
    return 0 if found else 1


def _when(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S") if dt else "never"


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"
