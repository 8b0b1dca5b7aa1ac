"""An Event on a Kafka record: its envelope (JSON) is the value and its key (the owner) the
record's key; its id, type and trace context travel in headers too (event_headers). A record read
back (decode_event) takes its trace from the headers when the envelope carries none."""

from __future__ import annotations

import dataclasses

from aiokafka import ConsumerRecord

from rookery.workloads.adapters.kafka.tracing import TRACE_HEADERS
from rookery.workloads.domain.events import Event

Headers = list[tuple[str, bytes]]


def event_headers(event: Event) -> Headers:
    headers = [("event-id", event.id.encode()), ("event-type", event.type.encode())]
    headers += [(name, event.trace[name].encode()) for name in TRACE_HEADERS if event.trace.get(name)]
    return headers


def decode_event(record: ConsumerRecord) -> Event:
    event = Event.from_json(record.value)
    if not event.trace:  # a producer that only set headers (another language, a tool)
        trace = {name: value.decode() for name, value in record.headers if name in TRACE_HEADERS}
        if trace:
            event = dataclasses.replace(event, trace=trace)
    return event
