"""`rookery` command line: one entry point, each subcommand loaded lazily from its package.

    rookery up | serve | worker | migrate | admin      the workloads (rookery.workloads)
    rookery operator | crds                            the Kubernetes operator (rookery.operator)
    rookery inference                                  the model server (rookery.inference)
"""

from __future__ import annotations

import importlib
import sys

# subcommand -> "module:function"; each function takes argv (list[str]) and returns an exit code
COMMANDS: dict[str, tuple[str, str]] = {
    "up": ("rookery.workloads.commands:up", "run every role in one process on embedded defaults"),
    "serve": ("rookery.workloads.commands:serve", "run one role (or all) on the configured adapters"),
    "worker": ("rookery.workloads.commands:worker", "run one event consumer"),
    "migrate": ("rookery.workloads.commands:migrate", "apply database and keyspace migrations"),
    "admin": ("rookery.workloads.commands:admin", "administration (create-account ...)"),
    "operator": ("rookery.operator.main:run", "run the Kubernetes operator"),
    "crds": ("rookery.operator.crdgen:main", "print or write the CustomResourceDefinitions"),
    "inference": ("rookery.inference.cli:main", "serve or train the AI models"),
}


def usage() -> str:
    lines = ["usage: rookery COMMAND [ARGS]", "", "commands:"]
    lines += [f"  {name:<10} {help_}" for name, (_, help_) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(usage())
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"rookery: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module_name, func_name = COMMANDS[name][0].split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        print(f"rookery {name}: missing dependency {exc.name!r}; install the matching extra", file=sys.stderr)
        return 2
    return int(getattr(module, func_name)(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
