import { useEffect, useState } from "preact/hooks";
import { signOut } from "../api/auth";
import { describeError } from "../api/errors";
import type { Account, CustomField } from "../api/types";
import { navigate } from "../router";
import { api, meUpdated, sessionChanged, stores, useMe } from "../session";
import { t } from "../strings";
import { isStaff } from "./Admin";

const MAX_FIELDS = 4;

/** The four rows of profile fields: the member's own (as typed), then empty ones. */
export function fieldRows(me: Account): CustomField[] {
  const own = (me.source?.fields ?? me.fields).map(({ name, value }) => ({ name, value }));
  return [...own, ...Array.from({ length: MAX_FIELDS }, () => ({ name: "", value: "" }))].slice(0, MAX_FIELDS);
}

/** update_credentials' multipart form: every row goes (empty ones are dropped by the server, which
 * is how a cleared row is removed). */
export function profileForm(changes: { name: string; bio: string; locked: boolean; fields: CustomField[]; avatar: File | null; header: File | null }): FormData {
  const form = new FormData();
  form.append("display_name", changes.name);
  form.append("note", changes.bio);
  form.append("locked", String(changes.locked));
  changes.fields.forEach((field, index) => {
    form.append(`fields_attributes[${index}][name]`, field.name);
    form.append(`fields_attributes[${index}][value]`, field.value);
  });
  if (changes.avatar) form.append("avatar", changes.avatar);
  if (changes.header) form.append("header", changes.header);
  return form;
}

/** Display name, bio, avatar, header, fields and whether followers need approval (PATCH update_credentials, multipart). */
function ProfileEditor({ me }: { me: Account }) {
  const [name, setName] = useState(me.display_name);
  const [bio, setBio] = useState(me.source?.note ?? "");
  const [avatar, setAvatar] = useState<File | null>(null);
  const [header, setHeader] = useState<File | null>(null);
  const [fields, setFields] = useState(() => fieldRows(me));
  const [locked, setLocked] = useState(me.locked);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  useEffect(() => {
    setName(me.display_name);
    setBio(me.source?.note ?? "");
    setFields(fieldRows(me));
    setLocked(me.locked);
  }, [me.id]);
  const setField = (index: number, change: Partial<CustomField>) =>
    setFields((old) => old.map((field, i) => (i === index ? { ...field, ...change } : field)));

  const save = async (event: Event) => {
    event.preventDefault();
    const form = profileForm({ name, bio, locked, fields, avatar, header });
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
      <label>
        {t("profile_header")}
        <input name="header" type="file" accept="image/png,image/jpeg,image/gif,image/webp" onChange={(e) => setHeader((e.target as HTMLInputElement).files?.[0] ?? null)} />
      </label>
      <fieldset class="profile-fields-editor">
        <legend>{t("profile_fields_legend")}</legend>
        <p class="hint muted">{t("profile_fields_hint")}</p>
        {fields.map((field, index) => (
          <div class="field-row" key={index}>
            <input
              aria-label={t("profile_field_name", { n: index + 1 })}
              placeholder={t("profile_field_name", { n: index + 1 })}
              maxLength={255}
              value={field.name}
              onInput={(e) => setField(index, { name: e.currentTarget.value })}
            />
            <input
              aria-label={t("profile_field_value", { n: index + 1 })}
              placeholder={t("profile_field_value", { n: index + 1 })}
              maxLength={255}
              value={field.value}
              onInput={(e) => setField(index, { value: e.currentTarget.value })}
            />
          </div>
        ))}
      </fieldset>
      <label class="checkbox">
        <input type="checkbox" name="locked" checked={locked} onChange={(e) => setLocked(e.currentTarget.checked)} />
        {t("profile_locked")}
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
      <p class="muted">{t("keyboard_help")}</p>
      <p>
        <a href="/bookmarks">{t("nav_bookmarks")}</a> · <a href="/favourites">{t("nav_favourites")}</a> ·{" "}
        <a href="/follow_requests">{t("nav_follow_requests")}</a> · <a href="/lists">{t("nav_lists")}</a> ·{" "}
        <a href="/conversations">{t("nav_conversations")}</a> · <a href="/explore">{t("nav_explore")}</a>
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
