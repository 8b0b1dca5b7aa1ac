import { useState } from "preact/hooks";
import { signUp } from "../api/auth";
import { describeError } from "../api/errors";
import { navigate } from "../router";
import { api, sessionChanged, stores } from "../session";
import { t } from "../strings";
import { SignInButton } from "./Welcome";

export function SignUp() {
  const [username, setUsername] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [agreed, setAgreed] = useState(false);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setSending(true);
    setError(null);
    try {
      await signUp(api, stores, { username: username.trim(), email: email.trim(), password });
      sessionChanged();
      navigate("/home", true);
    } catch (caught) {
      setError(describeError(caught));
      setSending(false);
    }
  };

  return (
    <form class="signup" onSubmit={submit}>
      <h1>{t("signup_title")}</h1>
      <label for="signup-username">{t("signup_username")}</label>
      <input id="signup-username" name="username" autoComplete="username" required maxLength={30} pattern="[A-Za-z0-9_]+" aria-describedby="signup-username-hint" value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
      <p id="signup-username-hint" class="muted hint">{t("signup_username_hint", { example: username || "ana" })}</p>
      <label for="signup-email">{t("signup_email")}</label>
      <input id="signup-email" name="email" type="email" autoComplete="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      <label for="signup-password">{t("signup_password")}</label>
      <input id="signup-password" name="password" type="password" autoComplete="new-password" required minLength={8} aria-describedby="signup-password-hint" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      <p id="signup-password-hint" class="muted hint">{t("signup_password_hint")}</p>
      <label class="check">
        <input type="checkbox" required checked={agreed} onChange={(e) => setAgreed(e.currentTarget.checked)} /> {t("signup_agreement")}
      </label>
      {error && <p class="error" role="alert">{error}</p>}
      <button type="submit" disabled={sending || !agreed}>{sending ? t("signup_sending") : t("signup_submit")}</button>
      <p class="muted">
        {t("signup_have_account")} <SignInButton />
      </p>
    </form>
  );
}
