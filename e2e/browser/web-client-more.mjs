// tests/compat/test_web_client_e2e.py's second pair, cy (desktop) and dee (phone), in Rookery's
// own web client: cy edits her profile (header, fields, approve followers by hand) and accepts
// dee's follow request; cy posts a hashtag, then a poll in German with @dee and #tides completed
// from the suggestion list by keyboard; dee votes; cy edits the post and reads its history; cy
// posts an image with a focus point and alt text; cy makes lists (create, add dee, rename,
// delete) and reads one's timeline; dee writes cy a direct message that cy reads in Direct
// messages; cy explores trends; a 429 (provoked by the test, Retry-After 3) shows the banner,
// which goes by itself; dee's live connection is cut (the test closes the page's WebSocket) and
// the banner says so until it is back, then a new post arrives live; j / k move between posts.
// Hostile HTML rides in the profile field, the poll, the list title and the edit: none may run.
// Config (besides browser.mjs's): origin, password, image (a PNG's path).
import { config, run } from "./browser.mjs";
import { webSteps } from "./web-steps.mjs";

const settings = config();
const { origin, password } = settings;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const XSS = {
  field: `<img src=x onerror="window.__xss='field'">`,
  poll: `<img src=x onerror=__xss='poll'>`,
  list: `<img src=x onerror=__xss='list'>`,
  edit: `<script>window.__xss='edit'</script>`,
};

const results = { steps: [], axe: [] };
const { step, axe, signUp, tracked, go } = webSteps(origin, password, results);

await run({ ...settings, viewport: DESKTOP }, async ({ page: cy, shot, open }) => {
  tracked(cy);
  const dee = tracked((await open({ viewport: PHONE, who: "dee" })).page);
  cy.on("dialog", (dialog) => dialog.accept());
  // dee's streaming connections go through the test, which can cut them
  const sockets = new Set();
  await dee.routeWebSocket(/\/api\/v1\/streaming/, (ws) => {
    sockets.add(ws);
    ws.connectToServer();
  });

  await step("sign up (cy, desktop)", () => signUp(cy, "cy"));
  await step("sign up (dee, phone)", () => signUp(dee, "dee"));

  await step("cy sets header, fields and approves followers by hand", async () => {
    await go(cy, "/settings");
    await cy.getByLabel("Header (a wide image)").setInputFiles(settings.image);
    await cy.getByLabel("Label 1", { exact: true }).fill(`Boat ${XSS.field}`);
    await cy.getByLabel("Content 1", { exact: true }).fill("https://harbour.example");
    await cy.getByLabel("Approve new followers by hand").check();
    await cy.getByRole("button", { name: "Save profile" }).click();
    await cy.getByText("Profile saved.").waitFor();
  });
  await axe(cy, "cy", "settings (fields)");

  await step("dee asks to follow cy", async () => {
    await go(dee, "/@cy");
    await dee.locator(".profile-header").waitFor();
    await dee.getByRole("button", { name: "Follow", exact: true }).click();
    await dee.getByRole("button", { name: "Withdraw follow request" }).waitFor();
    return dee.locator(".profile-fields").innerText();
  });
  await shot("phone-locked-profile.png", dee);
  await step("cy accepts dee's follow request", async () => {
    await go(cy, "/follow_requests");
    await axe(cy, "cy", "follow requests");
    await cy.getByRole("button", { name: "Accept @dee's follow request" }).click();
    return cy.getByRole("status").filter({ hasText: "now follows you" }).innerText();
  });
  await step("cy follows dee", async () => {
    await go(cy, "/@dee");
    await cy.getByRole("button", { name: "Follow", exact: true }).click();
    await cy.getByRole("button", { name: "Unfollow" }).waitFor();
  });

  await step("cy posts about #tides", async () => {
    await go(cy, "/home");
    await cy.getByLabel("What is on your mind?").fill("Spring #tides are coming");
    await cy.getByRole("button", { name: "Post", exact: true }).click();
    await cy.locator(".status", { hasText: "Spring" }).waitFor();
  });

  let pollText = null;
  await step("cy writes a poll, completing @dee and #tides from the suggestions", async () => {
    const box = cy.getByLabel("What is on your mind?");
    await box.fill("Which one, @de");
    await cy.getByRole("listbox", { name: "Suggestions" }).getByRole("option", { name: /@dee/ }).waitFor();
    await axe(cy, "cy", "compose suggestions");
    await box.press("Enter");
    await box.pressSequentially("? #tid");
    await cy.getByRole("listbox", { name: "Suggestions" }).getByRole("option", { name: "#tides" }).waitFor();
    await box.press("Tab");
    pollText = await box.inputValue();
    await cy.getByRole("button", { name: "Poll", exact: true }).click();
    await cy.getByLabel("Choice 1", { exact: true }).fill("Spring");
    await cy.getByLabel("Choice 2", { exact: true }).fill(`Neap ${XSS.poll}`);
    await cy.getByLabel("Poll length").selectOption("300");
    await cy.getByLabel("Language of the post").selectOption("de");
    await cy.getByRole("button", { name: "Post", exact: true }).click();
    await cy.locator(".status .poll-results").first().waitFor();
    return { text: pollText, lang: await cy.locator(".status", { hasText: "Which one" }).first().locator(".status-content").getAttribute("lang") };
  });
  await axe(cy, "cy", "home with a poll");

  await step("dee votes", async () => {
    await go(dee, "/home");
    const post = dee.locator(".status", { hasText: "Which one" }).first();
    await post.getByLabel(/^Neap/).check();
    await post.getByRole("button", { name: "Vote" }).click();
    await post.locator(".poll-results").waitFor();
    return post.locator(".poll-results").innerText();
  });
  await shot("phone-poll-voted.png", dee);
  await axe(dee, "dee", "home with a poll (voted)");

  await step("cy edits the poll's post and reads its history", async () => {
    await go(cy, "/home");
    // by its id: while the editor is open the card shows no text to find it by
    const labelledBy = await cy.locator(".status", { hasText: "Which one" }).first().getAttribute("aria-labelledby");
    const post = cy.locator(`article[aria-labelledby="${labelledBy}"]`);
    await post.getByRole("button", { name: "Edit" }).click();
    const box = post.getByLabel("Edit your post");
    await box.waitFor();
    await cy.waitForFunction(() => !document.querySelector("textarea[id^='edit-']")?.disabled);
    await box.fill(`Which one, @dee? #tides (edited) ${XSS.edit}`);
    await post.getByRole("button", { name: "Save", exact: true }).click();
    await post.getByRole("button", { name: "edited: show history" }).click();
    await post.locator(".edit-history li").nth(1).waitFor();
    return { versions: await post.locator(".edit-history li").count(), poll: await post.locator(".poll-results li").count() };
  });
  await axe(cy, "cy", "post with history");
  await shot("desktop-edit-history.png", cy);

  await step("cy posts an image with a focus point and alt text", async () => {
    await cy.getByLabel("What is on your mind?").fill("Mud flats");
    await cy.locator('.compose input[type="file"]').first().setInputFiles(settings.image);
    const picker = cy.locator(".focus-picker").first();
    await picker.waitFor();
    const box = await picker.boundingBox();
    await picker.click({ position: { x: box.width * 0.25, y: box.height * 0.75 } });
    await cy.getByLabel("Describe media 1 for people who cannot see it").fill("Mud flats at low tide");
    await cy.getByRole("button", { name: "Post", exact: true }).click();
    const image = cy.locator(".status", { hasText: "Mud flats" }).first().locator(".status-media img");
    await image.waitFor();
    return { alt: await image.getAttribute("alt"), position: await image.evaluate((img) => img.style.objectPosition) };
  });

  await step("dee posts publicly", async () => {
    await go(dee, "/home");
    await dee.getByLabel("What is on your mind?").fill("Neap it is, from dee");
    await dee.getByRole("button", { name: "Post", exact: true }).click();
    await dee.locator(".status", { hasText: "Neap it is" }).first().waitFor();
  });

  await step("cy makes a list with dee and reads it", async () => {
    await go(cy, "/lists");
    await cy.getByLabel("New list's title").fill(`Harbour ${XSS.list}`);
    await cy.getByRole("button", { name: "Create list" }).click();
    await cy.getByRole("link", { name: /^Harbour/ }).waitFor();
    await cy.getByLabel("New list's title").fill("Spare");
    await cy.getByRole("button", { name: "Create list" }).click();
    await cy.getByRole("link", { name: "Spare" }).waitFor();
    await axe(cy, "cy", "lists");
    await cy.getByRole("button", { name: "Delete list Spare" }).click();
    await cy.getByRole("link", { name: "Spare" }).waitFor({ state: "detached" });
    await cy.getByRole("link", { name: /^Harbour/ }).click();
    await cy.waitForURL(/\/lists\/\d+$/);
    await cy.locator(".list-members summary").click();
    await cy.getByLabel("Find people you follow to add").fill("dee");
    await cy.getByRole("button", { name: "Search", exact: true }).click();
    await cy.getByRole("button", { name: "Add @dee to the list" }).click();
    await cy.getByText("People in this list (1)").waitFor();
    await cy.reload();
    await cy.locator(".timeline .status", { hasText: "Neap it is" }).first().waitFor();
    await axe(cy, "cy", "list");
    await go(cy, "/lists");
    await cy.getByRole("button", { name: /^Rename list Harbour/ }).click();
    await cy.getByLabel(/^New title for Harbour/).fill("Harbour friends");
    await cy.getByRole("button", { name: "Save", exact: true }).click();
    await cy.getByRole("link", { name: "Harbour friends" }).waitFor();
    return cy.locator(".lists .account-list").innerText();
  });
  await shot("desktop-lists.png", cy);

  await step("dee writes cy a direct message; cy reads it", async () => {
    await go(dee, "/home");
    await dee.getByLabel("What is on your mind?").fill("@cy the secret tide table");
    await dee.getByLabel("Who can see this").first().selectOption("direct");
    await dee.getByRole("button", { name: "Post", exact: true }).click();
    await dee.locator(".status", { hasText: "secret tide table" }).first().waitFor();
    await go(cy, "/conversations");
    const conversation = cy.locator(".conversation", { hasText: "secret tide table" });
    await conversation.waitFor();
    await axe(cy, "cy", "direct messages");
    return conversation.locator("h2").innerText();
  });

  await step("cy explores trends", async () => {
    const shown = {};
    for (const tab of ["tags", "posts", "links"]) {
      await go(cy, `/explore/${tab}`);
      const any = cy.locator(".explore .account-list li, .explore .status, .explore .trend-links li, .explore p.muted:not([role])");
      await any.first().waitFor();
      shown[tab] = await any.count();
      await axe(cy, "cy", `explore ${tab}`);
    }
    return shown;
  });

  await step("a 429 shows the banner, which goes by itself", async () => {
    await cy.route("**/api/v1/trends/links**", (route) =>
      route.fulfill({ status: 429, headers: { "Retry-After": "3", "Content-Type": "application/json" }, body: '{"error":"Too many requests"}' }),
    );
    await go(cy, "/explore/links");
    const banner = cy.locator(".connection [role=alert]");
    await banner.waitFor();
    const text = await banner.innerText();
    const error = await cy.locator("#main .error").innerText();
    await axe(cy, "cy", "429 banner");
    await shot("desktop-429.png", cy);
    await cy.unroute("**/api/v1/trends/links**");
    await banner.waitFor({ state: "detached", timeout: 10_000 });
    return { text, error };
  });

  await step("dee's live connection is cut, the banner says so, then it is back", async () => {
    await go(dee, "/home");
    await dee.locator(".timeline .status").first().waitFor();
    await dee.waitForTimeout(300); // the stream is open
    for (const ws of sockets) await ws.close({ code: 1012, reason: "cut by the test" }).catch(() => {});
    const lost = dee.locator(".connection", { hasText: "Live updates lost" });
    await lost.waitFor();
    const said = await lost.innerText();
    await shot("phone-stream-lost.png", dee);
    await axe(dee, "dee", "stream lost banner");
    await dee.locator(".connection", { hasText: "Live updates are back." }).waitFor({ timeout: 15_000 });
    return said;
  });
  await step("after reconnecting, cy's new post reaches dee live", async () => {
    await go(cy, "/home");
    await cy.getByLabel("What is on your mind?").fill("Still there, dee?");
    await cy.getByRole("button", { name: "Post", exact: true }).click();
    const post = dee.locator(".status", { hasText: "Still there, dee?" });
    const more = dee.getByRole("button", { name: /new post/ });
    await Promise.race([post.first().waitFor(), more.waitFor().then(() => more.click())]);
    await post.first().waitFor();
  });

  await step("j and k move between posts", async () => {
    await go(cy, "/home");
    await cy.locator(".timeline .status").nth(2).waitFor();
    const at = () => cy.evaluate(() => {
      const posts = [...document.querySelectorAll("#main article.status")];
      const active = document.activeElement;
      return { index: posts.indexOf(active), outline: active ? getComputedStyle(active).outlineStyle : null };
    });
    await cy.keyboard.press("j");
    const first = await at();
    await cy.keyboard.press("j");
    const second = await at();
    await cy.keyboard.press("k");
    const back = await at();
    return { first, second, back };
  });
  // dark, as the system may ask: the same pages' colours checked again
  await step("dark colours", async () => {
    await cy.emulateMedia({ colorScheme: "dark" });
    await axe(cy, "cy", "home (dark)");
    await go(cy, "/explore/tags");
    await axe(cy, "cy", "explore (dark)");
    await shot("desktop-dark.png", cy);
    return cy.evaluate(() => getComputedStyle(document.body).backgroundColor);
  });

  results.xss = { cy: await cy.evaluate(() => window.__xss ?? null), dee: await dee.evaluate(() => window.__xss ?? null) };
  results.icons = await cy.evaluate(() => document.querySelectorAll(".sidebar svg.icon").length);
  return results;
});
