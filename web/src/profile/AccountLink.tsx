import type { Account } from "../api/types";
import { displayName } from "../format";
import { paths } from "../router";

/** Avatar, name (as text) and @acct, linking to the profile. */
export function AccountLink({ account }: { account: Account }) {
  return (
    <a href={paths.profile(account.acct)}>
      <img src={account.avatar} alt="" width={40} height={40} /> <bdi>{displayName(account)}</bdi>{" "}
      <span class="muted">@{account.acct}</span>
    </a>
  );
}
