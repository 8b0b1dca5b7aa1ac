"""python -m e2e.image build [--no-load] | base | load"""

from __future__ import annotations

import argparse
import sys
import time

from e2e.image import BASE_IMAGE, IMAGE, base, build, ensure_tools, image_size
from e2e.stack.service import StackContext, StackError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m e2e.image", description=__doc__)
    parser.add_argument(
        "command",
        choices=["build", "base", "load"],
        help=f"build: the base when stale, then {IMAGE}, its archive and the node's copy; "
        f"base: only {BASE_IMAGE}; load: the last archive into the node",
    )
    parser.add_argument("--no-load", action="store_true", help="build: do not import into the stack's node")
    args = parser.parse_args(argv)
    ctx = StackContext.default()
    started = time.monotonic()
    try:
        ensure_tools(ctx)
        if args.command == "load":
            build.load_into_node(ctx, build.write_archive(ctx))
            return 0
        base.build(ctx)
        if args.command == "base":
            return 0
        built = build.build(ctx)
        cached = [f"{s.stage}/{s.number}" for s in built.steps if s.cached]
        print(f"image: {IMAGE} id {built.image_id[:12]} size {image_size(IMAGE)}, built in {built.seconds:.0f}s")
        print(f"image: steps from the cache: {cached or 'none'}")
        archive = build.write_archive(ctx)
        print(f"image: archive {archive} ({archive.stat().st_size / 2**20:.0f} MiB)")
        if not args.no_load:
            build.load_into_node(ctx, archive)
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"image: done in {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
