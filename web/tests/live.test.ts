// Against a running Rookery (ROOKERY_URL=http://127.0.0.1:8080 npm test): the client's sign-up,
// OAuth code flow with PKCE, posting, timelines with Link pagination, toggles and sign-out.
// Skipped when ROOKERY_URL is not set, so plain `npm test` needs no server. Each run makes about
// eight authentication-class requests (30 per 5 minutes per IP by default): for repeated runs,
// start the server with ROOKERY_RATE_LIMITS_ENABLED=false.
import { describe, expect, it } from "vitest";
import { beginSignIn, completeSignIn, ensureApp, signOut, signUp, storedToken } from "../src/api/auth";
import { ApiClient } from "../src/api/client";
import { ApiError } from "../src/api/errors";
import type { Account, Chat, ChatMessage, MediaAttachment, Notification, Relationship, Status } from "../src/api/types";
import { followAction } from "../src/profile/relationship";
import { flip } from "../src/timeline/actions";

const origin = process.env.ROOKERY_URL;

function memoryStore() {
  const data = new Map<string, string>();
  return {
    getItem: (key: string) => data.get(key) ?? null,
    setItem: (key: string, value: string) => void data.set(key, value),
    removeItem: (key: string) => void data.delete(key),
  };
}

/** What a person does on the authorize page: fill the form, press Authorize. */
async function approve(authorizeUrl: string, username: string, password: string): Promise<URL> {
  const page = await fetch(authorizeUrl);
  expect(page.status).toBe(200);
  const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
  const html = await page.text();
  const form = new URLSearchParams();
  for (const match of html.matchAll(/<input type='hidden' name='([^']+)' value='([^']*)'>/g)) {
    form.append(match[1], match[2].replace(/&amp;/g, "&").replace(/&#x27;/g, "'").replace(/&quot;/g, '"'));
  }
  form.set("username", username);
  form.set("password", password);
  form.set("decision", "approve");
  const answer = await fetch(new URL("/oauth/authorize", authorizeUrl), {
    method: "POST",
    body: form,
    headers: { Cookie: cookie },
    redirect: "manual",
  });
  expect(answer.status).toBe(302);
  return new URL(answer.headers.get("location")!);
}

// A real server does real work (password hashing, media processing): give each test time.
const LIVE_TIMEOUT_MS = 30_000;

describe.skipIf(!origin)("against a live Rookery", () => {
  it("signs up, signs in with PKCE, posts, pages, favourites and signs out", async () => {
    const stores = { local: memoryStore(), session: memoryStore() };
    const api = new ApiClient(origin!, () => storedToken(stores));
    const app = await ensureApp(api, stores);
    expect(app.client_id).toBeTruthy();
    expect((await ensureApp(api, stores)).client_id).toBe(app.client_id);

    const username = `web${Date.now().toString(36)}`;
    const password = "correct horse battery staple";
    await signUp(api, stores, { username, email: `${username}@example.com`, password });
    expect((await api.get<Account>("/api/v1/accounts/verify_credentials")).username).toBe(username);
    await signOut(api, stores);

    const back = await approve(await beginSignIn(api, stores), username, password);
    expect(back.pathname).toBe("/oauth-callback");
    await completeSignIn(api, stores, back.searchParams.get("code")!, back.searchParams.get("state"));
    const me = await api.get<Account>("/api/v1/accounts/verify_credentials");
    expect(me.username).toBe(username);

    const posted: Status[] = [];
    for (const n of [1, 2, 3]) {
      posted.push(await api.post<Status>("/api/v1/statuses", { status: `post ${n} <script>x</script>`, visibility: "public" }));
    }
    const first = await api.page<Status>("/api/v1/timelines/home", { limit: 2 });
    expect(first.items.map((s) => s.id)).toEqual([posted[2].id, posted[1].id]);
    expect(first.next).toBeTruthy();
    const second = await api.page<Status>(first.next!);
    expect(second.items[0].id).toBe(posted[0].id);

    // What Compose does with an image: upload, describe (PUT), wait for processing, post with media_ids.
    const png = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));
    const form = new FormData();
    form.append("file", new File([png], "dot.png", { type: "image/png" }));
    let media = (await api.request<MediaAttachment>("POST", "/api/v2/media", { body: form })).items;
    for (let tries = 0; !media.url && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      media = await api.get<MediaAttachment>(`/api/v1/media/${media.id}`);
    }
    await api.request("PUT", `/api/v1/media/${media.id}`, { body: { description: "a <b>dot</b>" } });
    const withImage = await api.post<Status>("/api/v1/statuses", { status: "", media_ids: [media.id], visibility: "public" });
    expect(withImage.media_attachments.map((m) => m.description)).toEqual(["a <b>dot</b>"]);

    const liked = await flip(api, posted[0], "favourite");
    expect(liked.favourited).toBe(true);
    const boosted = await flip(api, liked, "reblog");
    expect(boosted.id).toBe(posted[0].id);
    expect(boosted.reblogged).toBe(true);

    expect((await api.post<{ following: boolean }>("/api/v1/tags/rookeryweb/follow")).following).toBe(true);
    await api.delete(`/api/v1/statuses/${posted[2].id}`);
    const afterDelete = await api.page<Status>("/api/v1/timelines/home", { limit: 5 });
    expect(afterDelete.items.map((s) => s.id)).not.toContain(posted[2].id);

    const token = storedToken(stores);
    await signOut(api, stores);
    expect(storedToken(stores)).toBe(null);
    const revoked = new ApiClient(origin!, () => token);
    const error = await revoked.get("/api/v1/accounts/verify_credentials").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
  }, LIVE_TIMEOUT_MS);
});

async function relationship(api: ApiClient, id: string): Promise<Relationship> {
  return (await api.get<Relationship[]>("/api/v1/accounts/relationships", { id: [id] }))[0];
}

describe.skipIf(!origin)("two people on a live Rookery", () => {
  it("follow each other's way, get notified, chat with plain-text messages and unread counts", async () => {
    const people = [];
    for (const who of ["a", "b"]) {
      const stores = { local: memoryStore(), session: memoryStore() };
      const api = new ApiClient(origin!, () => storedToken(stores));
      const username = `chat${who}${Date.now().toString(36)}`;
      await signUp(api, stores, { username, email: `${username}@example.com`, password: "correct horse battery staple" });
      people.push({ api, me: await api.get<Account>("/api/v1/accounts/verify_credentials") });
    }
    const [ana, bo] = people;
    const following = await ana.api.post<Relationship>(`/api/v1/accounts/${bo.me.id}/${followAction(await relationship(ana.api, bo.me.id)).verb}`);
    expect(following.following || following.requested).toBe(true);
    expect(followAction(await relationship(ana.api, bo.me.id)).verb).toBe("unfollow");
    // notifications are made by a worker after the follow: wait for it
    let notes: Notification[] = [];
    for (let tries = 0; tries < 50 && !notes.length; tries++) {
      notes = await bo.api.get<Notification[]>("/api/v1/notifications");
      if (!notes.length) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(notes.map((n) => [n.type, n.account.id])).toContainEqual(["follow", ana.me.id]);
    const chat = await ana.api.post<Chat>("/api/v1/chats", { account_ids: [bo.me.id] });
    const sent = await ana.api.post<ChatMessage>(`/api/v1/chats/${chat.id}/messages`, { text: "<b>hi</b>" });
    expect(sent.text).toBe("<b>hi</b>");
    const theirs = await bo.api.get<Chat[]>("/api/v1/chats");
    expect(theirs.map((c) => [c.id, c.unread_count])).toEqual([[chat.id, 1]]);
    const page = await bo.api.page<ChatMessage>(`/api/v1/chats/${chat.id}/messages`);
    expect(page.items.map((m) => m.id)).toEqual([sent.id]);
    await bo.api.post(`/api/v1/chats/${chat.id}/read`, { last_read_id: sent.id });
    expect((await bo.api.get<Chat>(`/api/v1/chats/${chat.id}`)).unread_count).toBe(0);
  }, LIVE_TIMEOUT_MS);
});
