// Moderation for moderators and admins: the dashboard figures, the reports queue (assign, resolve,
// reopen) and account actions (silence, suspend, unsuspend), over the admin API. Others never see
// the page (nav hidden; the server refuses their calls with 403 anyway).
import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/errors";
import type { Account, Status } from "../api/types";
import { sanitiseHtml } from "../sanitise";
import { api, useMe } from "../session";
import { t } from "../strings";

interface AdminAccount {
  id: string;
  username: string;
  suspended: boolean;
  silenced: boolean;
  account: Account;
}

export interface AdminReport {
  id: string;
  action_taken: boolean;
  comment: string;
  category: string;
  account: AdminAccount;
  target_account: AdminAccount;
  assigned_account: AdminAccount | null;
  statuses: Status[];
}

type Dashboard = Record<string, Record<string, number> | number>;

export function isStaff(me: Account | null): boolean {
  return me?.role?.name === "Admin" || me?.role?.name === "Moderator";
}

/** "accounts new_today" -> "Accounts: new today". */
function figureLabel(group: string, key: string): string {
  const words = (text: string) => text.replace(/_/g, " ");
  return `${words(group).replace(/^./, (c) => c.toUpperCase())}: ${words(key)}`;
}

function Figures({ dashboard }: { dashboard: Dashboard }) {
  const rows: [string, number][] = [];
  for (const [group, value] of Object.entries(dashboard)) {
    if (typeof value === "number") rows.push([figureLabel(group, ""), value]);
    else if (value && typeof value === "object") {
      for (const [key, n] of Object.entries(value)) if (typeof n === "number") rows.push([figureLabel(group, key), n]);
    }
  }
  return (
    <dl class="admin-figures">
      {rows.map(([label, n]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{n}</dd>
        </div>
      ))}
    </dl>
  );
}

function ReportCard({ report, onChange }: { report: AdminReport; onChange: (report: AdminReport) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const target = report.target_account;
  const run = async (call: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await call();
      onChange(await api.get<AdminReport>(`/api/v1/admin/reports/${report.id}`));
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };
  const onReport = (action: string) => () => run(() => api.post(`/api/v1/admin/reports/${report.id}/${action}`));
  const onAccount = (type: string) => () =>
    run(() =>
      type === "unsuspend"
        ? api.post(`/api/v1/admin/accounts/${target.id}/unsuspend`)
        : api.post(`/api/v1/admin/accounts/${target.id}/action`, { type, report_id: report.id }),
    );
  const headingId = `report-${report.id}`;
  return (
    <article class="admin-report" aria-labelledby={headingId}>
      <h3 id={headingId}>{t("admin_report_heading", { id: report.id, acct: target.account.acct })}</h3>
      <p class="muted">
        {report.action_taken ? t("admin_resolved") : t("admin_open")} · {t("admin_reported_by", { acct: report.account.account.acct })} ·{" "}
        {report.assigned_account ? t("admin_assigned_to", { acct: report.assigned_account.account.acct }) : t("admin_unassigned")}
        {target.suspended ? ` · ${t("admin_suspended")}` : ""}
        {target.silenced ? ` · ${t("admin_silenced")}` : ""}
      </p>
      {report.comment && <blockquote class="admin-comment">{report.comment}</blockquote>}
      {report.statuses.map((status) => (
        <div key={status.id} class="status-content admin-status" dangerouslySetInnerHTML={{ __html: sanitiseHtml(status.content) }} />
      ))}
      <div class="admin-actions">
        {!report.action_taken && !report.assigned_account && (
          <button type="button" class="secondary" disabled={busy} onClick={onReport("assign_to_self")}>{t("admin_assign_me")}</button>
        )}
        {report.action_taken ? (
          <button type="button" class="secondary" disabled={busy} onClick={onReport("reopen")}>{t("admin_reopen")}</button>
        ) : (
          <button type="button" disabled={busy} onClick={onReport("resolve")}>{t("admin_resolve")}</button>
        )}
        {!target.silenced && !target.suspended && (
          <button type="button" class="secondary" disabled={busy} onClick={onAccount("silence")}>{t("admin_silence", { acct: target.account.acct })}</button>
        )}
        {target.suspended ? (
          <button type="button" class="secondary" disabled={busy} onClick={onAccount("unsuspend")}>{t("admin_unsuspend", { acct: target.account.acct })}</button>
        ) : (
          <button type="button" class="secondary danger" disabled={busy} onClick={onAccount("suspend")}>{t("admin_suspend", { acct: target.account.acct })}</button>
        )}
      </div>
      {error && <p class="error" role="alert">{error}</p>}
    </article>
  );
}

export function Admin() {
  const { me } = useMe();
  const staff = isStaff(me);
  const [dashboard, setDashboard] = useState<Dashboard | null>(null);
  const [reports, setReports] = useState<AdminReport[] | null>(null);
  const [resolved, setResolved] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!staff) return;
    api.get<Dashboard>("/api/v1/admin/dashboard").then(setDashboard, (caught) => setError(describeError(caught)));
  }, [staff]);
  useEffect(() => {
    if (!staff) return;
    setReports(null);
    api
      .get<AdminReport[]>("/api/v1/admin/reports", { resolved })
      .then(setReports, (caught) => setError(describeError(caught)));
  }, [staff, resolved]);

  if (me && !staff) return <p>{t("not_found_body")}</p>;
  return (
    <section class="admin">
      <h2>{t("admin_dashboard")}</h2>
      {dashboard && <Figures dashboard={dashboard} />}
      <h2>{t("admin_reports")}</h2>
      <label class="checkbox">
        <input type="checkbox" checked={resolved} onChange={(event) => setResolved((event.target as HTMLInputElement).checked)} />
        {t("admin_show_resolved")}
      </label>
      {error && <p class="error" role="alert">{error}</p>}
      {reports && reports.length === 0 && <p class="muted">{t("admin_no_reports")}</p>}
      {reports?.map((report) => (
        <ReportCard key={report.id} report={report} onChange={(next) => setReports((list) => (list ?? []).map((r) => (r.id === next.id ? next : r)))} />
      ))}
    </section>
  );
}
