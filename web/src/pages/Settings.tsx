import { signOut } from "../api/auth";
import { navigate } from "../router";
import { api, sessionChanged, stores, useMe } from "../session";
import { t } from "../strings";

export function Settings() {
  const { me } = useMe();
  return (
    <section class="settings">
      {me && <p>{t("settings_signed_in_as", { acct: me.acct })}</p>}
      <p class="muted">{t("settings_theme")}</p>
      <p>
        <a href="/bookmarks">{t("nav_bookmarks")}</a> · <a href="/favourites">{t("nav_favourites")}</a>
      </p>
      <button
        type="button"
        onClick={async () => {
          await signOut(api, stores);
          sessionChanged();
          navigate("/?signed_out=1", true);
        }}
      >
        {t("sign_out")}
      </button>
    </section>
  );
}
