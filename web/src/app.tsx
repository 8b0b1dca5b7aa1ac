import { useEffect } from "preact/hooks";
import { ChatRoom } from "./chats/ChatRoom";
import { Chats } from "./chats/Chats";
import { Compose } from "./compose/Compose";
import { Callback } from "./pages/Callback";
import { Notifications } from "./pages/Notifications";
import { Profile } from "./profile/Profile";
import { Search } from "./pages/Search";
import { Admin, isStaff } from "./pages/Admin";
import { FollowRequests } from "./pages/FollowRequests";
import { Conversations } from "./pages/Conversations";
import { Explore } from "./pages/Explore";
import { ListPage, Lists } from "./lists/Lists";
import { Settings } from "./pages/Settings";
import { SignUp } from "./pages/SignUp";
import { StatusPage } from "./pages/StatusPage";
import { TagPage } from "./pages/TagPage";
import { Welcome } from "./pages/Welcome";
import { type Route, navigate, paths, useRoute } from "./router";
import { useMe } from "./session";
import { type StringKey, t } from "./strings";
import { Timeline } from "./timeline/Timeline";
import { Icon, type IconName } from "./icons";
import { ConnectionBanner } from "./ConnectionBanner";
import { listenForShortcuts } from "./keyboard";

// `wide`: only in the desktop sidebar (the phone tab bar has room for five or six).
// `locked`: only for members who approve followers by hand.
const navItems: { href: string; label: StringKey; icon: IconName; route: Route["name"]; member?: boolean; wide?: boolean; staff?: boolean; locked?: boolean }[] = [
  { href: "/home", label: "nav_home", icon: "home", route: "home", member: true },
  { href: "/notifications", label: "nav_notifications", icon: "bell", route: "notifications", member: true },
  { href: "/local", label: "nav_local", icon: "local", route: "local" },
  { href: "/public", label: "nav_public", icon: "globe", route: "public" },
  { href: "/search", label: "nav_search", icon: "search", route: "search" },
  { href: "/explore", label: "nav_explore", icon: "hash", route: "explore", wide: true },
  { href: "/chats", label: "nav_chats", icon: "chat", route: "chats", member: true },
  { href: "/conversations", label: "nav_conversations", icon: "at", route: "conversations", member: true, wide: true },
  { href: "/lists", label: "nav_lists", icon: "list", route: "lists", member: true, wide: true },
  { href: "/bookmarks", label: "nav_bookmarks", icon: "bookmark", route: "bookmarks", member: true, wide: true },
  { href: "/favourites", label: "nav_favourites", icon: "star", route: "favourites", member: true, wide: true },
  { href: "/follow_requests", label: "nav_follow_requests", icon: "userPlus", route: "followRequests", member: true, wide: true, locked: true },
  { href: "/settings", label: "nav_settings", icon: "settings", route: "settings", member: true },
  { href: "/admin", label: "nav_admin", icon: "flag", route: "admin", member: true, wide: true, staff: true },
];

/** Pages that need a signed-in member; the others are readable by anyone. */
const membersOnly = new Set<Route["name"]>([
  "home", "notifications", "chats", "chat", "settings", "bookmarks", "favourites", "admin", "followRequests", "lists", "list",
  "conversations",
]);

function title(route: Route): string {
  switch (route.name) {
    case "home": return t("title_home");
    case "local": return t("title_local");
    case "public": return t("title_public");
    case "notifications": return t("title_notifications");
    case "tag": return t("title_tag", { tag: route.tag });
    case "search": return t("title_search");
    case "bookmarks": return t("title_bookmarks");
    case "favourites": return t("title_favourites");
    case "chats":
    case "chat": return t("title_chats");
    case "settings": return t("title_settings");
    case "admin": return t("title_admin");
    case "followRequests": return t("title_follow_requests");
    case "lists": return t("title_lists");
    case "list": return t("title_list");
    case "conversations": return t("title_conversations");
    case "explore": return t("title_explore");
    case "status": return t("title_status");
    case "profile": return `@${route.acct}`;
    case "notFound": return t("title_not_found");
    default: return t("app_name");
  }
}

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case "welcome":
      return <Welcome notice={new URLSearchParams(location.search).has("signed_out") ? t("signed_out_notice") : undefined} />;
    case "signup":
      return <SignUp />;
    case "oauthCallback":
      return <Callback code={route.code} state={route.state} error={route.error} />;
    case "home":
      return <Timeline key="home" path="/api/v1/timelines/home" stream={{ name: "user" }} compose label={t("title_home")} />;
    case "local":
      return <Timeline key="local" path="/api/v1/timelines/public" query={{ local: true }} stream={{ name: "public:local" }} compose label={t("title_local")} />;
    case "public":
      return <Timeline key="public" path="/api/v1/timelines/public" stream={{ name: "public" }} compose label={t("title_public")} />;
    case "bookmarks":
      return <Timeline key="bookmarks" path="/api/v1/bookmarks" label={t("title_bookmarks")} />;
    case "favourites":
      return <Timeline key="favourites" path="/api/v1/favourites" label={t("title_favourites")} />;
    case "tag":
      return <TagPage tag={route.tag} />;
    case "notifications":
      return <Notifications />;
    case "profile":
      return <Profile acct={route.acct} />;
    case "status":
      return <StatusPage id={route.id} />;
    case "search":
      return <Search q={route.q} />;
    case "settings":
      return <Settings />;
    case "admin":
      return <Admin />;
    case "followRequests":
      return <FollowRequests />;
    case "lists":
      return <Lists />;
    case "list":
      return <ListPage id={route.id} />;
    case "conversations":
      return <Conversations />;
    case "explore":
      return <Explore tab={route.tab} />;
    case "chats":
      return <Chats />;
    case "chat":
      return <ChatRoom id={route.id} />;
    case "notFound":
      return <p>{t("not_found_body")}</p>;
  }
}

export function App() {
  const route = useRoute();
  const { me, signedIn } = useMe();
  const needsSignIn = membersOnly.has(route.name) && !signedIn;

  useEffect(() => {
    if ((route.name === "welcome" || route.name === "signup") && signedIn) navigate("/home", true);
    else if (needsSignIn) navigate("/", true);
  }, [route.name, signedIn]);

  useEffect(() => listenForShortcuts(), []);

  useEffect(() => {
    document.title = route.name === "welcome" ? t("app_name") : `${title(route)} · ${t("app_name")}`;
    document.getElementById("main")?.focus({ preventScroll: true });
  }, [route]);

  const showTitle = !["welcome", "signup", "oauthCallback", "profile"].includes(route.name);
  return (
    <div class="shell">
      <a class="skip-link" href="#main">{t("skip_to_content")}</a>
      <header class="topbar">
        <a class="brand" href={signedIn ? "/home" : "/"}>{t("app_name")}</a>
        {me && (
          <a class="me" href={paths.profile(me.acct)} aria-label={t("nav_profile")}>
            <img src={me.avatar} alt="" width={32} height={32} />
          </a>
        )}
      </header>
      <nav class="sidebar" aria-label={t("nav_main")}>
        <ul>
          {navItems
            .filter((item) => (signedIn || !item.member) && (!item.staff || isStaff(me)) && (!item.locked || Boolean(me?.locked)))
            .map((item) => (
              <li key={item.href} class={item.wide ? "nav-wide" : undefined}>
                <a href={item.href} aria-current={route.name === item.route || (item.route === "chats" && route.name === "chat") || (item.route === "lists" && route.name === "list") ? "page" : undefined}>
                  <span class="nav-icon" aria-hidden="true"><Icon name={item.icon} /></span>
                  <span class="nav-label">{t(item.label)}</span>
                </a>
              </li>
            ))}
        </ul>
      </nav>
      <ConnectionBanner />
      <main id="main" tabIndex={-1}>
        {showTitle && <h1 class="page-title">{title(route)}</h1>}
        {needsSignIn ? null : <Page route={route} />}
      </main>
      <aside class="side-compose">{signedIn && route.name !== "home" && route.name !== "local" && route.name !== "public" && <Compose />}</aside>
    </div>
  );
}
