// A browser client on another origin than Rookery's, as a third-party Mastodon app is: it
// registers itself, signs a member up, sends the browser to Rookery's consent page with PKCE (S256),
// trades the code for a token, then calls the API and the streaming socket. Every step is listed on
// the page and kept in window.results (sessionStorage carries them across the OAuth redirect);
// e2e/browser/run.mjs drives the page and reads them.
//
// First load: ?rookery=<Rookery's origin>&username=..&password=..&follow=<acct>.

const KEY = "client.state";
const SCOPES = "read write follow";

const saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
const state = saved || { config: Object.fromEntries(new URLSearchParams(location.search)), steps: [] };
const results = (window.results = { steps: state.steps, done: false, error: null });

function save() {
  sessionStorage.setItem(KEY, JSON.stringify(state));
}

function show() {
  const list = document.getElementById("steps");
  list.replaceChildren(
    ...state.steps.map((step) => {
      const item = document.createElement("li");
      item.className = step.ok ? "ok" : "failed";
      item.textContent = `${step.name}: ${step.detail}`;
      return item;
    }),
  );
}

function step(name, ok, detail, extra = {}) {
  state.steps.push({ name, ok, detail: String(detail), ...extra });
  save();
  show();
}

function base64url(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function challengeS256(verifier) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** fetch against Rookery; throws with the status and body on a non-2xx answer. */
async function call(path, { method = "GET", token, json, form, headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  }
  if (form !== undefined) init.body = new URLSearchParams(form);
  const response = await fetch(state.config.rookery + path, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
  return { body: text ? JSON.parse(text) : null, headers: response.headers };
}

function redirectUri() {
  return location.origin + location.pathname;
}

async function start() {
  const { config } = state;
  const app = (
    await call("/api/v1/apps", {
      method: "POST",
      json: { client_name: "Cross-origin test client", redirect_uris: redirectUri(), scopes: SCOPES },
    })
  ).body;
  step("register app", Boolean(app.client_id), app.client_id);
  state.app = app;

  // sign-up the Mastodon way: an app token, then POST /api/v1/accounts with it
  const appToken = (
    await call("/oauth/token", {
      method: "POST",
      form: { grant_type: "client_credentials", client_id: app.client_id, client_secret: app.client_secret, scope: SCOPES },
    })
  ).body.access_token;
  const signedUp = await call("/api/v1/accounts", {
    method: "POST",
    token: appToken,
    json: { username: config.username, email: `${config.username}@example.org`, password: config.password, agreement: true, locale: "en" },
  });
  step("sign up", Boolean(signedUp.body.access_token), config.username);

  // the consent page is not for other origins: reading it from here must fail
  try {
    const response = await fetch(`${config.rookery}/oauth/authorize?client_id=${encodeURIComponent(app.client_id)}`);
    step("authorize page closed to other origins", false, `readable (${response.status})`);
  } catch (error) {
    step("authorize page closed to other origins", error instanceof TypeError, `${error.name}: ${error.message}`);
  }

  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  state.pkce = { verifier, state: base64url(crypto.getRandomValues(new Uint8Array(16))) };
  save();
  const params = new URLSearchParams({
    response_type: "code",
    client_id: app.client_id,
    redirect_uri: redirectUri(),
    scope: SCOPES,
    state: state.pkce.state,
    code_challenge: await challengeS256(verifier),
    code_challenge_method: "S256",
  });
  step("to the consent page", true, "PKCE S256");
  location.assign(`${config.rookery}/oauth/authorize?${params}`);
}

async function signedIn(query) {
  const { config, app, pkce } = state;
  step("back with a code", query.get("state") === pkce.state, `state ${query.get("state") === pkce.state ? "matches" : "differs"}`);
  history.replaceState(null, "", redirectUri());
  const grant = (
    await call("/oauth/token", {
      method: "POST",
      form: {
        grant_type: "authorization_code",
        code: query.get("code"),
        redirect_uri: redirectUri(),
        client_id: app.client_id,
        client_secret: app.client_secret,
        code_verifier: pkce.verifier,
      },
    })
  ).body;
  const token = grant.access_token;
  step("token", Boolean(token), `${grant.token_type} ${grant.scope}`);

  const me = (await call("/api/v1/accounts/verify_credentials", { token })).body;
  step("verify_credentials", me.username === config.username, `@${me.acct}`, { value: me.username });

  const other = (await call(`/api/v1/accounts/lookup?acct=${encodeURIComponent(config.follow)}`, { token })).body;
  const relation = (await call(`/api/v1/accounts/${other.id}/follow`, { method: "POST", token })).body;
  step("follow", relation.following === true, `@${other.acct}`);

  const posted = (
    await call("/api/v1/statuses", {
      method: "POST",
      token,
      json: { status: `Hello from ${location.origin}`, visibility: "public" },
      headers: { "Idempotency-Key": pkce.state },
    })
  ).body;
  step("post a status", Boolean(posted.id), posted.content, { value: posted.content });

  const page = await call(`/api/v1/accounts/${me.id}/statuses?limit=1`, { token });
  const link = page.headers.get("Link");
  step("Link header readable", Boolean(link), link, { value: link });

  const socketUrl = `${config.rookery.replace(/^http/, "ws")}/api/v1/streaming?stream=user&access_token=${encodeURIComponent(token)}`;
  const socket = new WebSocket(socketUrl);
  socket.addEventListener("open", () => {
    step("streaming socket open", true, "stream=user");
    results.streamOpen = true;
  });
  socket.addEventListener("error", () => {
    step("streaming socket", false, "error");
    results.error = "streaming socket error";
  });
  socket.addEventListener("message", (message) => {
    const event = JSON.parse(message.data);
    if (event.event !== "update") return;
    const status = JSON.parse(event.payload);
    if (status.account.acct === me.acct) return; // our own post, fanned out to our home too
    step("update from the socket", status.account.acct === config.follow, `@${status.account.acct}: ${status.content}`, {
      value: status.content,
    });
    socket.close();
    results.done = true;
  });
}

async function main() {
  const query = new URLSearchParams(location.search);
  if (query.has("code")) await signedIn(query);
  else if (query.has("error")) step("consent", false, query.get("error"));
  else await start();
}

main().catch((error) => {
  step("failed", false, error.message);
  results.error = error.message;
});
