"""python -m e2e.image build [--no-load] | base | load"""

from __future__ import annotations

import argparse
import sys
import time

from e2e.image import BASE_IMAGE, IMAGE, base, build, ensure_tools, image_id, image_size, locked, web
from e2e.stack.service import StackContext, StackError


def make_image(ctx: StackContext, *, load: bool = True, force: bool = False) -> build.Built:
    """What `make image` does: the tools, the base when stale, the image, its archive, the node's copy."""
    started = time.monotonic()
    ensure_tools(ctx)
    with locked(ctx):
        leftovers = build.remove_leftover_containers()
        if leftovers:
            print(f"image: removed {leftovers} working containers that killed builds left behind")
        base.build(ctx)
        web.build(ctx)
        digest = build.context_digest(base_id=image_id(BASE_IMAGE) or "")
        unchanged = None if force else build.current(ctx, digest)
        if unchanged is not None:
            built = build.Built(unchanged, 0.0, [])
            print(f"image: {IMAGE} id {unchanged[:12]} is current (nothing it is built from changed)")
        else:
            built = build.build(ctx)
            build.record_context(ctx, digest, built.image_id)
            cached = [f"{s.stage}/{s.number}" for s in built.steps if s.cached]
            print(f"image: {IMAGE} id {built.image_id[:12]} built in {built.seconds:.0f}s")
            print(f"image: steps from the cache (stage/step): {' '.join(cached) or 'none'}")
            removed = build.prune_previous(ctx, built)
            if removed:
                print(f"image: removed {removed} images of the previous build that this one did not reuse")
        print(f"image: {IMAGE} size {image_size(IMAGE)}")
        archive = build.write_archive(ctx)
        print(f"image: archive {archive} ({archive.stat().st_size / 2**20:.0f} MiB)")
        if load:
            build.load_into_node(ctx, archive)
    print(f"image: done in {time.monotonic() - started:.0f}s")
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m e2e.image", description=__doc__)
    parser.add_argument(
        "command",
        choices=["build", "base", "load"],
        help=f"build: the base when stale, then {IMAGE}, its archive and the node's copy; "
        f"base: only {BASE_IMAGE}; load: the last archive into the node",
    )
    parser.add_argument("--no-load", action="store_true", help="build: do not import into the stack's node")
    parser.add_argument("--force", action="store_true", help="build: run buildah even when nothing changed")
    args = parser.parse_args(argv)
    ctx = StackContext.default()
    try:
        if args.command == "build":
            make_image(ctx, load=not args.no_load, force=args.force)
        elif args.command == "base":
            ensure_tools(ctx)
            with locked(ctx):
                base.build(ctx)
        else:
            with locked(ctx):
                build.load_into_node(ctx, build.write_archive(ctx))
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
