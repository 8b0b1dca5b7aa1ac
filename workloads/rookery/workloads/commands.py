"""The workloads' subcommands (dispatched by cli.py): up, serve, worker, migrate, admin.

rookery up [--host H] [--port P] [--data-dir DIR]      every role, embedded adapters, one process
rookery serve [--role R[,R...]] [--host H] [--port P]  the same on the configured adapters
rookery admin create-account USER --email E --password P [--admin] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import pathlib
import sys
from typing import Any

from rookery.workloads.bootstrap import ALL_ROLES, build
from rookery.workloads.settings import Settings


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


def _server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1, ROOKERY_HOST)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8080, ROOKERY_PORT)")
    parser.add_argument("--data-dir", type=pathlib.Path, help="embedded data directory (default .rookery)")
    parser.add_argument("--log-level", choices=["critical", "error", "warning", "info", "debug"])


def _run_server(settings: Settings, roles: tuple[str, ...]) -> int:
    import uvicorn
    from rookery.workloads.api.app import create_app

    container = build(settings, roles)
    app = create_app(container)
    print(f"Rookery is serving {settings.base_url}  (data: {settings.data_dir.resolve()})", flush=True)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        loop="auto",  # uvloop when installed
        http="auto",  # httptools when installed
        access_log=False,
        log_level=settings.log_level,
        lifespan="on",
        proxy_headers=False,
        server_header=False,
    )
    server = uvicorn.Server(config)
    server.run()
    return 0 if server.started else 1


def up(argv: list[str]) -> int:
    parser = _Parser(prog="rookery up", description="Run every role in one process on embedded defaults.")
    _server_options(parser)
    args = parser.parse_args(argv)
    return _run_server(_settings(args), ALL_ROLES)


def serve(argv: list[str]) -> int:
    parser = _Parser(prog="rookery serve", description="Run one role (or all) on the configured adapters.")
    parser.add_argument(
        "--role", default="all", help=f"'all' or a comma-separated list of {', '.join(ALL_ROLES)}"
    )
    _server_options(parser)
    args = parser.parse_args(argv)
    roles = ALL_ROLES if args.role == "all" else tuple(r.strip() for r in args.role.split(",") if r.strip())
    unknown = sorted(set(roles) - set(ALL_ROLES))
    if unknown:
        parser.error(f"unknown role(s): {', '.join(unknown)}")
    if "gateway" not in roles:
        roles = ("gateway", *roles)
    return _run_server(_settings(args), roles)


def _not_embedded(name: str) -> int:
    print(
        f"rookery {name}: not available in embedded mode: `rookery up` runs every worker and applies"
        " migrations in-process; production adapters (PostgreSQL, Cassandra, Kafka) are not configured",
        file=sys.stderr,
    )
    return 2


def worker(argv: list[str]) -> int:
    return _not_embedded("worker")


def migrate(argv: list[str]) -> int:
    return _not_embedded("migrate")


async def _create_account(settings: Settings, username: str, email: str, password: str, admin: bool) -> int:
    from rookery.workloads.domain.accounts import AccountTaken, InvalidAccount

    container = build(settings, ("accounts",))
    await container.start()
    try:
        account = await container.services["accounts"].register(
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


def admin(argv: list[str]) -> int:
    parser = _Parser(prog="rookery admin", description="Administration commands.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    create = commands.add_parser("create-account", help="create a local account (optionally an admin)")
    create.add_argument("username")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--admin", action="store_true", help="give the account the admin role")
    create.add_argument("--data-dir", type=pathlib.Path, help="embedded data directory (default .rookery)")
    args = parser.parse_args(argv)
    settings = _settings(args)
    return asyncio.run(_create_account(settings, args.username, args.email, args.password, args.admin))
