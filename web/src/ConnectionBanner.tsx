// One banner at the top for the whole page: too many requests (429, counting down its
// Retry-After) and live updates lost (counting down to the next attempt; it reconnects by itself).
import { useConnection } from "./connection";
import { t } from "./strings";

export function ConnectionBanner() {
  const { wait, reconnect, restored } = useConnection();
  return (
    <div class="connection" aria-live="polite">
      {wait !== null && (
        <p class="banner banner-warning" role="alert">{t("banner_rate_limited", { seconds: wait })}</p>
      )}
      {reconnect !== null && (
        <p class="banner banner-warning">
          {reconnect > 0 ? t("stream_lost", { seconds: reconnect }) : t("stream_reconnecting")}
        </p>
      )}
      {restored && <p class="banner banner-ok">{t("stream_restored")}</p>}
    </div>
  );
}
