// The signed-in session: one API client for the page, the token, and who we are.
import { useEffect, useState } from "preact/hooks";
import { type AuthStores, forgetToken, storedToken } from "./api/auth";
import { ApiClient } from "./api/client";
import { ApiError } from "./api/errors";
import type { Account } from "./api/types";
import { rateLimited } from "./connection";

export const stores: AuthStores = { local: window.localStorage, session: window.sessionStorage };
export const api = new ApiClient(window.location.origin, () => storedToken(stores), undefined, rateLimited);

const CHANGED = "rookery:session";
let me: Account | null = null;

export function signedIn(): boolean {
  return storedToken(stores) !== null;
}

/** Call after signing in or out so every view re-reads the session. */
export function sessionChanged(): void {
  me = null;
  window.dispatchEvent(new Event(CHANGED));
}

/** After the member changed their profile: every view shows the account the server answered. */
export function meUpdated(account: Account): void {
  me = account;
  window.dispatchEvent(new Event(CHANGED));
}

/** The signed-in account (verify_credentials, fetched once), or null when signed out. */
export function useMe(): { me: Account | null; signedIn: boolean } {
  const [state, setState] = useState({ me, signedIn: signedIn() });
  useEffect(() => {
    const refresh = () => {
      const isIn = signedIn();
      setState({ me, signedIn: isIn });
      if (isIn && !me) {
        api
          .get<Account>("/api/v1/accounts/verify_credentials")
          .then((account) => {
            me = account;
            setState({ me, signedIn: true });
          })
          .catch((error) => {
            if (error instanceof ApiError && error.status === 401) {
              forgetToken(stores);
              sessionChanged();
            }
          });
      }
    };
    refresh();
    window.addEventListener(CHANGED, refresh);
    window.addEventListener("storage", refresh);
    return () => {
      window.removeEventListener(CHANGED, refresh);
      window.removeEventListener("storage", refresh);
    };
  }, []);
  return state;
}
