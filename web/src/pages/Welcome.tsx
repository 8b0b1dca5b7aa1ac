import { useState } from "preact/hooks";
import { beginSignIn } from "../api/auth";
import { describeError } from "../api/errors";
import { api, stores } from "../session";
import { t } from "../strings";

export function SignInButton() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      window.location.assign(await beginSignIn(api, stores));
    } catch (caught) {
      setError(t("sign_in_failed", { reason: describeError(caught) }));
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" onClick={start} disabled={busy}>{t("sign_in")}</button>
      {error && <p class="error" role="alert">{error}</p>}
    </>
  );
}

export function Welcome({ notice }: { notice?: string }) {
  return (
    <section class="welcome">
      <h1>{t("welcome_title")}</h1>
      <p>{t("welcome_body")}</p>
      {notice && <p class="notice" role="status">{notice}</p>}
      <div class="welcome-actions">
        <SignInButton />
        <a class="button" href="/signup">{t("sign_up")}</a>
        <a class="button secondary" href="/public">{t("browse_public")}</a>
      </div>
    </section>
  );
}
