// Signing in exactly as a third-party Mastodon app does: register the app, then the OAuth
// authorization-code flow with PKCE (S256); the token lives in localStorage until sign-out revokes it.
import type { ApiClient } from "./client";
import { challengeS256, randomVerifier } from "./pkce";
import type { Application, TokenGrant } from "./types";

// admin scopes too: the server grants what the role allows (the admin pages show only to staff)
export const SCOPES = "read write follow push admin:read admin:write";
const APP_KEY = "rookery.app";
const TOKEN_KEY = "rookery.token";
const PENDING_KEY = "rookery.pkce";

type KeyValue = Pick<Storage, "getItem" | "setItem" | "removeItem">;

export interface AuthStores {
  /** Survives the browser: the registered app and the token. */
  local: KeyValue;
  /** This tab only: the PKCE verifier and state while the authorize page is open. */
  session: KeyValue;
}

export function redirectUri(origin: string): string {
  return `${origin}/oauth-callback`;
}

export function storedToken(stores: AuthStores): string | null {
  return stores.local.getItem(TOKEN_KEY);
}

/** The server no longer honours the token (401): sign out locally. */
export function forgetToken(stores: AuthStores): void {
  stores.local.removeItem(TOKEN_KEY);
}

function storedApp(stores: AuthStores, origin: string): Application | null {
  const raw = stores.local.getItem(APP_KEY);
  if (!raw) return null;
  try {
    const app = JSON.parse(raw) as Application;
    return app.client_id && app.redirect_uri === redirectUri(origin) ? app : null;
  } catch {
    return null;
  }
}

/** The client's app registration, made once per browser (POST /api/v1/apps). */
export async function ensureApp(api: ApiClient, stores: AuthStores): Promise<Application> {
  const known = storedApp(stores, api.origin);
  if (known) return known;
  const app = await api.post<Application>("/api/v1/apps", {
    client_name: "Rookery Web",
    redirect_uris: redirectUri(api.origin),
    scopes: SCOPES,
    website: api.origin,
  });
  const kept = { ...app, redirect_uri: redirectUri(api.origin) };
  stores.local.setItem(APP_KEY, JSON.stringify(kept));
  return kept;
}

/** The authorize page's URL; the PKCE verifier and state wait in session storage. */
export async function beginSignIn(api: ApiClient, stores: AuthStores): Promise<string> {
  const app = await ensureApp(api, stores);
  const verifier = randomVerifier();
  const state = randomVerifier(16);
  stores.session.setItem(PENDING_KEY, JSON.stringify({ verifier, state }));
  const params = new URLSearchParams({
    response_type: "code",
    client_id: app.client_id,
    redirect_uri: app.redirect_uri,
    scope: SCOPES,
    state,
    code_challenge: await challengeS256(verifier),
    code_challenge_method: "S256",
  });
  return `${api.origin}/oauth/authorize?${params}`;
}

export class StateMismatch extends Error {
  constructor() {
    super("OAuth state does not match the sign-in this tab started");
    this.name = "StateMismatch";
  }
}

/** Back at /oauth-callback: check state, trade the code (with the verifier) for a token. */
export async function completeSignIn(
  api: ApiClient,
  stores: AuthStores,
  code: string,
  state: string | null,
): Promise<string> {
  const raw = stores.session.getItem(PENDING_KEY);
  stores.session.removeItem(PENDING_KEY);
  const pending = raw ? (JSON.parse(raw) as { verifier: string; state: string }) : null;
  if (!pending || pending.state !== state) throw new StateMismatch();
  const app = await ensureApp(api, stores);
  const grant = await api.post<TokenGrant>(
    "/oauth/token",
    new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: app.redirect_uri,
      client_id: app.client_id,
      client_secret: app.client_secret,
      code_verifier: pending.verifier,
    }),
  );
  stores.local.setItem(TOKEN_KEY, grant.access_token);
  return grant.access_token;
}

export interface Registration {
  username: string;
  email: string;
  password: string;
  locale?: string;
}

/** Sign-up the Mastodon way: an app token (client_credentials), then POST /api/v1/accounts,
 * which answers with the new member's token. */
export async function signUp(api: ApiClient, stores: AuthStores, registration: Registration): Promise<string> {
  const app = await ensureApp(api, stores);
  const appToken = await api.post<TokenGrant>(
    "/oauth/token",
    new URLSearchParams({
      grant_type: "client_credentials",
      client_id: app.client_id,
      client_secret: app.client_secret,
      scope: SCOPES,
    }),
  );
  const grant = await api.post<TokenGrant>(
    "/api/v1/accounts",
    { ...registration, agreement: true, locale: registration.locale ?? "en" },
    { Authorization: `Bearer ${appToken.access_token}` },
  );
  stores.local.setItem(TOKEN_KEY, grant.access_token);
  return grant.access_token;
}

/** Revoke the token on the server (best effort) and forget it here either way. */
export async function signOut(api: ApiClient, stores: AuthStores): Promise<void> {
  const token = storedToken(stores);
  const app = storedApp(stores, api.origin);
  forgetToken(stores);
  if (!token || !app) return;
  try {
    await api.post(
      "/oauth/revoke",
      new URLSearchParams({ token, client_id: app.client_id, client_secret: app.client_secret }),
    );
  } catch {
    // The token is gone from this browser; a server that cannot be reached will expire it.
  }
}
