"""accounts role: the account repository (decorated), accounts, the token validator, OAuth, the
embedded token issuer, account views, and Keycloak mode.

Keycloak mode (ROOKERY_OIDC_ISSUER + ROOKERY_OIDC_CLIENT_ID/SECRET): registration creates the user
in Keycloak, /oauth/token is Keycloak's (reshaped), accounts are linked by `sub`. With only
ROOKERY_OIDC_ISSUER set, Keycloak's tokens are validated and nothing else changes.

Cycles broken by objects made first: ``SuspendedAccounts`` (the validator reads it, the accounts
service's suspension fan-out writes it) and ``RecordedGrants`` (the validator's Keycloak hook, on
the OAuth store alone), so the validator is built after the accounts service and before OAuth.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from rookery.workloads.bootstrap import stores as choose
from rookery.workloads.bootstrap.container import AccountsRole, Infrastructure, Lifecycle
from rookery.workloads.bootstrap.infrastructure import jwks_source
from rookery.workloads.bootstrap.stores import AccountStores
from rookery.workloads.services.accounts import AccountsService, PasswordPolicy, Passwords
from rookery.workloads.services.instance import InstanceContent
from rookery.workloads.services.tokens import (
    GrantResolver,
    SubjectResolver,
    SuspendedAccounts,
    SuspensionFanout,
    TokenValidator,
)
from rookery.workloads.settings import Settings

if TYPE_CHECKING:
    from rookery.workloads.ports.accounts import AccountRepository
    from rookery.workloads.ports.search import SearchIndex
    from rookery.workloads.services.tracked_accounts import AccountTracker, SignUpCounter


def account_repository(
    store: AccountRepository,
    *,
    index: SearchIndex | None,
    tracker: AccountTracker | None,
    sign_ups: SignUpCounter | None,
) -> AccountRepository:
    """The repository the accounts service writes through, decorators in this order: the store,
    then search's indexing (search role), then admin's sign-up tracking (admin/analytics roles)."""
    repo = store
    if index is not None:
        from rookery.workloads.services.search import IndexedAccountRepository

        repo = IndexedAccountRepository(repo, index)
    if tracker is not None and sign_ups is not None:
        from rookery.workloads.services.tracked_accounts import TrackedAccountRepository

        repo = TrackedAccountRepository(repo, tracker, sign_ups)
    return repo


def accounts_service(
    settings: Settings, infra: Infrastructure, repo: AccountRepository, suspended: SuspendedAccounts
) -> AccountsService:
    passwords = Passwords(PasswordPolicy(settings.password_time_cost, settings.password_memory_kib))
    return AccountsService(
        repo,
        infra.entities,
        passwords,
        settings.account_domain,
        # a suspension locks the account's tokens out here at once, and on the other replicas
        on_suspension=SuspensionFanout(suspended, infra.realtime),
    )


def token_validator(
    settings: Settings,
    infra: Infrastructure,
    life: Lifecycle,
    suspended: SuspendedAccounts,
    *,
    accounts: AccountsService | None,
    grants: GrantResolver | None,
) -> TokenValidator:
    """Any issuer's tokens (the embedded one or Keycloak). With the accounts service: a token seen
    for the first time is checked against the store, and (external issuer) its ``sub`` is linked
    to a local account; in Keycloak mode, tokens issued through our /oauth/token carry their grant."""
    jwks, issuer = jwks_source(settings, infra)
    subject_resolver: SubjectResolver | None = None
    if accounts is not None and settings.oidc_issuer:
        subject_resolver = accounts.account_for_external_subject
    validator = TokenValidator(
        jwks,
        issuer=issuer,
        audience=settings.oidc_audience,
        leeway_s=settings.token_leeway_s,
        cache_size=settings.token_cache_size,
        suspended=suspended,
        account_gate=accounts.may_act if accounts is not None else None,
        subject_resolver=subject_resolver,
        grant_resolver=grants,
    )
    watcher: list[asyncio.Task[None]] = []  # replicas share revoked token ids over pub/sub

    async def watch() -> None:
        watcher.append(asyncio.create_task(validator.watch_revocations(infra.realtime)))

    async def unwatch() -> None:
        for task in watcher:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    life.starters.append(watch)
    life.stoppers.append(unwatch)
    return validator


def keycloak_wanted(settings: Settings, roles: set[str]) -> bool:
    return "accounts" in roles and bool(settings.oidc_issuer and settings.oidc_client_id)


def accounts_role(
    settings: Settings,
    infra: Infrastructure,
    life: Lifecycle,
    stores: AccountStores,
    service: AccountsService,
    validator: TokenValidator,
) -> AccountsRole:
    from rookery.workloads.services.announcements import Announcements
    from rookery.workloads.services.emojis import CustomEmojis
    from rookery.workloads.services.oauth import OAuthService, TokenLifetimes
    from rookery.workloads.services.tokens import TokenIssuer
    from rookery.workloads.views.accounts import AccountViews

    oauth = OAuthService(
        stores.oauth,
        service,
        TokenIssuer(stores.issuer_keys, settings.base_url, settings.oidc_audience),
        validator,
        TokenLifetimes(settings.access_token_ttl_s, settings.refresh_token_ttl_s),
        realtime=infra.realtime,
    )
    life.starters.append(oauth.load_revocations)
    mode = None
    if stores.keycloak is not None:
        from rookery.workloads.services.keycloak_mode import KeycloakMode

        mode = KeycloakMode(
            stores.keycloak,
            oauth,
            stores.repository,
            stores.oauth,
            validator,
            settings.account_domain,
            service.account_for_external_subject,
        )
    emojis = CustomEmojis(*choose.emojis(settings, infra, life))
    return AccountsRole(
        repository=stores.repository,
        oauth_store=stores.oauth,
        markers=stores.markers,
        service=service,
        oauth=oauth,
        views=AccountViews(service, infra.entities, settings.base_url, emojis),
        keycloak=mode,
        instance=InstanceContent(stores.instance) if stores.instance is not None else None,
        emojis=emojis,
        announcements=Announcements(choose.announcements(infra, life), emojis, infra.realtime),
    )
