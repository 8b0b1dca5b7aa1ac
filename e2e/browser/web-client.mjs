// tests/compat/test_web_client_e2e.py's people, in Rookery's own web client (served by `rookery up`
// at /): ada at desktop width and bea at phone width, each in a browser context of their own, sign
// up through the client's sign-up page, follow each other, ada posts an image (bea sees it arrive
// live, and the mention notification), bea replies (ada is notified live), they chat, bea searches
// for ada, ada edits her profile (display name, bio, avatar), bea reports ada's post, and the
// admin (made by the test) signs in through the consent page and resolves it in the moderation
// page. Hostile HTML rides along in the post, the alt text, the display name and the chat: none of
// it may run (window.__xss stays unset). axe-core checks each page visited.
// Config (besides browser.mjs's): origin, password, image (a PNG's path), admin (a username).
import { config, run } from "./browser.mjs";
import { webSteps } from "./web-steps.mjs";

const settings = config();
const { origin, password } = settings;

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
// each runs only if the sanitiser or the page let it: it sets window.__xss
const XSS = {
  post: `<img src=x onerror="window.__xss='post'"><script>window.__xss='post-script'</script>`,
  name: `<img src=x onerror=__xss=1>`,
  alt: `"><img src=x onerror="window.__xss='alt'">`,
  chat: `<script>window.__xss='chat'</script><b onmouseover="window.__xss='chat'">hi bea</b>`,
};

const results = { steps: [], axe: [], timings: {} };
const { step, axe, signUp, tracked, go } = webSteps(origin, password, results);

async function noXss(page) {
  return page.evaluate(() => window.__xss ?? null);
}

await run({ ...settings, viewport: DESKTOP }, async ({ page: ada, shot, open }) => {
  const t0 = Date.now();
  tracked(ada);
  const bea = tracked((await open({ viewport: PHONE, who: "bea" })).page);

  await step("sign up (ada, desktop)", () => signUp(ada, "ada"));
  await shot("desktop-home.png", ada);
  await axe(ada, "ada", "home");
  await step("sign up (bea, phone)", () => signUp(bea, "bea"));
  await shot("phone-home.png", bea);
  await axe(bea, "bea", "home");

  // bea watches her notifications while ada follows her: the follow arrives live
  await go(bea, "/notifications");
  await step("ada follows bea", async () => {
    await go(ada, "/@bea");
    await ada.getByRole("button", { name: "Follow", exact: true }).click();
    await ada.getByRole("button", { name: "Unfollow" }).waitFor();
  });
  await axe(ada, "ada", "profile");
  await step("bea sees the follow live", () => bea.getByText("ada followed you").waitFor());
  await axe(bea, "bea", "notifications");
  await step("bea follows ada", async () => {
    await go(bea, "/@ada");
    await bea.getByRole("button", { name: "Follow", exact: true }).click();
    await bea.getByRole("button", { name: "Unfollow" }).waitFor();
  });
  await shot("phone-profile.png", bea);

  // ada posts an image (hostile alt text and content) mentioning bea; bea is on her home timeline
  await go(bea, "/home");
  await bea.locator(".timeline").waitFor();
  const postText = `Low tide at the harbour @bea ${XSS.post}`;
  await step("ada posts with an image", async () => {
    await go(ada, "/home");
    await ada.getByLabel("What is on your mind?").first().fill(postText);
    await ada.locator('input[type="file"]').first().setInputFiles(settings.image);
    await ada.getByLabel("Describe media 1 for people who cannot see it").fill(`Boats on mud ${XSS.alt}`);
    await ada.getByRole("button", { name: "Post", exact: true }).first().click();
    await ada.locator(".status .status-media img").first().waitFor();
  });
  await shot("desktop-posted.png", ada);
  await step("bea sees the post arrive live", async () => {
    const post = bea.locator(".status", { hasText: "Low tide at the harbour" });
    const more = bea.getByRole("button", { name: /new post/ });
    await Promise.race([post.first().waitFor(), more.waitFor().then(() => more.click())]);
    await post.first().waitFor();
    await post.first().locator(".status-media img").waitFor();
    return post.first().locator(".status-media img").getAttribute("alt");
  });
  await shot("phone-live-post.png", bea);
  await axe(bea, "bea", "home with the post");

  // bea replies; ada, on her notifications, sees it arrive
  await go(ada, "/notifications");
  await step("bea replies", async () => {
    const post = bea.locator(".status", { hasText: "Low tide at the harbour" }).first();
    await post.getByRole("button", { name: /^Reply/ }).click();
    await bea.getByLabel("Your reply").fill("@ada Lovely light!");
    await bea.getByRole("button", { name: "Reply", exact: true }).last().click();
  });
  await step("ada is notified of the reply live", () => ada.getByText("bea mentioned you").first().waitFor());
  await shot("desktop-notifications.png", ada);
  await axe(ada, "ada", "notifications");

  // a chat: ada starts it, bea answers, each sees the other's message live
  await step("ada starts a chat with bea", async () => {
    await go(ada, "/chats");
    await ada.getByLabel("Start a chat with (username)").fill("bea");
    await ada.getByRole("button", { name: "Start chat" }).click();
    await ada.waitForURL(/\/chats\/\d+$/);
    await ada.locator("#chat-text").fill(XSS.chat);
    await ada.getByRole("button", { name: "Send" }).click();
    await ada.locator(".chat-messages li", { hasText: "hi bea" }).waitFor();
  });
  await axe(ada, "ada", "chat");
  await step("bea reads and answers the chat", async () => {
    await go(bea, "/chats");
    await axe(bea, "bea", "chats");
    await bea.locator(".chats a, a[href^='/chats/']").first().click();
    await bea.waitForURL(/\/chats\/\d+$/);
    await bea.locator(".chat-messages li", { hasText: "hi bea" }).waitFor();
    await bea.locator("#chat-text").fill("hello ada");
    await bea.getByRole("button", { name: "Send" }).click();
  });
  await step("ada sees the answer live", () => ada.locator(".chat-messages li", { hasText: "hello ada" }).waitFor());
  await shot("desktop-chat.png", ada);
  await shot("phone-chat.png", bea);

  await step("bea searches for ada", async () => {
    await go(bea, "/search");
    await bea.getByLabel("Search accounts, hashtags and posts").fill("ada");
    await bea.getByRole("button", { name: "Search" }).click();
    await bea.locator('a[href="/@ada"]').first().waitFor();
  });
  await axe(bea, "bea", "search");
  await shot("phone-search.png", bea);

  await step("ada edits her profile", async () => {
    await go(ada, "/settings");
    await ada.getByLabel("Display name").fill(XSS.name);
    await ada.getByLabel("Bio").fill("Harbour photographer. <script>window.__xss='bio'</script>");
    await ada.getByLabel("Avatar (an image)").setInputFiles(settings.image);
    await ada.getByRole("button", { name: "Save profile" }).click();
    await ada.getByText("Profile saved.").waitFor();
  });
  await axe(ada, "ada", "settings");
  // a profile field with hostile HTML set over the API with ada's own token (the editor is driven in web-client-more.mjs)
  await step("ada's profile fields (over the API)", async () => {
    const token = await ada.evaluate(() => localStorage.getItem("rookery.token"));
    const form = new URLSearchParams({
      "fields_attributes[0][name]": `<script>window.__xss='field'</script>Site`,
      "fields_attributes[0][value]": `<a href="javascript:window.__xss='field'" onclick="window.__xss='field'">harbour.example</a>`,
    });
    const response = await fetch(`${origin}/api/v1/accounts/update_credentials`, {
      method: "PATCH", headers: { Authorization: `Bearer ${token}` }, body: form,
    });
    if (!response.ok) throw new Error(`update_credentials: ${response.status} ${await response.text()}`);
  });
  await step("bea sees ada's new name and bio as text", async () => {
    await go(bea, "/@ada");
    await bea.getByText("Harbour photographer.", { exact: false }).first().waitFor();
    await bea.locator(".profile-fields", { hasText: "harbour.example" }).waitFor();
    results.fieldLinks = await bea.evaluate(() =>
      [
        ...[...document.querySelectorAll(".profile-fields a")].map((a) => a.getAttribute("href") ?? "(no href)"),
        ...[...document.querySelectorAll(".profile-fields [onclick]")].map(() => "onclick"),
      ],
    );
    return bea.locator(".profile").first().innerText();
  });
  await shot("phone-profile-edited.png", bea);

  let postUrl = null;
  await step("bea reports ada's post", async () => {
    const post = bea.locator(".status", { hasText: "Low tide at the harbour" }).first();
    postUrl = await post.locator(".status-time").getAttribute("href");
    await go(bea, postUrl); // settles first: the profile may still be loading its next page
    const focused = bea.locator(".status", { hasText: "Low tide at the harbour" }).first();
    await focused.getByRole("button", { name: "Report" }).click();
    await bea.getByLabel("Why should moderators look at this post?").fill("Spam about boats");
    await bea.getByRole("button", { name: "Send report" }).click();
    await bea.getByText("Thank you: moderators will look at it.").waitFor();
  });
  await axe(bea, "bea", "status");
  await shot("phone-reported.png", bea);

  // the admin (created by the test with `rookery admin create-account --admin`) signs in through
  // the consent page, opens Moderation, resolves the report
  const admin = tracked((await open({ viewport: DESKTOP, who: "admin" })).page);
  await step("admin signs in with PKCE on the consent page", async () => {
    await admin.goto(`${origin}/`);
    await admin.getByRole("button", { name: "Sign in" }).click();
    await admin.waitForURL((url) => url.pathname === "/oauth/authorize");
    await admin.getByLabel("E-mail or username").fill(settings.admin);
    await admin.getByLabel("Password").fill(password);
    await shot("desktop-consent.png", admin);
    await axe(admin, "admin", "consent");
    await admin.getByRole("button", { name: "Authorize" }).click();
    await admin.waitForURL(`${origin}/home`);
  });
  await step("admin resolves the report", async () => {
    await admin.settle();
    await admin.getByRole("link", { name: "Moderation" }).click();
    await admin.waitForURL(`${origin}/admin`);
    const report = admin.locator(".admin-report", { hasText: "Spam about boats" });
    await report.waitFor();
    await axe(admin, "admin", "moderation");
    await report.getByRole("button", { name: "Assign to me" }).click();
    await report.getByText("Assigned to @" + settings.admin).waitFor();
    await report.getByRole("button", { name: "Resolve" }).click();
    await report.getByRole("button", { name: "Reopen" }).waitFor();
    return report.locator("p.muted").first().innerText();
  });
  await shot("desktop-moderation.png", admin);
  // ada, not staff, has no Moderation link and the page shows her nothing
  const adaSeesModeration = await ada.getByRole("link", { name: "Moderation" }).count();

  // the public pages, signed out (a fresh context): ada's profile and post with their head tags
  const visitor = tracked((await open({ viewport: PHONE, who: "visitor" })).page);
  await step("a visitor reads ada's public post", async () => {
    await visitor.goto(`${origin}${postUrl}`);
    await visitor.locator(".status", { hasText: "Low tide at the harbour" }).first().waitFor();
  });
  await axe(visitor, "visitor", "public post");
  const head = await visitor.evaluate(() => ({
    ogType: document.querySelector('meta[property="og:type"]')?.getAttribute("content") ?? null,
  }));
  await shot("phone-public-post.png", visitor);

  // ada signs out: the token is revoked on the server, not only forgotten by the page
  await step("ada signs out and her token is revoked", async () => {
    const token = await ada.evaluate(() => localStorage.getItem("rookery.token"));
    await go(ada, "/settings");
    await ada.getByRole("button", { name: "Sign out" }).click();
    await ada.waitForURL(`${origin}/?signed_out=1`);
    const kept = await ada.evaluate(() => localStorage.getItem("rookery.token"));
    const after = await fetch(`${origin}/api/v1/accounts/verify_credentials`, { headers: { Authorization: `Bearer ${token}` } });
    return { kept, status: after.status };
  });

  results.xss = {
    ada: await noXss(ada), bea: await noXss(bea), admin: await noXss(admin), visitor: await noXss(visitor),
  };
  results.adaSeesModeration = adaSeesModeration;
  results.head = head;
  results.timings.totalMs = Date.now() - t0;
  return results;
});
