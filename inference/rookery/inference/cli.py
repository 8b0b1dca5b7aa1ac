"""`rookery inference`: serve the models, or train them from interaction events.

rookery inference [--port 8080] [--models moderation,embeddings,ranking,anomaly]
                  [--storage-uri PATH|file://PATH] [--grpc-port N] [--workers N]
rookery inference train --events EVENTS.jsonl [--out PATH] [--models ranking,anomaly]
                  [--contamination 0.01..0.5]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from rookery.inference import MODEL_NAMES
from rookery.inference.storage import StorageError, resolve_storage


def model_list(value: str, allowed: tuple[str, ...]) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in allowed]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(allowed)} (got {value!r})")
    return list(dict.fromkeys(names))


def contamination(value: str) -> float:
    try:
        share = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError("a share in (0, 0.5]") from None
    if not 0 < share <= 0.5:
        raise argparse.ArgumentTypeError("a share in (0, 0.5]")
    return share


def serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rookery inference", description="Serve Rookery's models (KServe V1/V2)."
    )
    parser.add_argument("--port", type=int, default=8080, help="HTTP port (default 8080)")
    parser.add_argument(
        "--models",
        type=lambda v: model_list(v, MODEL_NAMES),
        default=list(MODEL_NAMES),
        help=f"comma-separated models to serve (default {','.join(MODEL_NAMES)})",
    )
    parser.add_argument(
        "--storage-uri",
        default=None,
        help="folder of trained artifacts: a path or file:// URI (default $ROOKERY_MODEL_STORAGE_URI, "
        "else /mnt/models when present)",
    )
    parser.add_argument("--grpc-port", type=int, default=None, help="also serve gRPC V2 on this port")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    return parser


def train_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rookery inference train",
        description="Train ranking and anomaly models from a JSONL export of interaction events.",
    )
    parser.add_argument(
        "--events", action="append", default=[], help="JSONL of interaction events ('-': stdin)"
    )
    parser.add_argument(
        "--workloads-events",
        action="append",
        default=[],
        help="JSONL of the workloads' event envelopes (posts, interactions, graph streams)",
    )
    parser.add_argument(
        "--eventlog", action="append", default=[], help="the embedded event log (DATA_DIR/rookery.db)"
    )
    parser.add_argument(
        "--out", default=None, help="storage folder to write (default the --storage-uri rules)"
    )
    parser.add_argument(
        "--models", type=lambda v: model_list(v, ("ranking", "anomaly")), default=["ranking", "anomaly"]
    )
    parser.add_argument(
        "--contamination",
        type=contamination,
        default=None,
        help="flag this share of the exported accounts (default: a Tukey fence, Q3 + 2 IQR)",
    )
    return parser


def train_command(argv: list[str]) -> int:
    args = train_parser().parse_args(argv)
    from rookery.inference.envelopes import read_envelope_file, read_event_log
    from rookery.inference.events import EventFileError, read_events
    from rookery.inference.ranking import TrainingError
    from rookery.inference.training import train

    try:
        out = resolve_storage(args.out)
    except StorageError as exc:
        print(f"rookery inference train: {exc}", file=sys.stderr)
        return 2
    if out is None:
        print(
            "rookery inference train: give --out (no $ROOKERY_MODEL_STORAGE_URI and no /mnt/models)",
            file=sys.stderr,
        )
        return 2
    if not (args.events or args.workloads_events or args.eventlog):
        print("rookery inference train: give --events, --workloads-events or --eventlog", file=sys.stderr)
        return 2
    try:
        events = [event for path in args.events for event in read_events(path)]
        events += [event for path in args.workloads_events for event in read_envelope_file(path)]
        events += [event for path in args.eventlog for event in read_event_log(path)]
        summary = train(events, out, models=tuple(args.models), contamination=args.contamination)
    except (EventFileError, TrainingError) as exc:
        print(f"rookery inference train: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2))
    return 0


def serve_command(argv: list[str]) -> int:
    args = serve_parser().parse_args(argv)
    try:
        storage = resolve_storage(args.storage_uri)
    except StorageError as exc:
        print(f"rookery inference: {exc}", file=sys.stderr)
        return 2
    from rookery.inference.server import load_models, serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # one timing line per request is noise at this level; /metrics has the latencies
    logging.getLogger("kserve.trace").setLevel(logging.WARNING)
    try:
        models = load_models(args.models, storage)
    except (OSError, ValueError) as exc:
        print(f"rookery inference: cannot load models from {storage}: {exc}", file=sys.stderr)
        return 2
    serve(models, port=args.port, grpc_port=args.grpc_port, workers=args.workers)
    return 0


def main(argv: list[str]) -> int:
    if argv and argv[0] == "train":
        return train_command(argv[1:])
    if argv and argv[0] == "serve":
        argv = argv[1:]
    return serve_command(argv)
