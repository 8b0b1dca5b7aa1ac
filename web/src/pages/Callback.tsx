import { useEffect, useState } from "preact/hooks";
import { StateMismatch, completeSignIn } from "../api/auth";
import { describeError } from "../api/errors";
import { navigate } from "../router";
import { api, sessionChanged, stores } from "../session";
import { t } from "../strings";
import { SignInButton } from "./Welcome";

/** /oauth-callback: the authorize page sent us back with ?code=&state= (or ?error=). */
export function Callback({ code, state, error }: { code: string | null; state: string | null; error: string | null }) {
  const [problem, setProblem] = useState<string | null>(error ? t("sign_in_failed", { reason: error }) : null);
  useEffect(() => {
    if (!code || error) return;
    completeSignIn(api, stores, code, state)
      .then(() => {
        sessionChanged();
        navigate("/home", true);
      })
      .catch((caught) =>
        setProblem(caught instanceof StateMismatch ? t("sign_in_state_mismatch") : t("sign_in_failed", { reason: describeError(caught) })),
      );
  }, [code, state, error]);
  if (!problem && !code) return <p class="error" role="alert">{t("sign_in_state_mismatch")}</p>;
  return problem ? (
    <section>
      <p class="error" role="alert">{problem}</p>
      <SignInButton />
    </section>
  ) : (
    <p role="status">{t("signing_in")}</p>
  );
}
