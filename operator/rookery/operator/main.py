"""`rookery operator`: run the Kopf operator with peering (leader election), liveness and /metrics."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os

from prometheus_client import start_http_server


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="rookery operator", description="Run the Rookery Kubernetes operator."
    )
    parser.add_argument(
        "-n", "--namespace", action="append", default=[],
        help="watch this namespace (repeatable); default every namespace",
    )  # fmt: skip
    parser.add_argument("--peering", default="rookery-operator", help="KopfPeering name for leader election")
    parser.add_argument(
        "--standalone",
        action="store_true",
        help="no peering: for one replica, or clusters without Kopf's peering CRDs",
    )
    parser.add_argument(
        "--priority", type=int, default=None,
        help="peering priority: the live replica with the highest one works (default: random, so "
        "that replicas of one Deployment differ)",
    )  # fmt: skip
    parser.add_argument(
        "--peering-lifetime", type=int, default=20,
        help="seconds a replica's peering entry lives without a keep-alive: how soon a standby takes "
        "over from a leader that died without saying goodbye",
    )  # fmt: skip
    parser.add_argument("--metrics-port", type=int, default=9108, help="port of /metrics (0: off)")
    parser.add_argument(
        "--liveness", default="http://0.0.0.0:8081/healthz", help="liveness endpoint URL ('' off)"
    )
    parser.add_argument(
        "--resync-seconds", type=float, default=float(os.environ.get("ROOKERY_OPERATOR_RESYNC_SECONDS", 60)),
        help="how often every resource is re-applied (drift correction)",
    )  # fmt: skip
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser.parse_args(argv)


def run(argv: list[str]) -> int:
    args = parse(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # the handlers read the resync interval when they are registered, at import
    os.environ["ROOKERY_OPERATOR_RESYNC_SECONDS"] = str(args.resync_seconds)
    import kopf

    import rookery.operator.handlers  # noqa: F401  (registers the handlers)
    from rookery.operator import peering
    from rookery.operator.apply.kube import load_config

    log = logging.getLogger("rookery.operator")
    settings = kopf.OperatorSettings()
    priority = args.priority if args.priority is not None else peering.random_priority()
    if args.standalone:
        log.info("Standalone: no leader election, this process acts alone (run one replica only)")
    else:
        settings.peering.lifetime = args.peering_lifetime
        kind = f"KopfPeering in {', '.join(args.namespace)}" if args.namespace else "ClusterKopfPeering"
        log.info("Leader election through %s %r, priority %d (the highest live one acts)", kind, args.peering, priority)
        try:
            peering.wait_for_peering(load_config(), args.peering, args.namespace)
        except KeyboardInterrupt:
            return 0
    if args.metrics_port:
        start_http_server(args.metrics_port)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            kopf.operator(
                settings=settings,
                clusterwide=not args.namespace,
                namespaces=args.namespace,
                standalone=args.standalone,
                peering_name=None if args.standalone else args.peering,
                priority=priority,
                liveness_endpoint=args.liveness or None,
            )
        )
    return 0
