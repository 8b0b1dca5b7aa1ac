"""python -m e2e.helm [--link PATH]: build (or find) the pinned helm and print its path."""

from __future__ import annotations

import argparse
import pathlib
import sys

from e2e.helm import HelmUnavailable, ensure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m e2e.helm", description=__doc__)
    parser.add_argument("--link", type=pathlib.Path, help="also make PATH a symbolic link to the binary")
    args = parser.parse_args(argv)
    try:
        helm = ensure()
    except HelmUnavailable as exc:
        print(f"helm: {exc}", file=sys.stderr)
        return 1
    if args.link is not None:
        args.link.parent.mkdir(parents=True, exist_ok=True)
        args.link.unlink(missing_ok=True)
        args.link.symlink_to(helm)
    print(helm)
    return 0


if __name__ == "__main__":
    sys.exit(main())
