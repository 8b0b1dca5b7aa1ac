import { useEffect, useState } from "preact/hooks";
import { signOut } from "../api/auth";
import { describeError } from "../api/errors";
import type { Account } from "../api/types";
import { navigate } from "../router";
import { api, meUpdated, sessionChanged, stores, useMe } from "../session";
import { t } from "../strings";
import { isStaff } from "./Admin";

/** Display name, bio and avatar (PATCH update_credentials, multipart). */
function ProfileEditor({ me }: { me: Account }) {
  const [name, setName] = useState(me.display_name);
  const [bio, setBio] = useState(me.source?.note ?? "");
  const [avatar, setAvatar] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  useEffect(() => {
    setName(me.display_name);
    setBio(me.source?.note ?? "");
  }, [me.id]);

  const save = async (event: Event) => {
    event.preventDefault();
    const form = new FormData();
    form.append("display_name", name);
    form.append("note", bio);
    if (avatar) form.append("avatar", avatar);
    setBusy(true);
    setMessage(null);
    try {
      meUpdated(await api.patch<Account>("/api/v1/accounts/update_credentials", form));
      setMessage({ error: false, text: t("profile_saved") });
    } catch (caught) {
      setMessage({ error: true, text: describeError(caught) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="profile-editor" onSubmit={save} aria-labelledby="profile-edit-title">
      <h2 id="profile-edit-title">{t("profile_edit_title")}</h2>
      <label>
        {t("profile_display_name")}
        <input name="display_name" value={name} maxLength={30} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        {t("profile_bio")}
        <textarea name="note" rows={3} value={bio} maxLength={500} onInput={(e) => setBio((e.target as HTMLTextAreaElement).value)} />
      </label>
      <label>
        {t("profile_avatar")}
        <input name="avatar" type="file" accept="image/png,image/jpeg,image/gif,image/webp" onChange={(e) => setAvatar((e.target as HTMLInputElement).files?.[0] ?? null)} />
      </label>
      <button type="submit" disabled={busy}>{t("profile_save")}</button>
      {message && <p class={message.error ? "error" : "muted"} role={message.error ? "alert" : "status"}>{message.text}</p>}
    </form>
  );
}

export function Settings() {
  const { me } = useMe();
  return (
    <section class="settings">
      {me && <p>{t("settings_signed_in_as", { acct: me.acct })}</p>}
      {me && <ProfileEditor me={me} />}
      <p class="muted">{t("settings_theme")}</p>
      <p>
        <a href="/bookmarks">{t("nav_bookmarks")}</a> · <a href="/favourites">{t("nav_favourites")}</a>
        {isStaff(me) && (
          <>
            {" · "}
            <a href="/admin">{t("nav_admin")}</a>
          </>
        )}
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
