import { useEffect, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { programmes, request, type Programme } from "../api";
import { Banner, ErrorSummary, Field, useTitle } from "../components";

export type RolloverOutcome =
  | "created" | "already_rolled_over" | "not_continuing" | "exists_in_target_year" | "other_year" | "not_found";
export interface RolloverChange { path: string; kind: string; message: string }
export interface RolledLearner {
  ilr_id: string | null; LearnRefNumber: string | null; programme_id: string | null; outcome: RolloverOutcome;
  new_ilr_id: string | null; reason?: string; deliveries_carried?: { AimSeqNumber: number; reason: string }[];
  deliveries_left_behind?: number[]; changes?: RolloverChange[]; schema_problems?: { path: string; message: string }[];
}
export interface RolloverReport {
  academic_year: string; target_year: string; programme_id: string | null; target_programme_id: string | null;
  dry_run: boolean; counts: Record<string, number>; learners: RolledLearner[];
}

const OUTCOME_LABEL: Record<RolloverOutcome, string> = {
  created: "New ILR", already_rolled_over: "Already rolled over", not_continuing: "Not continuing",
  exists_in_target_year: "Already has an ILR that year", other_year: "Another year", not_found: "Not found",
};
const YEARS = ["2025/26"]; // years whose next year the platform supports

/** Roll continuing learners into the next collection year: choose, preview, confirm. */
export default function RolloverPage() {
  useTitle("Roll learners into the next year");
  const [params] = useSearchParams();
  const selection = params.getAll("ilr");
  const [year, setYear] = useState(params.get("year") ?? YEARS[0]);
  const [programmeId, setProgrammeId] = useState(params.get("programme") ?? "");
  const [targetId, setTargetId] = useState("");
  const [progs, setProgs] = useState<Programme[]>([]);
  const [preview, setPreview] = useState<RolloverReport | null>(null);
  const [result, setResult] = useState<RolloverReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => { programmes.list({ limit: 200 }).then((r) => setProgs(r.data.items)).catch(() => setProgs([])); }, []);

  const send = async (dryRun: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const body = {
        academic_year: year,
        ...(selection.length ? { ilr_ids: selection } : { programme_id: programmeId || undefined }),
        target_programme_id: targetId || undefined,
        dry_run: dryRun,
      };
      const r = await request<RolloverReport>("POST", "/api/ilrs/rollover", { body });
      if (dryRun) setPreview(r.data);
      else { setResult(r.data); setPreview(null); }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const check = (e: FormEvent) => { e.preventDefault(); setResult(null); void send(true); };
  const changed = () => { setPreview(null); setResult(null); };
  const option = (p: Programme) => ({ value: p.id, label: `${p.name} (${p.academic_year})` });

  return (
    <div className="page">
      <p className="breadcrumbs"><Link to="/ilrs">Individual Learner Records</Link> › Rollover</p>
      <h1>Roll learners into the next year</h1>
      <p className="lead">Learners still in learning at the end of a year (no actual end date, a break in learning, or not yet completed) need an ILR in the next year. You first see what would change for each learner; nothing is written until you confirm. Running it again creates nothing new.</p>
      <form onSubmit={check} className="card" aria-labelledby="roll-h" noValidate>
        <h2 id="roll-h">Learners</h2>
        <ErrorSummary error={error} />
        <Field id="rollover-year" label="Roll out of academic year" kind="select" value={year} width="m"
          onChange={(v) => { setYear(v); changed(); }} options={YEARS.map((y) => ({ value: y, label: y }))} />
        {selection.length > 0 ? (
          <p data-testid="rollover-selection">{selection.length} selected ILR(s).</p>
        ) : (
          <Field id="rollover-programme" label="Programme" kind="select" value={programmeId} width="l" required
            onChange={(v) => { setProgrammeId(v); changed(); }} options={progs.filter((p) => p.academic_year === year).map(option)} />
        )}
        <Field id="rollover-target" label="New ILRs go to programme (optional)" kind="select" value={targetId} width="l"
          hint="The programme's copy for the next year; without one they stay in the same programme."
          onChange={(v) => { setTargetId(v); changed(); }} options={progs.filter((p) => p.academic_year !== year).map(option)} />
        <button type="submit" className="btn" disabled={busy} data-testid="rollover-preview">{busy && !preview ? "Checking…" : "Preview the rollover"}</button>
      </form>
      {preview && <Report report={preview} busy={busy} onConfirm={() => void send(false)} onCancel={changed} />}
      {result && (
        <>
          <Banner kind="success" title="Rollover done" focus>
            <p data-testid="rollover-done">{result.counts.created ?? 0} new ILR(s) for {result.target_year}, {result.counts.already_rolled_over ?? 0} already rolled over.</p>
          </Banner>
          <Report report={result} busy={busy} />
        </>
      )}
    </div>
  );
}

function Report({ report, busy, onConfirm, onCancel }: { report: RolloverReport; busy: boolean; onConfirm?: () => void; onCancel?: () => void }) {
  const counts = Object.entries(report.counts).map(([k, n]) => `${n} ${OUTCOME_LABEL[k as RolloverOutcome] ?? k}`).join(", ");
  const linked = (id: string | null, text: string | null) => (id ? <Link to={`/ilrs/${id}`}>{text ?? id}</Link> : text);
  return (
    <section className="card" aria-labelledby="rep-h" data-testid={report.dry_run ? "rollover-preview-result" : "rollover-result"}>
      <h2 id="rep-h">{report.dry_run ? "What the rollover would do" : "What the rollover did"} ({report.academic_year} → {report.target_year})</h2>
      <p data-testid="rollover-counts">{counts || "No learners."}{report.dry_run ? " Nothing has been written yet." : ""}</p>
      <div className="table-scroll">
        <table className="table compact" data-testid="rollover-learners"><caption>Learners</caption>
          <thead><tr><th scope="col">Learner ref</th><th scope="col">Outcome</th><th scope="col">New ILR</th><th scope="col">Aims carried / left</th><th scope="col">Changes and what to complete</th></tr></thead>
          <tbody>{report.learners.map((l, i) => (
            <tr key={`${l.ilr_id}-${i}`}>
              <td>{linked(l.ilr_id, l.LearnRefNumber)}</td>
              <td>{OUTCOME_LABEL[l.outcome] ?? l.outcome}{l.reason ? <div className="hint">{l.reason}</div> : null}</td>
              <td>{report.dry_run || l.outcome === "not_continuing" ? null : linked(l.new_ilr_id, "Open")}</td>
              <td>{l.deliveries_carried ? `${l.deliveries_carried.map((d) => d.AimSeqNumber).join(", ") || "none"} / ${(l.deliveries_left_behind ?? []).join(", ") || "none"}` : null}</td>
              <td>
                {(l.changes ?? []).map((c, j) => <div key={j}><code>{c.path}</code> {c.message}</div>)}
                {(l.schema_problems ?? []).map((p, j) => <div key={`p${j}`}><strong>To complete:</strong> <code>{p.path}</code> {p.message}</div>)}
              </td>
            </tr>
          ))}</tbody>
        </table>
      </div>
      {onConfirm && (
        <div className="button-row">
          <button type="button" className="btn" disabled={busy || !report.counts.created} data-testid="rollover-confirm" onClick={onConfirm}>{busy ? "Rolling over…" : "Create these ILRs"}</button>
          <button type="button" className="btn btn-secondary" onClick={onCancel}>Cancel</button>
        </div>
      )}
    </section>
  );
}
