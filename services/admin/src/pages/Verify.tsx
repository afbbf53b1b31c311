import { useCallback, useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { ApiError, ilrs, type IlrSummary } from "../api";
import { Banner, Empty, ErrorSummary, Loading, Pager, useTitle } from "../components";
import { ACTION_LABEL, ukDateTime } from "../format";

/** The verifier's queue: records signed by the learner and waiting for QA. */
export default function VerifyPage() {
  useTitle("Waiting for QA");
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<{ items: IlrSummary[]; next_cursor: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [msg, setMsg] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const load = useCallback(() => {
    setPage(null);
    ilrs.list({ status: "signed", sort: "updated_at", limit: 25, cursor: cursors[cursors.length - 1] })
      .then((r) => setPage(r.data)).catch((e) => { setError(e); setPage({ items: [], next_cursor: null }); });
  }, [cursors]);
  useEffect(load, [load]);
  const verify = async (s: IlrSummary) => {
    setBusy(s.id);
    setMsg(null);
    try {
      await ilrs.transition(s.id, "qa_verify", undefined, `"${s.id}:${s.version}"`);
      setMsg({ kind: "success", text: `${s.GivenNames} ${s.FamilyName}'s ILR is QA verified.` });
      load();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        const allowed = (e.body.allowed_actions as string[] | undefined) ?? [];
        const count = ((e.body.findings as unknown[] | undefined) ?? []).length;
        setMsg({ kind: "error", text: `${s.GivenNames} ${s.FamilyName} (${s.LearnRefNumber}): ${e.detail}${count ? ` (${count} error${count > 1 ? "s" : ""} listed on the record)` : ""}${allowed.length ? ` Possible now: ${allowed.map((a) => ACTION_LABEL[a] ?? a).join(", ")}.` : ""}` });
      } else if (e instanceof ApiError && e.status === 403) setMsg({ kind: "error", text: `You cannot verify this record: ${e.detail}` });
      else if (e instanceof ApiError && e.status === 412) { setMsg({ kind: "error", text: "The record changed since the list was loaded; the list has been refreshed. Open it to review the change." }); load(); }
      else setMsg({ kind: "error", text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="page">
      <h1>Waiting for QA</h1>
      <p className="lead">ILRs signed by the learner, oldest first. Open a record to review it, then verify it. You cannot verify a record you edited last.</p>
      {msg && <Banner kind={msg.kind} focus><p data-testid="verify-message">{msg.text}</p></Banner>}
      <ErrorSummary error={error} />
      {!page ? <Loading what="Loading signed records" /> : page.items.length === 0 ? <Empty>Nothing is waiting for QA.</Empty> : (
        <table className="table" data-testid="qa-table">
          <thead><tr><th scope="col">Name</th><th scope="col">ULN</th><th scope="col">Learner ref</th><th scope="col">Signed / updated</th><th scope="col" className="num">Errors</th><th scope="col" className="num">Warnings</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {page.items.map((s) => (
              <tr key={s.id}>
                <td>{s.GivenNames} {s.FamilyName}</td><td>{s.ULN}</td><td>{s.LearnRefNumber}</td><td>{ukDateTime(s.updated_at)}</td>
                <td className="num" data-testid={`errors-${s.LearnRefNumber}`}>{s.error_count ?? "—"}</td><td className="num">{s.warning_count ?? "—"}</td>
                <td className="actions">
                  <Link to={`/ilrs/${s.id}`} aria-label={`Review ${s.GivenNames} ${s.FamilyName} (${s.LearnRefNumber})`}>Review</Link>
                  <button type="button" className="btn btn-small" disabled={busy === s.id || !!s.error_count} title={s.error_count ? "Correct the errors before QA verification" : undefined} aria-label={`QA verify ${s.GivenNames} ${s.FamilyName} (${s.LearnRefNumber})`} onClick={() => verify(s)} data-testid={`verify-${s.LearnRefNumber}`}>{busy === s.id ? "Verifying…" : "QA verify"}</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager hasPrev={cursors.length > 1} hasNext={!!page?.next_cursor} onPrev={() => setCursors((c) => c.slice(0, -1))} onNext={() => page?.next_cursor && setCursors((c) => [...c, page.next_cursor])} />
    </div>
  );
}
