"""Ports: the Protocols use cases speak to, one module per role. Every port has an embedded adapter
(adapters/sqlite, adapters/memory, adapters/local) and a production one (postgres, cassandra, redis,
kafka, search, cloudinary), and one contract test suite that runs against each (tests/contract).

Import each Protocol from the module that defines it (this package re-exports nothing):

    ports.events         EventBus, Outbox, EventHandler
    ports.edge           Cache, RateLimiter, LockManager, IdempotencyStore, Realtime, RealtimeListener
    ports.inference      ModelClient
    ports.accounts       AccountRepository, OAuthStore, MarkerStore, SigningKeys, JwksSource
    ports.posts          StatusRepository, InteractionStore, ConversationMuteStore, ConversationStore
    ports.graph          GraphStore
    ports.feed           TimelineStore, ListStore
    ports.notifications  NotificationStore, PushSubscriptionStore, PushSender, EmailSender
    ports.messaging      MessageStore
    ports.search         SearchIndex, TagFollowStore
    ports.media          MediaStore, MediaRepository
    ports.admin          ModerationStore
    ports.analytics      TrendStore

The values and queries they take and return live in the domain: domain.unavailable
(StoreUnavailable, ModelUnavailable), domain.edge (RateDecision, Lock, StoredResponse),
domain.events (OutboxEvents), domain.statuses (StatusQuery, ViewerFlags), domain.timelines (Marker),
domain.search (AccountDocument, StatusDocument, StatusSearch, TagUse), domain.moderation
(ReportFilter, AccountFilter). Keep each Protocol small and in the domain's words.
"""
