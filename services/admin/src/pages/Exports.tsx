import { useCallback, useEffect, useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { downloadFile, exportsApi, programmes, type Export, type Programme, type ReportLearner, type ReturnCalendar } from "../api";
import { Banner, Checkbox, Empty, ErrorSummary, Field, Loading, Pager, useTitle } from "../components";
import { ACADEMIC_YEARS, STATUSES, STATUS_LABEL, ukDate, ukDateTime } from "../format";

const STATE_LABEL: Record<string, string> = { queued: "Queued", running: "Running", succeeded: "Finished", failed: "Failed" };

export default function ExportsPage() {
  useTitle("Exports");
  const nav = useNavigate();
  const [year, setYear] = useState(ACADEMIC_YEARS[0]);
  const [statuses, setStatuses] = useState<string[]>(["qa_verified", "completed"]);
  const [progs, setProgs] = useState<Programme[]>([]);
  const [picked, setPicked] = useState<string[]>([]);
  const [purpose, setPurpose] = useState<"trial" | "submission">("trial");
  const [serials, setSerials] = useState<{ used: number; remaining: number } | null>(null);
  const [calendar, setCalendar] = useState<ReturnCalendar | null>(null);
  const [period, setPeriod] = useState("");
  const [withErrors, setWithErrors] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<{ items: Export[]; next_cursor: string | null } | null>(null);
  useEffect(() => { programmes.list({ limit: 200, academic_year: year }).then((r) => setProgs(r.data.items)).catch(() => setProgs([])); setPicked([]); }, [year]);
  useEffect(() => { exportsApi.serials(year).then((r) => setSerials(r.data)).catch(() => setSerials(null)); }, [year]);
  useEffect(() => {
    setPeriod("");
    exportsApi.calendar(year).then((r) => { setCalendar(r.data); setPeriod(r.data.open_period ?? ""); }).catch(() => setCalendar(null));
  }, [year]);
  useEffect(() => { exportsApi.list({ limit: 20, cursor: cursors[cursors.length - 1] }).then((r) => setPage(r.data)).catch((e) => { setError(e); setPage({ items: [], next_cursor: null }); }); }, [cursors]);

  const start = async (e: FormEvent) => {
    e.preventDefault();
    if (statuses.length === 0) return setError(new Error("Choose at least one status."));
    setBusy(true);
    setError(null);
    try {
      const r = await exportsApi.create({
        academic_year: year, statuses, purpose, include_learners_with_errors: withErrors,
        ...(period ? { return_period: period } : {}), ...(picked.length ? { programme_ids: picked } : {}),
      });
      nav(`/exports/${r.data.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="page">
      <h1>Exports</h1>
      <p className="lead">Build the ILR XML file for Submit Learner Data. Learners failing validation are left out of the file and listed in the report; the file is always schema-valid.</p>
      <form onSubmit={start} className="card" aria-labelledby="new-exp">
        <h2 id="new-exp">New export</h2>
        <ErrorSummary error={error} />
        <Field id="exp-year" label="Academic year" kind="select" value={year} onChange={(v) => setYear(v || ACADEMIC_YEARS[0])} width="s" options={ACADEMIC_YEARS.map((y) => ({ value: y, label: y }))} />
        <fieldset className="fieldset plain">
          <legend>Include records with status</legend>
          <div className="checkbox-row">
            {STATUSES.map((s) => <Checkbox key={s} id={`st-${s}`} label={STATUS_LABEL[s]} checked={statuses.includes(s)} onChange={(c) => setStatuses((o) => (c ? [...o, s] : o.filter((x) => x !== s)))} />)}
          </div>
        </fieldset>
        <fieldset className="fieldset plain">
          <legend>Programmes <span className="hint">(none ticked = all programmes of {year})</span></legend>
          {progs.length === 0 ? <p className="hint">No programmes in {year}.</p> : (
            <div className="checkbox-row">
              {progs.map((p) => <Checkbox key={p.id} id={`pg-${p.id}`} label={p.name} checked={picked.includes(p.id)} onChange={(c) => setPicked((o) => (c ? [...o, p.id] : o.filter((x) => x !== p.id)))} />)}
            </div>
          )}
        </fieldset>
        <fieldset className="fieldset plain">
          <legend>What is the file for?</legend>
          <div className="radio-row">
            <label><input type="radio" name="purpose" value="trial" checked={purpose === "trial"} onChange={() => setPurpose("trial")} data-testid="purpose-trial" /> Checking only (a trial build: uses no serial number, cannot be marked submitted)</label>
            <label><input type="radio" name="purpose" value="submission" checked={purpose === "submission"} onChange={() => setPurpose("submission")} data-testid="purpose-submission" /> Submission to Submit Learner Data (takes the next serial number)</label>
          </div>
          {serials && <p className="hint" data-testid="serials-left">{serials.remaining} of 99 serial numbers left for {year} ({serials.used} used).</p>}
        </fieldset>
        <Field id="exp-period" label="Return period" kind="select" value={period} onChange={setPeriod} width="l" testId="return-period"
          hint={calendar?.open_period ? `Open now: ${calendar.open_period}. The period is recorded on the export and in its report.` : `Every ${year} return has closed; choose the period if this file is for one.`}
          options={(calendar?.periods ?? []).map((p) => ({ value: p.period, label: `${p.period} · census ${ukDate(p.census_date)} · deadline ${ukDate(p.deadline)}${p.open ? " (open)" : ""}` }))} />
        <Checkbox id="exp-with-errors" label="Include learners with errors (as Submit Learner Data would receive them)" checked={withErrors} onChange={setWithErrors} />
        {withErrors && <Banner kind="warning" title="Learners with errors go into the file"><p data-testid="with-errors-warning">Learners whose only problems are validation-rule errors are written to the file and marked in the report; Submit Learner Data will reject them and they are not funded until corrected. Learners the schema rejects are still left out.</p></Banner>}
        <button type="submit" className="btn" disabled={busy} data-testid="start-export">{busy ? "Starting…" : "Start export"}</button>
      </form>
      <h2>Previous exports</h2>
      {!page ? <Loading what="Loading exports" /> : page.items.length === 0 ? <Empty>No exports yet.</Empty> : (
        <table className="table" data-testid="exports-table">
          <thead><tr><th scope="col">Started</th><th scope="col">Year</th><th scope="col">Period</th><th scope="col">State</th><th scope="col" className="num">Included</th><th scope="col" className="num">Left out</th><th scope="col">File</th><th scope="col">Submitted</th></tr></thead>
          <tbody>{page.items.map((x) => (
            <tr key={x.id}>
              <td><Link to={`/exports/${x.id}`}>{ukDateTime(x.created_at)}</Link></td><td>{x.academic_year}</td><td>{x.return_period?.period ?? "—"}</td><td>{STATE_LABEL[x.state] ?? x.state}</td>
              <td className="num">{x.counts?.included ?? "—"}</td><td className="num">{x.counts?.left_out ?? "—"}</td><td>{x.file_name ?? "—"}{x.purpose === "trial" && <> <span className="tag">Trial</span></>}{x.include_learners_with_errors && <> <span className="tag tag-warning">With errors</span></>}</td><td>{x.submitted_at ? ukDateTime(x.submitted_at) : "—"}</td>
            </tr>))}
          </tbody>
        </table>
      )}
      <Pager hasPrev={cursors.length > 1} hasNext={!!page?.next_cursor} onPrev={() => setCursors((c) => c.slice(0, -1))} onNext={() => page?.next_cursor && setCursors((c) => [...c, page.next_cursor])} />
    </div>
  );
}

export function ExportPage() {
  const { id = "" } = useParams();
  useTitle("Export");
  const [exp, setExp] = useState<Export | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [report, setReport] = useState<ReportLearner[] | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  const [confirmSubmit, setConfirmSubmit] = useState(false);
  const load = useCallback(async () => {
    try {
      const r = await exportsApi.get(id);
      setExp(r.data);
      return r.data;
    } catch (e) {
      setError(e);
      return null;
    }
  }, [id]);
  useEffect(() => {
    let stop = false;
    let timer: number | undefined;
    const tick = async () => {
      const x = await load();
      if (!stop && x && (x.state === "queued" || x.state === "running")) timer = window.setTimeout(tick, 1000);
    };
    void tick();
    return () => { stop = true; window.clearTimeout(timer); };
  }, [load]);
  useEffect(() => {
    if ((exp?.state === "succeeded" || exp?.state === "failed") && !report) exportsApi.report(id).then((r) => setReport(r.data.learners)).catch(() => setReport([]));
  }, [exp?.state, id, report]);

  if (error && !exp) return <div className="page"><ErrorSummary error={error} /></div>;
  if (!exp) return <div className="page"><Loading what="Loading export" /></div>;
  const pct = exp.progress.total ? Math.round((100 * exp.progress.done) / exp.progress.total) : exp.state === "succeeded" ? 100 : 0;
  const done = exp.state === "succeeded";
  const pre = exp.pre_submission;
  const leftOut = (report ?? []).filter((l) => !l.included);
  const withErrors = pre?.included_with_errors ?? [];
  return (
    <div className="page">
      <p className="breadcrumbs"><Link to="/exports">Exports</Link> › {exp.file_name ?? exp.id}</p>
      <h1>Export {exp.academic_year} <span className="caption">{STATE_LABEL[exp.state]}</span></h1>
      <ErrorSummary error={error} />
      <div className="progress-wrap">
        <label htmlFor="exp-progress" className="label">Progress: {exp.progress.done} of {exp.progress.total || "?"} learners</label>
        <progress id="exp-progress" max={100} value={pct} data-testid="export-progress" aria-valuetext={`${pct}%`}>{pct}%</progress>
        <span className="pct" data-testid="export-state">{STATE_LABEL[exp.state]} · {pct}%</span>
      </div>
      {exp.state === "failed" && <Banner kind="error" title="The export failed">{exp.error ?? "Unknown error."} Start a new export; nothing was submitted.</Banner>}
      {done && exp.up_to_date === false && <Banner kind="warning" title="Recent changes may be missing">Some ILR changes made just before this export had not reached it when it was built. Start a new export to include them.</Banner>}
      <dl className="summary-list">
        <div><dt>Statuses</dt><dd>{exp.statuses.map((s) => STATUS_LABEL[s] ?? s).join(", ")}</dd></div>
        <div><dt>Return period</dt><dd data-testid="return-period">{exp.return_period ? `${exp.return_period.period} (census ${ukDate(exp.return_period.census_date)}, deadline ${ukDate(exp.return_period.deadline)})` : "Not recorded"}</dd></div>
        <div><dt>Learners with errors</dt><dd>{exp.include_learners_with_errors ? `Included (${exp.validation_summary?.included_with_errors ?? 0} in the file)` : "Left out"}</dd></div>
        <div><dt>Programmes</dt><dd>{exp.programme_ids?.length ? `${exp.programme_ids.length} selected` : "All"}</dd></div>
        <div><dt>Learners included</dt><dd data-testid="included">{exp.counts?.included ?? "—"}</dd></div>
        <div><dt>Learners left out</dt><dd>{exp.counts?.left_out ?? "—"}</dd></div>
        <div><dt>Started</dt><dd>{ukDateTime(exp.created_at)}</dd></div>
        <div><dt>Finished</dt><dd>{ukDateTime(exp.finished_at)}</dd></div>
        {exp.validation_summary && <div><dt>Validation</dt><dd>{exp.validation_summary.errors} errors, {exp.validation_summary.warnings} warnings</dd></div>}
      </dl>
      {done && (
        <section className="card" aria-labelledby="dl-h">
          <h2 id="dl-h">Download</h2>
          {msg && <Banner kind="success"><p data-testid="download-message">{msg}</p></Banner>}
          <div className="button-row">
            <button type="button" className="btn" data-testid="download-file" onClick={() => downloadFile(`/api/exports/${exp.id}/file`, exp.file_name ?? "ILR.XML").then((n) => setMsg(`Downloaded ${n}`)).catch(setError)}>Download file {exp.file_name && <span className="file-name">({exp.file_name})</span>}</button>
            <button type="button" className="btn btn-secondary" onClick={() => downloadFile(`/api/exports/${exp.id}/file?zip=true`, `${(exp.file_name ?? "ILR").replace(/\.XML$/i, "")}.zip`).catch(setError)}>Download as ZIP</button>
            <button type="button" className="btn btn-secondary" onClick={() => downloadFile(`/api/exports/${exp.id}/report`, `report-${exp.id}.json`).catch(setError)}>Report (JSON)</button>
            <button type="button" className="btn btn-secondary" data-testid="download-csv" onClick={() => downloadFile(`/api/exports/${exp.id}/report?format=csv`, `report-${exp.id}.csv`).catch(setError)}>Report (CSV)</button>
          </div>
        </section>
      )}
      {withErrors.length > 0 && (
        <section aria-labelledby="we-h">
          <Banner kind="warning" title={`${pre?.included_with_errors_count ?? withErrors.length} learner(s) are in the file with errors`}>
            <p>Submit Learner Data will reject these learners until their errors are corrected. Marking the file submitted does not complete their ILRs.</p>
          </Banner>
          <table className="table compact" data-testid="included-with-errors"><caption>In the file with errors</caption>
            <thead><tr><th scope="col">Learner ref</th><th scope="col">Rules</th></tr></thead>
            <tbody>{withErrors.map((l, i) => <tr key={`${l.ilr_id}-${i}`}><td>{l.ilr_id ? <Link to={`/ilrs/${l.ilr_id}`}>{l.LearnRefNumber ?? l.ilr_id}</Link> : l.LearnRefNumber}</td><td>{l.rules.map((r) => <code key={r}>{r} </code>)}</td></tr>)}</tbody>
          </table>
        </section>
      )}
      {leftOut.length > 0 && (
        <section aria-labelledby="lo-h">
              <h2 id="lo-h">Left out of the file ({leftOut.length})</h2>
              <p className="hint">These learners failed validation. Correct their ILRs and export again.</p>
              <table className="table compact" data-testid="left-out">
                <thead><tr><th scope="col">Learner ref</th><th scope="col">Problems</th></tr></thead>
                <tbody>{leftOut.map((l) => <tr key={l.LearnRefNumber}><td><Link to={`/ilrs?learn_ref=${encodeURIComponent(l.LearnRefNumber)}`}>{l.LearnRefNumber}</Link></td><td>{l.findings.map((f, i) => <div key={i}><code>{f.rule}</code> {f.message}</div>)}</td></tr>)}</tbody>
              </table>
        </section>
      )}
      {done && (
        <section aria-labelledby="pre-h">
          <h2 id="pre-h">Pre-submission check</h2>
          {!pre ? <p className="hint">No pre-submission data.</p> : (
            <ul className="checks" data-testid="pre-submission">
              <li>{pre.previous_export_id ? <>Compared with the previous export: learner count {fmtChange(pre.learner_count_change)}.</> : "This is the first export for this year."}</li>
              <li className={pre.disappeared.length ? "warn" : "ok"}>{pre.disappeared.length ? `${pre.disappeared.length} learner(s) in the previous file are missing: ${list(pre.disappeared)}` : "No learner disappeared since the previous file."}</li>
              <li className={pre.duplicate_ulns.length ? "warn" : "ok"}>{pre.duplicate_ulns.length ? `Duplicate ULNs: ${list(pre.duplicate_ulns)}` : "No duplicate ULNs."}</li>
              <li className={pre.not_selected_count ? "warn" : "ok"} data-testid="not-selected-count">{pre.not_selected_count ? `${pre.not_selected_count} learner(s) of ${exp.academic_year} are not in this build (listed below).` : `Every learner of ${exp.academic_year} was considered for this build.`}</li>
              <li className={pre.duplicate_learn_refs.length ? "warn" : "ok"}>{pre.duplicate_learn_refs.length ? `Duplicate learner references: ${list(pre.duplicate_learn_refs)}` : "No duplicate learner references."}</li>
            </ul>
          )}
          {pre && (pre.not_selected ?? []).length > 0 && (
            <div className="table-scroll">
              <table className="table compact" data-testid="not-selected"><caption>Learners of the year not in this build</caption>
                <thead><tr><th scope="col">Learner ref</th><th scope="col">Why</th></tr></thead>
                <tbody>{(pre.not_selected ?? []).map((l, i) => <tr key={`${l.ilr_id}-${i}`}><td>{l.ilr_id ? <Link to={`/ilrs/${l.ilr_id}`}>{l.LearnRefNumber ?? l.ilr_id}</Link> : l.LearnRefNumber}</td><td>{l.reason}</td></tr>)}</tbody>
              </table>
            </div>
          )}
          {exp.validation_summary && Object.keys(exp.validation_summary.left_out_by_rule ?? {}).length > 0 && (
            <table className="table compact" data-testid="left-out-by-rule"><caption>Why learners were left out</caption><thead><tr><th scope="col">Rule</th><th scope="col" className="num">Learners left out</th></tr></thead>
              <tbody>{Object.entries(exp.validation_summary.left_out_by_rule ?? {}).map(([r, n]) => <tr key={r}><td><Link to={`/rules/${encodeURIComponent(r)}?year=${encodeURIComponent(exp.academic_year)}`}>{r}</Link></td><td className="num">{n}</td></tr>)}</tbody></table>
          )}
          {exp.validation_summary && Object.keys(exp.validation_summary.by_rule).length > 0 && (
            <table className="table compact"><caption>Findings by rule</caption><thead><tr><th scope="col">Rule</th><th scope="col" className="num">Findings</th></tr></thead>
              <tbody>{Object.entries(exp.validation_summary.by_rule).map(([r, n]) => <tr key={r}><td><code>{r}</code></td><td className="num">{n}</td></tr>)}</tbody></table>
          )}
          {exp.purpose === "trial" ? <Banner kind="info" title="Trial build"><p data-testid="trial-build">This file is for checking only: it took no serial number and cannot be marked submitted. Build a file for submission when the return is ready.</p></Banner> : exp.submitted_at ? <Banner kind="success" title="Marked as submitted"><p data-testid="submitted">Submitted on {ukDateTime(exp.submitted_at)}. The records in this file are completed.</p></Banner> : confirmSubmit ? (
            <Banner kind="warning" title="Mark this file as submitted?">
              <p>Do this after you have uploaded {exp.file_name} to Submit Learner Data. The records in it will move to “Completed”.</p>
              <div className="button-row">
                <button type="button" className="btn" data-testid="confirm-submitted" onClick={() => exportsApi.submitted(exp.id).then((r) => { setExp(r.data); setConfirmSubmit(false); }).catch(setError)}>Yes, mark as submitted</button>
                <button type="button" className="btn btn-secondary" onClick={() => setConfirmSubmit(false)}>Cancel</button>
              </div>
            </Banner>
          ) : <button type="button" className="btn btn-secondary" data-testid="mark-submitted" onClick={() => setConfirmSubmit(true)}>Mark as submitted…</button>}
        </section>
      )}
    </div>
  );
}

function fmtChange(n: number | null): string {
  if (n === null || n === undefined) return "unknown";
  return n === 0 ? "unchanged" : n > 0 ? `+${n}` : String(n);
}
function list(xs: unknown[]): string {
  return xs.map((x) => (typeof x === "object" ? JSON.stringify(x) : String(x))).join(", ");
}
