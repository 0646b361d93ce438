"""One watch cycle, and the loop of cycles: refresh the sources, evaluate the rules on every
watched dyad, store the alerts, deliver them.

A cycle opens the store for writing only while it runs, so between cycles other commands
(`pivotwatch assess`, a report) can read it; the `WatchLock` beside the store keeps a second
watcher out for as long as the first one runs.

Resuming: every step commits on its own (each file loaded, each dyad's alerts with the facts
they mark as seen, each delivery), and every step is safe to repeat (a file already loaded is
skipped by its hash, an alert already stored by its id, a feed entry already written by its
id). A cycle stopped anywhere is marked `interrupted` by the next one, which repeats what
was not committed: nothing is lost and nothing is stored twice. A delivery that was made but
not yet recorded when the watcher died is made again: webhooks carry an idempotency key and
feeds dedupe by entry id; an e-mail can arrive twice (docs/watch.md).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pivotwatch.errors import PivotwatchError, StoreError, UsageError
from pivotwatch.settings import get_settings
from pivotwatch.sources.context import Context
from pivotwatch.sources.fetch import AddressPolicy
from pivotwatch.sources.gdelt import remote
from pivotwatch.store.store import Store, one_line, open_store
from pivotwatch.watch import state
from pivotwatch.watch.config import WatchConfig
from pivotwatch.watch.contradictions import ANY_DYAD, claim_alerts
from pivotwatch.watch.evaluate import evaluate
from pivotwatch.watch.model import Alert
from pivotwatch.watch.refresh import (
    SourceReport,
    refresh_feeds,
    refresh_gdelt,
    refresh_sanctions,
)
from pivotwatch.watch.rules import Rules, load_rules

log = logging.getLogger(__name__)


@dataclass
class CycleResult:
    cycle_id: int
    status: str = "running"
    resumed: list[int] = field(default_factory=list)   # interrupted cycles found at start
    sources: list[SourceReport] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)  # new in this cycle, as stored
    delivered: dict[str, int] = field(default_factory=dict)
    delivery_errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    previous_notes: list[str] = field(default_factory=list)  # the last cycle's, to show changes

    @property
    def errors(self) -> list[str]:
        return [f"{s.source}: {e}" for s in self.sources for e in s.errors] + \
            self.delivery_errors

    def to_dict(self) -> dict:
        return {"cycle_id": self.cycle_id, "status": self.status, "resumed": self.resumed,
                "sources": [s.to_dict() for s in self.sources],
                "alerts": [a.id for a in self.alerts], "stored": len(self.alerts),
                "delivered": self.delivered, "delivery_errors": self.delivery_errors,
                "notes": self.notes}


def _refresh(ctx: Context, config: WatchConfig, allow_private: bool | str,
             result: CycleResult) -> None:
    settings = ctx.settings
    if config.gdelt:
        # the mirror named in PIVOTWATCH_GDELT_BASE is trusted, as by `ingest gdelt`
        policy = remote.address_policy(settings, allow_private)
        result.sources.append(refresh_gdelt(ctx, config.gdelt, max_files=config.max_files,
                                            policy=policy))
    policy = AddressPolicy.from_setting(settings.allow_private_urls, allow_private)
    result.sources += refresh_sanctions(ctx, config.sanctions, policy)
    result.sources += refresh_feeds(ctx, config.feeds, allow_private)


def _evaluate(store: Store, cycle_id: int, config: WatchConfig, rules: Rules,
              result: CycleResult) -> None:
    channels = config.channels
    for dyad in config.dyads:
        try:
            found = evaluate(store, dyad, rules)
        except PivotwatchError as exc:
            result.notes.append(f"{dyad}: {exc}")
            continue
        result.notes += [f"{dyad}: {n}" for n in found.notes]
        result.alerts += state.record(store, cycle_id, found.outcome, channels)
    if rules.on("claim_contradicted") and config.feeds:
        alerts, noted, notes = claim_alerts(store, config.feeds, config.dyads, rules)
        result.notes += notes
        result.alerts += state.record(store, cycle_id, state.Outcome(ANY_DYAD, alerts, noted),
                                      channels)


def channel_label(channel: str) -> str:
    """A channel as shown: a webhook's path often holds its secret, so only its origin."""
    from pivotwatch.watch.webhook import shown

    kind, _, target = channel.partition(":")
    return f"webhook:{shown(target)}" if kind == "webhook" else channel


def check_channels(config: WatchConfig) -> None:
    """Refuse, before any cycle, a delivery that cannot work: a feed whose folder does not
    exist, a webhook URL holding a user name or password, a bad mail address or missing mail
    settings. UsageError with one line."""
    from urllib.parse import urlsplit

    from pivotwatch.watch.mail import check_setup

    if config.feed is not None:
        if config.feed.is_dir():
            raise UsageError(f"the feed file {config.feed} is a folder: name a file")
        if not config.feed.parent.is_dir():
            raise UsageError(f"the feed file {config.feed}: no folder {config.feed.parent}")
    if config.webhook:
        parts = urlsplit(config.webhook)
        if parts.username is not None or parts.password is not None:
            raise UsageError("a webhook URL with a user name or password is refused (it would "
                             "be stored and shown): put the secret in its path")
    if config.mail_to:
        check_setup(config.mail_to, get_settings())


def _deliver(store: Store, config: WatchConfig, allow_private: bool | str,
             result: CycleResult) -> None:
    from pivotwatch.watch.atom import write_feed
    from pivotwatch.watch.mail import send_mail
    from pivotwatch.watch.webhook import post_webhook

    settings = get_settings()
    for channel in config.channels:
        todo = state.pending(store, channel)
        kind, _, target = channel.partition(":")
        before = state.given_up(store, channel)
        if before:  # said each cycle (as a note), so a later log still shows it
            result.notes.append(f"{channel_label(channel)}: {before} alert(s) given up after "
                                f"{state.MAX_DELIVERY_ATTEMPTS} attempts (pivotwatch status)")
        # an empty feed is written too, so a reader can subscribe before the first alert
        if not todo and (kind != "feed" or Path(target).exists()):
            continue
        try:
            if kind == "feed":
                write_feed(Path(target), todo)
            elif kind == "webhook":
                policy = AddressPolicy.from_setting(settings.allow_private_urls, allow_private)
                post_webhook(target, todo, policy=policy)
            elif kind == "mail":
                send_mail([target], todo, settings=settings)
        except PivotwatchError as exc:
            given_up = state.delivered(store, channel, [a.id for a in todo], str(exc))
            result.delivery_errors.append(f"{channel_label(channel)}: {exc}")
            if given_up:
                result.delivery_errors.append(
                    f"{channel_label(channel)}: gave up on {given_up} alert(s) after "
                    f"{state.MAX_DELIVERY_ATTEMPTS} attempts (pivotwatch alerts lists them)")
            continue
        if todo:
            state.delivered(store, channel, [a.id for a in todo])
            result.delivered[channel_label(channel)] = len(todo)


def run_cycle(config: WatchConfig, *, db: Path | None = None, rules: Rules | None = None,
              allow_private: bool | str = False, progress=None,
              create: bool = False) -> CycleResult:
    """One cycle on the store at `db` (default $PIVOTWATCH_DB; a missing one is an error
    unless `create`). The caller holds the `WatchLock` (`watch()` does)."""
    rules = rules or load_rules(config.rules)
    settings = get_settings()
    with open_store(db or settings.db, create=create, command="pivotwatch watch") as store:
        last = state.cycles(store, 1)
        cycle_id, stale = state.start_cycle(store)
        result = CycleResult(cycle_id, resumed=stale,
                             previous_notes=last[0]["report"].get("notes", []) if last else [])
        if not rules.enabled:
            result.notes.append(f"every rule is off in {rules.source}: no alert can be raised")
        try:
            ctx = Context(store, settings=settings,
                          **({"progress": progress} if progress is not None else {}))
            _refresh(ctx, config, allow_private, result)
            _evaluate(store, cycle_id, config, rules, result)
            _deliver(store, config, allow_private, result)
        except BaseException as exc:
            result.status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
            result.notes.append(one_line(exc) if not isinstance(exc, KeyboardInterrupt)
                                else "stopped by a signal")
            try:
                state.finish_cycle(store, cycle_id, result.status, result.to_dict())
            except Exception:  # the store may be what failed; the next cycle marks it
                log.debug("could not record the end of cycle %s", cycle_id, exc_info=True)
            raise
        result.status = "done"
        state.finish_cycle(store, cycle_id, result.status, result.to_dict())
        return result


def watch(config: WatchConfig, *, db: Path | None = None, once: bool = True,
          allow_private: bool | str = False, create: bool = False,
          stop: threading.Event | None = None,
          on_cycle: Callable[[CycleResult], None] | None = None,
          on_error: Callable[[PivotwatchError], None] | None = None, progress=None
          ) -> list[CycleResult]:
    """Run one cycle (`once`) or one every `config.every` seconds until `stop` is set.

    The WatchLock is held throughout: a second watcher on the same store is refused with a
    StoreError. In the loop a cycle that fails with a PivotwatchError is reported through
    `on_error` and the next cycle runs on time; with `once` it is raised.
    """
    import time

    rules = load_rules(config.rules)
    check_channels(config)
    db = Path(db or get_settings().db)
    if not create and not db.exists():
        # a typo, or cron without PIVOTWATCH_DB, must not watch a new, empty store for ever
        raise StoreError(f"no store at {db}: load data first (pivotwatch ingest ...), or "
                         f"give --create to start watching into a new store")
    stop = stop or threading.Event()
    results: list[CycleResult] = []
    with state.WatchLock(db):
        while True:
            started = time.monotonic()
            try:
                result = run_cycle(config, db=db, rules=rules, allow_private=allow_private,
                                   progress=progress, create=create)
            except PivotwatchError as exc:
                if once or on_error is None:
                    raise
                on_error(exc)
            else:
                results.append(result)
                if on_cycle is not None:
                    on_cycle(result)
            if once:
                return results
            try:
                if stop.wait(max(config.every - (time.monotonic() - started), 0)):
                    return results
            except KeyboardInterrupt:  # a signal between cycles: a clean stop
                return results
