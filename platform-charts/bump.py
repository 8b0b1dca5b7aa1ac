"""Point the ArgoCD Applications at a release: the git revision of the charts and the image tag.

    python platform-charts/bump.py --revision <git sha or tag> --image-tag <image tag>

The Jenkinsfile's "Bump ArgoCD" stage runs it and commits the result. It edits the lines in place
(comments and layout stay) and fails when an Application does not have the expected lines.
"""

from __future__ import annotations

import argparse
import pathlib
import re
import sys

ARGOCD = pathlib.Path(__file__).resolve().parent / "argocd"
APPLICATIONS = ("rookery-operator.yaml", "rookery-platform.yaml")
# the Helm parameter each Application sets to the image tag
TAG_PARAMETERS = {"rookery-operator.yaml": "image.tag", "rookery-platform.yaml": "tenant.image.tag"}
REVISION = re.compile(r"^(\s+targetRevision:\s*).*$", re.M)
SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/+-]{0,127}$")


def bump(text: str, parameter: str, revision: str, image_tag: str) -> str:
    text, n = REVISION.subn(lambda m: m.group(1) + revision, text)
    if n != 1:
        raise ValueError(f"expected one targetRevision line, found {n}")
    param = re.compile(r"^(\s+- name:\s*" + re.escape(parameter) + r"\s*\n\s+value:\s*).*$", re.M)
    text, n = param.subn(lambda m: m.group(1) + f'"{image_tag}"', text)
    if n != 1:
        raise ValueError(f"expected one Helm parameter {parameter}, found {n}")
    return text


def main(argv: list[str] | None = None, argocd: pathlib.Path = ARGOCD) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revision", required=True, help="git commit, tag or branch of the charts")
    parser.add_argument("--image-tag", required=True, help="tag of the Rookery image")
    args = parser.parse_args(argv)
    for value in (args.revision, args.image_tag):
        if not SAFE.match(value):
            parser.error(f"not a git revision or image tag: {value!r}")
    for name in APPLICATIONS:
        path = argocd / name
        try:
            path.write_text(bump(path.read_text(), TAG_PARAMETERS[name], args.revision, args.image_tag))
        except ValueError as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
