"""The composition root: the only place that picks adapters (embedded or production) from Settings.

``build(settings, roles)`` returns a typed Container (container.py) holding the infrastructure and,
for each role in this process, a dataclass of its stores and use-case services (``None`` for a role
that is absent): ``container.infra.cache``, ``container.accounts.service``,
``container.social.posts``, ``container.search.service``, ``container.admin.moderation`` ...
``Container.start()`` connects stores, applies embedded migrations and starts the background
workers (outbox relays, event consumers); ``Container.close()`` stops them, each step bounded.

Modules:
  container.py       the Container, its role dataclasses, start/close
  infrastructure.py  edge ports, Redis / Kafka / Cloudinary / PostgreSQL / Cassandra / SQLite handles,
                     the event bus and outboxes, the model client
  stores.py          each role's stores (SQLite or their production adapter)
  accounts.py, social.py, media.py, messaging.py, search.py, admin.py, streaming.py
                     one wiring function per role: services by constructor injection

``build`` composes them in dependency order, so no service is changed after it is made:
infrastructure -> events -> every role's stores -> the read filter and analytics (admin) -> the
accounts repository, decorated in one visible place (store, search indexing, admin tracking) ->
the accounts service -> the token validator -> OAuth / Keycloak -> media -> the social core (posts
get media and the read filter, feed gets the ranker, notifications the publishing store of push)
-> lists, messaging, push, search, conversations, streaming -> moderation.
"""

from __future__ import annotations

from rookery.workloads import catalogue
from rookery.workloads.bootstrap import accounts as accounts_wiring
from rookery.workloads.bootstrap import admin as admin_wiring
from rookery.workloads.bootstrap import media as media_wiring
from rookery.workloads.bootstrap import messaging as messaging_wiring
from rookery.workloads.bootstrap import search as search_wiring
from rookery.workloads.bootstrap import social as social_wiring
from rookery.workloads.bootstrap import stores as choose
from rookery.workloads.bootstrap import streaming as streaming_wiring
from rookery.workloads.bootstrap.container import Container, Lifecycle
from rookery.workloads.bootstrap.infrastructure import events as events_of
from rookery.workloads.bootstrap.infrastructure import infrastructure, postgres_relay, start_kafka_last
from rookery.workloads.services.tokens import SuspendedAccounts
from rookery.workloads.settings import Settings

__all__ = ["ALL_ROLES", "SOCIAL_ROLES", "Container", "build"]

ALL_ROLES = catalogue.ROLES  # every role (rookery.workloads.catalogue names them)
SOCIAL_ROLES = catalogue.SOCIAL_ROLES
EVENT_ROLES = SOCIAL_ROLES | {"media", "messaging"}  # the roles that publish through an outbox


def build(settings: Settings, roles: tuple[str, ...] = ALL_ROLES) -> Container:
    wanted = set(roles)
    social_wanted = bool(SOCIAL_ROLES & wanted)
    admin_wanted = bool(wanted & {"admin", "analytics"}) and social_wanted
    life = Lifecycle()
    infra = infrastructure(settings, life)

    # stores first: they depend on nothing but the infrastructure
    keycloak = accounts_wiring.keycloak_wanted(settings, wanted)
    account_stores = (
        choose.accounts(settings, infra, life, keycloak=keycloak)
        if "accounts" in wanted or social_wanted  # a split role still reads accounts (their store)
        else None
    )
    events = events_of(infra, life, relay_postgres=social_wanted or "media" in wanted) if EVENT_ROLES & wanted else None
    social_stores = choose.social(settings, infra, events, life) if social_wanted and events else None
    search_stores = choose.search(settings, infra, life) if "search" in wanted else None
    admin_stores = choose.admin(settings, infra, life) if admin_wanted else None
    channels = choose.push(settings, infra, life) if "notifications" in wanted else None

    # objects that break cycles, made before the services that share them
    suspended = SuspendedAccounts()  # written by the accounts service, read by the token validator
    read_filter = None  # moderation's in-process read filter, read by posts and analytics
    stats = ranker = None
    if admin_stores is not None and social_stores is not None:
        from rookery.workloads.services.moderation import ReadFilter

        read_filter = ReadFilter()
        stats = admin_wiring.analytics(settings, admin_stores, social_stores.statuses, read_filter)
        ranker = admin_wiring.ranker(settings, infra, admin_stores, social_stores.statuses)

    accounts = None
    accounts_service = None
    if account_stores is not None:
        repository = accounts_wiring.account_repository(
            account_stores.repository,
            index=search_stores.index if search_stores is not None else None,
            tracker=admin_stores.moderation if admin_stores is not None else None,
            sign_ups=stats,
        )
        accounts_service = accounts_wiring.accounts_service(settings, infra, repository, suspended)
    grants = None
    if account_stores is not None and account_stores.keycloak is not None:
        from rookery.workloads.services.keycloak_mode import RecordedGrants

        grants = RecordedGrants(account_stores.oauth)
    validator = accounts_wiring.token_validator(
        settings, infra, life, suspended, accounts=accounts_service, grants=grants
    )
    if account_stores is not None and accounts_service is not None:
        accounts = accounts_wiring.accounts_role(settings, infra, life, account_stores, accounts_service, validator)

    media = media_wiring.media(settings, infra, events, life) if "media" in wanted and events else None
    social = None
    if social_stores is not None and events is not None and accounts is not None:
        notification_store = social_stores.notifications
        if channels is not None:  # announce stored notifications on the notifications stream
            from rookery.workloads.services.push import PublishingNotificationStore

            notification_store = PublishingNotificationStore(notification_store, events.bus, settings.tenant)
        social = social_wiring.social(
            settings,
            infra,
            events,
            wanted,
            social_stores,
            accounts=accounts.service,
            account_views=accounts.views,
            notification_store=notification_store,
            media=media.service if media is not None else None,
            moderation=read_filter,
            ranker=ranker,
            life=life,
        )
    lists = (
        social_wiring.lists(infra, events, life, social, accounts.service)
        if "feed" in wanted and social is not None and events is not None and accounts is not None
        else None
    )
    messaging = None
    if "messaging" in wanted and events is not None:
        if accounts is None:
            raise RuntimeError("the messaging role needs the accounts role (or a social role) in its process")
        graph = social_stores.graph if social_stores is not None else None
        messaging = messaging_wiring.messaging(settings, infra, events, life, accounts, graph)
    push = None
    if channels is not None and events is not None and accounts is not None:
        push = messaging_wiring.push(settings, events, channels, accounts.repository, social_stores)
    search = None
    if search_stores is not None:
        search = search_wiring.search(
            search_stores, events, social, accounts.repository if accounts is not None else None
        )
    conversations = None
    if "posts" in wanted and social is not None and events is not None and accounts is not None:
        conversations = social_wiring.conversations(infra, events, life, social, accounts.views)
    hub = None
    if "gateway" in wanted:
        hub = streaming_wiring.hub(
            infra,
            life,
            social_stores.graph if social_stores else None,
            lists.stores if lists else None,
            social.filters if social else None,
        )
    if social is not None and events is not None and accounts is not None:
        streaming_wiring.publisher(infra, events, social, accounts.views, lists.service if lists else None)
    admin = None
    if admin_stores is not None and stats is not None and read_filter is not None:
        assert social is not None and accounts is not None
        admin = admin_wiring.admin(
            settings,
            infra,
            events,
            life,
            admin_stores,
            stats=stats,
            read_filter=read_filter,
            accounts=accounts.service,
            posts=social.posts,
            statuses=social.stores.statuses,
            timelines=social.stores.timelines,
            search=search.service if search is not None else None,
        )
    if events is not None:
        postgres_relay(infra, events, life)
    start_kafka_last(infra, life)  # last: consumers start once every store they call is up
    return Container(
        settings=settings,
        roles=roles,
        migrations=life.migrations,
        starters=life.starters,
        stoppers=life.stoppers,
        infrastructure=infra,
        token_validator=validator,
        events=events,
        accounts=accounts,
        social=social,
        lists=lists,
        media=media,
        messaging=messaging,
        push=push,
        search=search,
        conversations=conversations,
        streaming_hub=hub,
        admin=admin,
    )
