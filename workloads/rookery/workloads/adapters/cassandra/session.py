"""The Cassandra session shared by the production stores of one process (graph, feed, notifications).

- Token-aware routing over DC-aware round robin (``ROOKERY_CASSANDRA_LOCAL_DC``): each request
  goes straight to a replica of its partition in the local data centre.
- Consistency from settings: reads and writes default to LOCAL_QUORUM (read-your-writes on one
  DC); conditional writes (follows) use LOCAL_SERIAL.
- Every statement is prepared once at start; statements marked idempotent are retried by the
  driver on a timeout — every write here is designed so a replay changes nothing.
- An idempotent request not answered within ``speculative_delay_s`` goes to the next replica as
  well, and the first answer counts: a coordinator that is paused (a long GC, a frozen VM) or cut
  off from its peers keeps its connections open, so nothing tells the driver it is gone, and each
  request it was given waited out the whole timeout and was a 503 (the HA campaign: 7.6 s of 503s
  while a node was paused, 16.6 s while one was cut off).
- The driver runs its own I/O thread: ``execute`` bridges its ResponseFuture to an asyncio future
  (``add_callbacks`` + ``loop.call_soon_threadsafe``), so the event loop never blocks, and pages
  through results the same way.
- NoHostAvailable, timeouts and Unavailable surface as ``StoreUnavailable`` (the API answers 503);
  the driver reconnects by itself once the server is back.
- Each readiness check (``ping``) also counts the local nodes the driver has marked down
  (``rookery_cassandra_nodes_down``): one node of three lost is no outage at LOCAL_QUORUM, but
  worth an alert.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from cassandra import (
    ConsistencyLevel,
    CoordinationFailure,
    DriverException,
    OperationTimedOut,
    RequestExecutionException,
    Unavailable,
)
from cassandra.cluster import (
    EXEC_PROFILE_DEFAULT,
    Cluster,
    ExecutionProfile,
    NoHostAvailable,
    ResponseFuture,
    Session,
)
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.policies import (
    ConstantReconnectionPolicy,
    ConstantSpeculativeExecutionPolicy,
    DCAwareRoundRobinPolicy,
    TokenAwarePolicy,
)
from cassandra.pool import Host
from cassandra.query import BatchStatement, BatchType, PreparedStatement, tuple_factory

from rookery.workloads.domain.unavailable import StoreUnavailable
from rookery.workloads.metrics import CASSANDRA_NODES_DOWN, statement_kind, store_request

log = logging.getLogger("rookery.cassandra")

# "the server is down, overloaded or too slow": the caller sees StoreUnavailable (503)
UNAVAILABLE: tuple[type[BaseException], ...] = (
    NoHostAvailable,
    OperationTimedOut,
    Unavailable,
    CoordinationFailure,  # read/write failures
    RequestExecutionException,  # ReadTimeout, WriteTimeout, Overloaded ...
    ConnectionError,
    OSError,
)


def consistency(name: str) -> int:
    try:
        return int(ConsistencyLevel.name_to_value[name.strip().upper()])
    except KeyError:
        raise ValueError(
            f"unknown Cassandra consistency level {name!r}"
            f" (one of {', '.join(sorted(ConsistencyLevel.name_to_value))})"
        ) from None


def nodes_down(hosts: Iterable[Host], local_dc: str | None) -> int:
    """The nodes of ``local_dc`` (of every data centre when None) that the driver has marked down."""
    return sum(1 for host in hosts if host.is_up is False and local_dc in (None, host.datacenter))


def contact_points(value: str, default_port: int = 9042) -> tuple[list[str], int]:
    """ "host[:port],host[:port]" -> hosts and the one port (the driver takes a single port)."""
    hosts, ports = [], set()
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        host, _, port = item.rpartition(":") if item.count(":") == 1 else (item, "", "")
        hosts.append(host or item)
        ports.add(int(port) if port else default_port)
    if not hosts:
        raise ValueError("ROOKERY_CASSANDRA_CONTACT_POINTS is empty")
    if len(ports) > 1:
        raise ValueError("every Cassandra contact point must use the same port")
    return hosts, ports.pop()


class _Pages:
    """Collects every page of one request, then resolves the asyncio future on its loop."""

    __slots__ = ("future", "loop", "response", "rows")

    def __init__(self, response: ResponseFuture, loop: asyncio.AbstractEventLoop) -> None:
        self.response = response
        self.loop = loop
        self.future: asyncio.Future[list[Any]] = loop.create_future()
        self.rows: list[Any] = []
        response.add_callbacks(self._page, self._error)

    def _page(self, rows: Any) -> None:  # on the driver's I/O thread
        if rows:
            self.rows.extend(rows)
        if self.response.has_more_pages:
            self.response.start_fetching_next_page()
        else:
            self.loop.call_soon_threadsafe(self._resolve, self.rows)

    def _error(self, exc: BaseException) -> None:
        self.loop.call_soon_threadsafe(self._fail, exc)

    def _resolve(self, rows: list[Any]) -> None:
        if not self.future.done():
            self.future.set_result(rows)

    def _fail(self, exc: BaseException) -> None:
        if not self.future.done():
            self.future.set_exception(exc)


class CassandraSession:
    def __init__(
        self,
        contact_points_value: str,
        keyspace: str,
        *,
        local_dc: str = "",
        read_consistency: str = "LOCAL_QUORUM",
        write_consistency: str = "LOCAL_QUORUM",
        request_timeout_s: float = 5.0,
        connect_timeout_s: float = 10.0,
        fetch_size: int = 5000,
        max_concurrency: int = 256,
        speculative_delay_s: float = 0.5,
    ) -> None:
        self.hosts, self.port = contact_points(contact_points_value)
        self.keyspace = keyspace
        self.local_dc = local_dc or None
        self.read_cl = consistency(read_consistency)
        self.write_cl = consistency(write_consistency)
        self.request_timeout_s = request_timeout_s
        self.connect_timeout_s = connect_timeout_s
        self.fetch_size = fetch_size
        self.max_concurrency = max_concurrency
        self.speculative_delay_s = speculative_delay_s
        self.cluster: Cluster | None = None
        self.session: Session | None = None
        self._prepared: dict[str, PreparedStatement] = {}
        self._pending: dict[str, tuple[str, bool, bool]] = {}  # cql -> (cql, idempotent, write)
        self._kinds: dict[str, str] = {}  # cql -> its statement kind (the latency metric's label)
        self._connecting: asyncio.Lock | None = None

    # -- lifecycle --------------------------------------------------------------------------------

    def make_cluster(self) -> Cluster:
        profile = ExecutionProfile(
            load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy(local_dc=self.local_dc)),
            consistency_level=self.read_cl,
            serial_consistency_level=ConsistencyLevel.LOCAL_SERIAL,
            request_timeout=self.request_timeout_s,
            row_factory=tuple_factory,
            # two more replicas at most, each after the delay: idempotent statements only
            speculative_execution_policy=ConstantSpeculativeExecutionPolicy(self.speculative_delay_s, 2),
        )
        return Cluster(
            self.hosts,
            port=self.port,
            execution_profiles={EXEC_PROFILE_DEFAULT: profile},
            # v4, not v5: the driver's v5 frame checksums now and then fail a fresh connection with
            # "CRC mismatch on header" (seen in CI against Cassandra 5.0); v4 has every feature used here
            protocol_version=4,
            connect_timeout=self.connect_timeout_s,
            control_connection_timeout=self.connect_timeout_s,
            reconnection_policy=ConstantReconnectionPolicy(1.0, max_attempts=None),
            idle_heartbeat_interval=5,
            idle_heartbeat_timeout=5,
        )

    def register(self, cql: str, *, write: bool, idempotent: bool = True) -> str:
        """Declare a statement (prepared at ``connect``); returns the key to execute it by."""
        self._pending[cql] = (cql, idempotent, write)
        self._kinds[cql] = statement_kind(cql)
        return cql

    async def connect(self) -> None:
        """Connect and prepare. A cluster that is down now is not fatal: the next request retries."""
        try:
            await self._ensure()
        except StoreUnavailable as exc:
            log.warning("Cassandra is not reachable yet (%s); retrying on first use", exc)

    async def _ensure(self) -> Session:
        if self.session is None:
            if self._connecting is None:
                self._connecting = asyncio.Lock()
            async with self._connecting:
                if self.session is None:
                    await asyncio.to_thread(self._connect_blocking)
        assert self.session is not None
        return self.session

    async def prepare_pending(self) -> None:
        """Prepare statements registered after ``connect`` (stores built on a connected session)."""
        await asyncio.to_thread(self._prepare_blocking, await self._ensure())

    def _prepare_blocking(self, session: Session) -> None:
        for key, (cql, idempotent, write) in self._pending.items():
            if key in self._prepared:
                continue
            statement = session.prepare(cql)
            statement.is_idempotent = idempotent
            statement.consistency_level = self.write_cl if write else self.read_cl
            self._prepared[key] = statement

    def _connect_blocking(self) -> None:
        if self.session is not None:
            return
        cluster = self.make_cluster()
        try:
            session = cluster.connect(self.keyspace)
            self._prepare_blocking(session)
        except UNAVAILABLE as exc:
            cluster.shutdown()
            raise StoreUnavailable(f"cassandra at {','.join(self.hosts)}: {exc}") from exc
        except DriverException as exc:  # e.g. the keyspace does not exist yet
            cluster.shutdown()
            raise StoreUnavailable(
                f"cassandra keyspace {self.keyspace!r}: {exc} (run `rookery migrate`)"
            ) from exc
        self.cluster, self.session = cluster, session

    async def close(self) -> None:
        cluster, self.cluster, self.session = self.cluster, None, None
        if cluster is not None:
            await asyncio.to_thread(cluster.shutdown)

    async def ping(self) -> bool:
        try:
            await self.query("SELECT release_version FROM system.local")
        except StoreUnavailable:
            return False
        finally:
            if self.cluster is not None:
                CASSANDRA_NODES_DOWN.set(nodes_down(self.cluster.metadata.all_hosts(), self.local_dc))
        return True

    # -- execution --------------------------------------------------------------------------------

    async def execute(self, key: str, params: Sequence[Any] = ()) -> list[Any]:
        """Run a registered statement; every page of rows (tuples)."""
        with store_request("cassandra", self._kinds[key]):
            session = await self._ensure()
            statement = self._prepared[key]
            try:
                response = session.execute_async(statement.bind(params))
                return await _Pages(response, asyncio.get_running_loop()).future
            except UNAVAILABLE as exc:
                raise StoreUnavailable(f"cassandra: {type(exc).__name__}: {exc}") from exc

    def prepared(self, key: str) -> PreparedStatement:
        return self._prepared[key]

    async def execute_statement(self, statement: Any) -> list[Any]:
        """Run a built statement (a batch of prepared ones)."""
        with store_request("cassandra", "batch"):
            session = await self._ensure()
            try:
                return await _Pages(session.execute_async(statement), asyncio.get_running_loop()).future
            except UNAVAILABLE as exc:
                raise StoreUnavailable(f"cassandra: {type(exc).__name__}: {exc}") from exc

    async def query(self, cql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Unprepared statement (schema changes, one-off reads)."""
        session = await self._ensure()
        try:
            response = session.execute_async(cql, params or None, timeout=max(self.request_timeout_s, 30.0))
            return await _Pages(response, asyncio.get_running_loop()).future
        except UNAVAILABLE as exc:
            raise StoreUnavailable(f"cassandra: {type(exc).__name__}: {exc}") from exc

    async def execute_many(self, key: str, params_list: Iterable[Sequence[Any]]) -> None:
        """The same statement for many partitions, at most ``max_concurrency`` in flight.

        Runs the driver's own concurrent executor on a worker thread: the callbacks of thousands
        of writes stay on the driver's I/O thread instead of waking the event loop one by one."""
        params = list(params_list)
        if not params:
            return
        if len(params) == 1:  # one write (the author's own timeline): no hop to a worker thread
            await self.execute(key, params[0])
            return
        with store_request("cassandra", "concurrent"):
            session = await self._ensure()
            statement = self._prepared[key]
            try:
                await asyncio.to_thread(
                    execute_concurrent_with_args,
                    session,
                    statement,
                    params,
                    concurrency=self.max_concurrency,
                    raise_on_first_error=True,
                )
            except UNAVAILABLE as exc:
                raise StoreUnavailable(f"cassandra: {type(exc).__name__}: {exc}") from exc

    async def execute_batches(self, key: str, params_list: Sequence[Sequence[Any]], size: int = 100) -> None:
        """Rows of ONE partition (the caller's promise) in unlogged batches of ``size``: one
        mutation each on the replicas, far cheaper than as many single writes."""
        if not params_list:
            return
        await self._ensure()
        statement = self._prepared[key]
        batches = []
        for start in range(0, len(params_list), size):
            batch = BatchStatement(batch_type=BatchType.UNLOGGED, consistency_level=self.write_cl)
            batch.is_idempotent = True
            for params in params_list[start : start + size]:
                batch.add(statement, params)
            batches.append(batch)
        await asyncio.gather(*(self.execute_statement(batch) for batch in batches))

    async def gather(self, calls: Iterable[tuple[str, Sequence[Any]]]) -> list[list[Any]]:
        """Several statements at once; results in order."""
        return list(await asyncio.gather(*(self.execute(key, params) for key, params in calls)))
