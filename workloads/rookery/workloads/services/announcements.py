"""Announcements: admins publish and remove them; everyone signed in reads the ones in their
time window, dismisses them (marks them read) and reacts with a unicode or custom emoji."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rookery.workloads.domain.announcements import (
    MAX_REACTIONS,
    Announcement,
    AnnouncementRejected,
    AnnouncementView,
    Reaction,
    check_text,
    check_window,
    reaction_kind,
)
from rookery.workloads.domain.errors import NotFound
from rookery.workloads.ids import new_id
from rookery.workloads.ports.announcements import AnnouncementStore
from rookery.workloads.ports.edge import Realtime
from rookery.workloads.services.emojis import CustomEmojis
from rookery.workloads.services.streaming import ANNOUNCEMENTS_CHANNEL, frame
from rookery.workloads.views.announcements import render_announcement, render_reaction
from rookery.workloads.views.emojis import attach_emojis


class Announcements:
    def __init__(self, store: AnnouncementStore, emojis: CustomEmojis | None, realtime: Realtime | None = None) -> None:
        self.store = store
        self.emojis = emojis
        self.realtime = realtime  # every user stream hears of new, reacted and removed announcements

    async def render(self, views: list[AnnouncementView]) -> list[dict[str, Any]]:
        entities = [render_announcement(v) for v in views]
        await attach_emojis(self.emojis, entities, lambda e: [e["content"]])
        return entities

    async def _tell(self, event: str, payload: Any) -> None:
        if self.realtime is not None:
            await self.realtime.publish(ANNOUNCEMENTS_CHANNEL, frame(event, payload))

    async def _tell_reaction(self, announcement_id: int, name: str) -> None:
        counts = [c for c in await self.store.reactions([announcement_id]) if c.name == name]
        custom = await self.emojis.lookup({name}) if self.emojis is not None else {}
        reaction = Reaction(name, counts[0].count if counts else 0, False, custom.get(name))
        entity = render_reaction(reaction)
        entity.pop("me")
        await self._tell("announcement.reaction", {**entity, "announcement_id": str(announcement_id)})

    async def publish(
        self, text: object, starts_at: dt.datetime | None = None, ends_at: dt.datetime | None = None,
        all_day: bool = False,
    ) -> Announcement:  # fmt: skip
        body = check_text(text)
        check_window(starts_at, ends_at)
        now = dt.datetime.now(dt.UTC)
        announcement = Announcement(new_id(), body, now, now, starts_at, ends_at, all_day)
        await self.store.add(announcement)
        if announcement.active(now):
            (entity,) = await self.render([AnnouncementView(announcement, False, ())])
            await self._tell("announcement", entity)
        return announcement

    async def remove(self, announcement_id: int) -> None:
        if not await self.store.remove(announcement_id):
            raise NotFound()
        await self._tell("announcement.delete", str(announcement_id))

    async def all(self) -> list[Announcement]:
        return await self.store.all()

    async def current(self, account_id: int, *, with_dismissed: bool = False) -> list[AnnouncementView]:
        """The announcements in their window now, newest first, with what this account did."""
        now = dt.datetime.now(dt.UTC)
        shown = [a for a in await self.store.all() if a.active(now)]
        ids = [a.id for a in shown]
        read = await self.store.dismissed(account_id, ids)
        if not with_dismissed:
            shown = [a for a in shown if a.id not in read]
        return await self._views(account_id, shown, read)

    async def _views(self, account_id: int, shown: list[Announcement], read: set[int]) -> list[AnnouncementView]:
        ids = [a.id for a in shown]
        counts = await self.store.reactions(ids)
        own = await self.store.own_reactions(account_id, ids)
        custom = await self.emojis.lookup({c.name for c in counts}) if self.emojis is not None else {}
        return [
            AnnouncementView(
                a,
                a.id in read,
                tuple(
                    Reaction(c.name, c.count, (a.id, c.name) in own, custom.get(c.name))
                    for c in counts
                    if c.announcement_id == a.id
                ),
            )
            for a in shown
        ]

    async def _active(self, announcement_id: int | None) -> Announcement:
        found = await self.store.get(announcement_id) if announcement_id is not None else None
        if found is None or not found.active(dt.datetime.now(dt.UTC)):
            raise NotFound()
        return found

    async def dismiss(self, account_id: int, announcement_id: int | None) -> None:
        announcement = await self._active(announcement_id)
        await self.store.dismiss(account_id, announcement.id)

    async def react(self, account_id: int, announcement_id: int | None, name: str) -> None:
        announcement = await self._active(announcement_id)
        if reaction_kind(name) == "custom":
            known = await self.emojis.lookup({name}) if self.emojis is not None else {}
            if name not in known:
                raise AnnouncementRejected("Name is not a recognized emoji")
        if not await self.store.react(account_id, announcement.id, name, MAX_REACTIONS):
            raise AnnouncementRejected(f"An announcement takes at most {MAX_REACTIONS} different reactions")
        await self._tell_reaction(announcement.id, name)

    async def unreact(self, account_id: int, announcement_id: int | None, name: str) -> None:
        announcement = await self._active(announcement_id)
        if not await self.store.unreact(account_id, announcement.id, name):
            raise NotFound()
        await self._tell_reaction(announcement.id, name)
