"""Artifacts from Maven Central, resolved by `mvn` into a local repository under the cache dir."""

from __future__ import annotations

import pathlib
import threading
import time

from e2e.stack import process
from e2e.stack.service import StackContext, StackError

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


_first_run = threading.Lock()
_plugins_ready = False


def _mvn(
    ctx: StackContext, service: str, args: list[str], log: pathlib.Path, cwd: pathlib.Path | None = None
) -> None:
    """Run mvn against the cached local repository.

    Several servers resolve at once (downloads overlap), all into one local repository, which Maven
    3.8 does not lock: the first run (which also fetches the dependency plugin itself) goes alone,
    and a run that loses a race on a shared file is retried.
    """
    global _plugins_ready
    mvn = process.which(service, "mvn", "install Maven (Debian package maven)")
    argv = [mvn, "-B", "-q", f"-Dmaven.repo.local={local_repo(ctx)}", *args]
    with _first_run:
        if not _plugins_ready:
            _retrying(service, argv, log, cwd)
            _plugins_ready = True
            return
    _retrying(service, argv, log, cwd)


def _retrying(
    service: str, argv: list[str], log: pathlib.Path, cwd: pathlib.Path | None, attempts: int = 3
) -> None:
    for attempt in range(1, attempts + 1):
        try:
            process.run(service, argv, log=log, cwd=cwd)
            return
        except StackError:
            if attempt == attempts:
                raise
            time.sleep(2 * attempt)


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
    with process.path_lock(path):
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
    with process.path_lock(home):
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
