"""The workloads' subcommands (dispatched by cli.py): up, serve, worker, migrate, admin.

rookery up [--host H] [--port P] [--data-dir DIR]      every role, embedded adapters, one process
rookery serve [--role R[,R...]] [--host H] [--port P]  the same on the configured adapters
rookery worker NAME [--host H] [--port P]             one background worker (fanout, notify, ...)
rookery migrate                                       apply the production schemas (PostgreSQL ...)
rookery admin create-account USER --email E --password P [--admin] [--data-dir DIR]
rookery admin export-events --out FILE [--data-dir DIR]   interaction events for `rookery inference train`

Production mode is chosen by settings only (ROOKERY_POSTGRES_DSN, ROOKERY_REDIS_URL,
ROOKERY_KAFKA_BOOTSTRAP, ROOKERY_CASSANDRA_CONTACT_POINTS ...; README "Production mode").
Every process answers /healthz, /readyz and /metrics.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import pathlib
import sys
from typing import TYPE_CHECKING, Any

from rookery.workloads.bootstrap import build
from rookery.workloads.catalogue import ROLES, WORKERS
from rookery.workloads.settings import ConfigurationError, Settings

if TYPE_CHECKING:
    from rookery.workloads.bootstrap.container import Container


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # a clear one-line CLI error and exit code 2
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    for name in ("host", "port", "data_dir", "log_level"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    return Settings(**overrides)


def _build(prog: str, settings: Settings, roles: tuple[str, ...]) -> Container:
    """The container, or a one-line error and exit code 2 for settings it cannot start with."""
    try:
        return build(settings, roles)
    except ConfigurationError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1, ROOKERY_HOST)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8080, ROOKERY_PORT)")
    parser.add_argument("--data-dir", type=pathlib.Path, help="embedded data directory (default .rookery)")
    parser.add_argument("--log-level", choices=["critical", "error", "warning", "info", "debug"])


def _run_server(
    settings: Settings,
    roles: tuple[str, ...],
    *,
    worker: str | None = None,
    groups: tuple[str, ...] = (),
    log_format: str = "json",
    split_role: str | None = None,
    prog: str = "rookery serve",
) -> int:
    from rookery.workloads import http_server, observability
    from rookery.workloads.api import ops
    from rookery.workloads.api.app import create_app

    log_format = observability.configure_logging(settings, log_format)
    container = _build(prog, settings, roles)
    if worker is not None:  # only this worker's consumer groups, not every one its roles bring
        assert container.infra.kafka is not None  # `rookery worker` refuses to run without Kafka
        container.infra.kafka.only_groups(groups)
    if split_role == "gateway":
        from rookery.workloads.api.proxy import create_gateway_app

        app = create_gateway_app(container)
        ops.install(app, container)
    elif worker is None:
        # topology split: a role's process serves only that role's routes, to the gateway only
        app = create_app(container, serve=(split_role,) if split_role else None)
        ops.install(app, container)
        print(f"Rookery is serving {settings.base_url}  (data: {settings.data_dir.resolve()})", flush=True)
    else:
        observability.tracer_provider(settings, worker)  # consumer spans to Zipkin when configured
        app = ops.ops_app(container)
        print(
            f"Rookery worker {worker} is running (health, readiness, metrics on {settings.base_url})",
            flush=True,
        )
    # What is imported and built by now lives as long as the process: frozen out of the cyclic
    # GC's reach, so a full collection no longer walks it (such pauses of ~100 ms were the tail
    # of the home timeline's latency under load, bench/results/profile.md)
    gc.collect()
    gc.freeze()
    return http_server.serve(app, settings, log_format)


def up(argv: list[str]) -> int:
    parser = _Parser(prog="rookery up", description="Run every role in one process on embedded defaults.")
    _server_options(parser)
    args = parser.parse_args(argv)
    return _run_server(_settings(args), ROLES, log_format="text", prog="rookery up")


def serve(argv: list[str]) -> int:
    parser = _Parser(prog="rookery serve", description="Run one role (or all) on the configured adapters.")
    parser.add_argument(
        "--role", default="all", help=f"'all' or a comma-separated list of {', '.join(ROLES)}"
    )
    _server_options(parser)
    args = parser.parse_args(argv)
    roles = ROLES if args.role == "all" else tuple(r.strip() for r in args.role.split(",") if r.strip())
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        parser.error(f"unknown role(s): {', '.join(unknown)}")
    if "gateway" not in roles:
        roles = ("gateway", *roles)
    settings = _settings(args)
    if settings.topology == "split" and args.role != "all":
        served = [r for r in roles if r != "gateway"]
        if len(served) > 1:
            parser.error("with ROOKERY_TOPOLOGY=split a process serves one role (--role gateway or --role R)")
        if not served:  # the gateway: the edge, token checks (the accounts store), the route table
            return _run_server(settings, ("gateway", "accounts"), split_role="gateway")
        # a role builds every role (account writes feed the search index and the admin's
        # counters in-process, posts read the moderation filter...) and serves its own routes
        return _run_server(settings, ROLES, split_role=served[0])
    return _run_server(settings, roles)


def worker(argv: list[str]) -> int:
    parser = _Parser(
        prog="rookery worker", description="Run one background worker on the configured adapters."
    )
    parser.add_argument("name", choices=sorted(WORKERS), help="the worker to run")
    parser.add_argument("--host", help="address of its /healthz, /readyz, /metrics (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port of its /healthz, /readyz, /metrics (default 8080)")
    parser.add_argument("--log-level", choices=["critical", "error", "warning", "info", "debug"])
    args = parser.parse_args(argv)
    settings = _settings(args)
    if not settings.kafka_bootstrap:
        print(
            "rookery worker: needs the production event bus (ROOKERY_KAFKA_BOOTSTRAP): embedded"
            " workers run inside `rookery up` / `rookery serve --role all`",
            file=sys.stderr,
        )
        return 2
    spec = WORKERS[args.name]  # the roles it builds (their sections subscribe the consumers), its groups
    roles = ("accounts", *spec.roles)
    groups = spec.groups
    if args.name == "fanout" and settings.feed_shard:  # a FeedShard's worker: its own group only
        groups = (settings.fanout_consumer_group.removeprefix(f"{settings.tenant}."),)
    return _run_server(settings, roles, worker=args.name, groups=groups, prog="rookery worker")


async def migrate_stores(settings: Settings) -> list[str]:
    """Apply every configured production schema; returns what was applied ("postgres 0001_x" ...)."""
    applied: list[str] = []
    if settings.postgres_dsn:
        from rookery.workloads.adapters.postgres.db import PostgresDatabase, load_migrations

        names = {m.version: m.name for m in load_migrations()}
        db = PostgresDatabase(
            settings.postgres_dsn,
            schema=settings.postgres_schema,
            connect_timeout_s=settings.postgres_acquire_timeout_s,
        )
        applied += [f"postgres {v:04d}_{names[v]}" for v in await db.migrate()]
    if settings.cassandra_contact_points:
        import importlib
        import inspect

        try:  # the Cassandra adapters' migrator, once they exist
            cassandra = importlib.import_module("rookery.workloads.adapters.cassandra.migrations")
        except ModuleNotFoundError:
            cassandra = None
        if cassandra is not None:
            result = cassandra.migrate(settings)
            if inspect.isawaitable(result):
                result = await result
            applied += [f"cassandra {item}" for item in result or ()]
    return applied


def migrate(argv: list[str]) -> int:
    parser = _Parser(
        prog="rookery migrate",
        description="Apply the production schemas (PostgreSQL migrations; Cassandra's when configured).",
    )
    settings = _settings(parser.parse_args(argv))
    if not (settings.postgres_dsn or settings.cassandra_contact_points):
        print(
            "rookery migrate: no production database configured (ROOKERY_POSTGRES_DSN,"
            " ROOKERY_CASSANDRA_CONTACT_POINTS); `rookery up` migrates its embedded database itself",
            file=sys.stderr,
        )
        return 2
    from rookery.workloads.domain.unavailable import StoreUnavailable

    try:
        applied = asyncio.run(migrate_stores(settings))
    except StoreUnavailable as exc:
        print(f"rookery migrate: {exc}", file=sys.stderr)
        return 1
    for item in applied:
        print(f"applied {item}")
    print("schemas are up to date" if not applied else f"{len(applied)} migration(s) applied", flush=True)
    return 0


async def _create_account(settings: Settings, username: str, email: str, password: str, admin: bool) -> int:
    from rookery.workloads.domain.accounts import AccountTaken, InvalidAccount

    container = _build("rookery admin create-account", settings, ("accounts",))
    assert container.accounts is not None
    accounts = container.accounts.service
    await container.start()
    try:
        account = await accounts.register(
            username, email, password, role="admin" if admin else "user"
        )
    except AccountTaken as exc:
        print(f"rookery admin create-account: {exc}", file=sys.stderr)
        return 1
    except InvalidAccount as exc:
        print(f"rookery admin create-account: {exc}", file=sys.stderr)
        return 2
    finally:
        await container.close()
    role = "admin" if admin else "user"
    print(f"created {role} @{account.username} (id {account.id}) in {settings.data_dir.resolve()}")
    return 0


async def _instance_content(settings: Settings, args: argparse.Namespace) -> int:
    """`rookery admin add-rule` / `set-document`: what PUT/POST /api/v1/admin/... do."""
    from rookery.workloads.domain.errors import DomainError
    from rookery.workloads.domain.unavailable import StoreUnavailable

    command = f"rookery admin {args.command}"
    container = _build(command, settings, ("accounts",))
    assert container.accounts is not None and container.accounts.instance is not None
    content = container.accounts.instance
    try:
        await container.start()
        if args.command == "add-rule":
            rule = await content.add_rule(args.text, args.hint)
            print(f"added rule {rule.id}: {rule.text}")
        else:
            text = sys.stdin.read() if str(args.file) == "-" else args.file.read_text()
            saved = await content.save_document(args.document, text, args.effective_date)
            print(f"wrote the {saved.kind.replace('_', ' ')} ({len(saved.text)} characters)")
    except (DomainError, OSError, StoreUnavailable) as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return 2
    finally:
        await container.close()
    return 0


def admin(argv: list[str]) -> int:
    parser = _Parser(prog="rookery admin", description="Administration commands.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    create = commands.add_parser("create-account", help="create a local account (optionally an admin)")
    create.add_argument("username")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--admin", action="store_true", help="give the account the admin role")
    create.add_argument("--data-dir", type=pathlib.Path, help="embedded data directory (default .rookery)")
    export = commands.add_parser("export-events", help="write the interaction log as JSONL (training data)")
    export.add_argument("--out", type=pathlib.Path, required=True, help="JSONL file to write ('-': stdout)")
    export.add_argument("--data-dir", type=pathlib.Path, help="embedded data directory (default .rookery)")
    rule = commands.add_parser("add-rule", help="add a server rule (GET /api/v1/instance/rules)")
    rule.add_argument("text")
    rule.add_argument("--hint", default="")
    rule.add_argument("--data-dir", type=pathlib.Path, help="embedded data directory (default .rookery)")
    document = commands.add_parser(
        "set-document", help="write the extended description, privacy policy or terms of service (plain text)"
    )
    document.add_argument("document", choices=["extended_description", "privacy_policy", "terms_of_service"])
    document.add_argument("--file", type=pathlib.Path, required=True, help="the text ('-': stdin)")
    document.add_argument("--effective-date", type=dt.date.fromisoformat, help="terms of service: YYYY-MM-DD")
    document.add_argument("--data-dir", type=pathlib.Path, help="embedded data directory (default .rookery)")
    args = parser.parse_args(argv)
    settings = _settings(args)
    if args.command == "export-events":
        return asyncio.run(_export_events(settings, args.out))
    if args.command in ("add-rule", "set-document"):
        return asyncio.run(_instance_content(settings, args))
    return asyncio.run(_create_account(settings, args.username, args.email, args.password, args.admin))


async def _export_events(settings: Settings, out: pathlib.Path) -> int:
    """The aggregator's interaction log, one event per line (rookery.inference.events' format)."""
    import orjson

    from rookery.workloads.domain.unavailable import StoreUnavailable

    container = _build("rookery admin export-events", settings, ("accounts", "posts", "analytics"))
    assert container.admin is not None
    analytics = container.admin.analytics
    try:
        await container.start()
        stream = sys.stdout.buffer if str(out) == "-" else out.open("wb")
        count = 0
        try:
            async for item in analytics.export():
                stream.write(orjson.dumps(item) + b"\n")
                count += 1
        finally:
            if stream is not sys.stdout.buffer:
                stream.close()
    except (StoreUnavailable, OSError) as exc:
        print(f"rookery admin export-events: {exc}", file=sys.stderr)
        return 1
    finally:
        await container.close()
    print(f"exported {count} interaction events to {out}", file=sys.stderr)
    return 0
