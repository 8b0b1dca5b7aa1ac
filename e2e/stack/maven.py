"""Artifacts from Maven Central, resolved by `mvn` into a local repository under the cache dir."""

from __future__ import annotations

import pathlib

from e2e.stack import process
from e2e.stack.service import StackContext

POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.rookery.stack</groupId>
  <artifactId>{name}-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
{dependencies}
  </dependencies>
</project>
"""
DEPENDENCY = (
    "    <dependency><groupId>{}</groupId><artifactId>{}</artifactId><version>{}</version></dependency>"
)


def local_repo(ctx: StackContext) -> pathlib.Path:
    return ctx.cache_dir / "m2"


def _mvn(
    ctx: StackContext, service: str, args: list[str], log: pathlib.Path, cwd: pathlib.Path | None = None
) -> None:
    mvn = process.which(service, "mvn", "install Maven (Debian package maven)")
    process.run(service, [mvn, "-B", "-q", f"-Dmaven.repo.local={local_repo(ctx)}", *args], log=log, cwd=cwd)


def fetch(
    ctx: StackContext,
    service: str,
    artifact: str,
    version: str,
    log: pathlib.Path,
    packaging: str = "jar",
    classifier: str = "",
) -> pathlib.Path:
    """One artifact (no dependencies), e.g. a distribution zip; its path in the local repository."""
    group, name = artifact.split(":")
    file_name = f"{name}-{version}{'-' + classifier if classifier else ''}.{packaging}"
    path = local_repo(ctx) / group.replace(".", "/") / name / version / file_name
    if not path.exists():
        coords = f"{group}:{name}:{version}:{packaging}{':' + classifier if classifier else ''}"
        _mvn(ctx, service, ["dependency:get", "-Dtransitive=false", f"-Dartifact={coords}"], log)
    return path


def runtime_classpath(
    ctx: StackContext, service: str, artifacts: list[str], log: pathlib.Path
) -> pathlib.Path:
    """Jars of artifacts ("group:name:version") and their runtime dependencies, in one folder."""
    key = "-".join(a.split(":")[1] + "-" + a.split(":")[2] for a in artifacts[:1])
    home = ctx.cache_dir / "lib" / key
    lib = home / "lib"
    done = home / ".complete"
    if done.exists():
        return lib
    home.mkdir(parents=True, exist_ok=True)
    deps = "\n".join(DEPENDENCY.format(*a.split(":")) for a in artifacts)
    (home / "pom.xml").write_text(POM.format(name=service, dependencies=deps))
    _mvn(
        ctx,
        service,
        ["dependency:copy-dependencies", "-DincludeScope=runtime", f"-DoutputDirectory={lib}"],
        log,
        cwd=home,
    )
    done.write_text("\n".join(artifacts) + "\n")
    return lib
