"""Media worker: makes the variants of uploads announced on the media stream.

Each ``MediaUploaded`` event is handled by the consumer group ``media-processor``; processing is
idempotent (a ready attachment is left alone), so at-least-once delivery is safe. ``StatusDeleted``
on the posts stream (group ``media-statuses``) gives a deleted status's media back unattached.
"""

from __future__ import annotations

from rookery.workloads.domain.events import MEDIA, POSTS
from rookery.workloads.ports import EventBus
from rookery.workloads.services.media import MediaService

GROUP = "media-processor"
STATUS_GROUP = "media-statuses"  # detaches the media of deleted statuses


def register(bus: EventBus, media: MediaService) -> None:
    bus.subscribe(MEDIA, GROUP, media.handle_event)
    bus.subscribe(POSTS, STATUS_GROUP, media.handle_status_event)
