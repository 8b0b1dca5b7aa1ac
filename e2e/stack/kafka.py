"""Apache Kafka in KRaft mode (one node, broker + controller), jars from Maven Central, on Java 17."""

from __future__ import annotations

import base64
import logging
import pathlib
import uuid

from e2e.stack import hostnet, process
from e2e.stack.base import JavaService
from e2e.stack.service import StackContext

PORT, CONTROLLER_PORT = 9092, 9093
# a listener of its own for pods: a client gets the advertised address of the listener it came in
# through, so clients here keep 127.0.0.1:9092 and pods get POD_HOST:9094 in their metadata
POD_PORT = 9094
HEAP = "1g"  # thousands of per-test tenant topics accumulate in a long-lived dev stack
HEALTH_TOPIC = "rookery-stack-health"

SERVER_PROPERTIES = """\
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@{host}:{controller_port}
listeners=PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller_port},PODS://{pod_host}:{pod_port}
advertised.listeners=PLAINTEXT://{host}:{port},PODS://{pod_host}:{pod_port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PODS:PLAINTEXT
log.dirs={data}
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
auto.create.topics.enable=true
delete.topic.enable=true
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
log.retention.hours=24
"""
LOG4J = """\
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
"""


class Kafka(JavaService):
    name = "kafka"
    ports = (PORT, CONTROLLER_PORT)
    pod_ports = (POD_PORT,)
    ready_timeout_s = 240.0  # beside a dozen servers starting at once on two cores

    def _java(self, ctx: StackContext, main: str, *args: str) -> list[str]:
        return self.java_argv(ctx, ctx.service_dir(self.name), [f"-Xms{HEAP}", f"-Xmx{HEAP}"], main, *args)

    def java_argv(self, ctx: StackContext, home: pathlib.Path, memory: list[str], main: str, *args: str) -> list[str]:
        """``main`` on the Kafka jars, its log4j config and logs in ``home``, ``memory`` its heap flags."""
        return [
            self.java(ctx),
            *memory,
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-Djava.awt.headless=true",
            f"-Dlog4j.configuration=file:{home / 'log4j.properties'}",
            f"-Dkafka.logs.dir={home}",
            "-cp",
            f"{self.fetch(ctx)}/*",
            main,
            *args,
        ]

    def start(self, ctx: StackContext) -> None:
        self.ports_free(ctx)
        home = ctx.service_dir(self.name)
        data = home / "data"
        config = home / "server.properties"
        config.write_text(
            SERVER_PROPERTIES.format(
                host=process.HOST,
                port=PORT,
                controller_port=CONTROLLER_PORT,
                pod_host=hostnet.POD_HOST,
                pod_port=POD_PORT,
                data=data,
            )
        )
        (home / "log4j.properties").write_text(LOG4J)
        if not (data / "meta.properties").exists():
            cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
            process.run(
                self.name,
                self._java(ctx, "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config)),
                log=self.log(ctx),
            )
        self.spawn(
            ctx,
            self._java(ctx, "kafka.Kafka", str(config)),
            cwd=home,
        )

    def answers(self, ctx: StackContext) -> bool:
        return self.probe(self._produce(), timeout=20)

    async def _produce(self) -> bool:
        from aiokafka import AIOKafkaProducer

        # the first produce auto-creates the topic; aiokafka logs its retries, which are expected here
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
        producer = AIOKafkaProducer(bootstrap_servers=f"{process.HOST}:{PORT}", acks="all", request_timeout_ms=10000)
        await producer.start()
        try:
            meta = await producer.send_and_wait(HEALTH_TOPIC, b"ping")
            return meta.offset >= 0
        finally:
            await producer.stop()

    def env(self, ctx: StackContext) -> dict[str, str]:
        return {"ROOKERY_KAFKA_BOOTSTRAP": f"{process.HOST}:{PORT}"}

    def pod_env(self, ctx: StackContext) -> dict[str, str]:
        return {"ROOKERY_KAFKA_BOOTSTRAP": f"{hostnet.POD_HOST}:{POD_PORT}"}
