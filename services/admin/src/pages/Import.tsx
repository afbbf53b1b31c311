import { useEffect, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { ApiError, ilrs, programmes, type ImportReport, type Programme } from "../api";
import { Banner, Checkbox, ErrorSummary, Field, useTitle } from "../components";

const OUTCOME_LABEL: Record<string, string> = {
  created: "New ILR", updated: "Updated", unchanged: "Unchanged", refused: "Refused", skipped: "Skipped",
};

/** Import an ILR XML file: upload, see the preview (nothing written), then import on confirmation. */
export default function ImportPage() {
  useTitle("Import an ILR file");
  const [file, setFile] = useState<File | null>(null);
  const [programmeId, setProgrammeId] = useState("");
  const [skipInvalid, setSkipInvalid] = useState(false);
  const [progs, setProgs] = useState<Programme[]>([]);
  const [preview, setPreview] = useState<ImportReport | null>(null);
  const [result, setResult] = useState<ImportReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => { programmes.list({ limit: 200 }).then((r) => setProgs(r.data.items)).catch(() => setProgs([])); }, []);

  const options = { programme_id: programmeId || undefined, skip_invalid: skipInvalid || undefined };
  const send = async (dryRun: boolean) => {
    if (!file) return setError(new ApiError(422, { detail: "Choose an ILR XML file.", errors: [{ path: "body.file", message: "Choose a file" }] }));
    setBusy(true);
    setError(null);
    try {
      const r = await ilrs.importFile(file, { ...options, dry_run: dryRun || undefined });
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

  return (
    <div className="page">
      <p className="breadcrumbs"><Link to="/ilrs">Individual Learner Records</Link> › Import</p>
      <h1>Import an ILR file</h1>
      <p className="lead">Upload an ILR XML file (2025/26 or 2026/27). You first see what the import would do, learner by learner; nothing is written until you confirm.</p>
      <form onSubmit={check} className="card" aria-labelledby="imp-h" noValidate>
        <h2 id="imp-h">File</h2>
        <ErrorSummary error={error} />
        <div className="field">
          <label className="label" htmlFor="import-file">ILR XML file</label>
          <input id="import-file" name="file" type="file" accept=".xml,.XML,application/xml,text/xml" data-testid="import-file"
            onChange={(e) => { setFile(e.target.files?.[0] ?? null); changed(); }} />
        </div>
        <Field id="import-programme" label="Attach new learners to programme (optional)" kind="select" value={programmeId} width="l"
          onChange={(v) => { setProgrammeId(v); changed(); }} options={progs.map((p) => ({ value: p.id, label: `${p.name} (${p.academic_year})` }))} />
        <Checkbox id="import-skip" label="Import the valid learners even if some are refused" checked={skipInvalid} onChange={(v) => { setSkipInvalid(v); changed(); }} />
        <button type="submit" className="btn" disabled={busy} data-testid="import-preview">{busy && !preview ? "Checking…" : "Check the file"}</button>
      </form>
      {preview && <Preview report={preview} busy={busy} onConfirm={() => void send(false)} onCancel={changed} />}
      {result && (
        <Banner kind="success" title="File imported" focus>
          <p data-testid="import-done">{result.created} new, {result.updated} updated, {result.unchanged} unchanged{result.skipped.length ? `, ${result.skipped.length} skipped` : ""} ({result.academic_year}).</p>
          <p><Link to="/ilrs">Go to the ILRs</Link></p>
        </Banner>
      )}
    </div>
  );
}

function Preview({ report, busy, onConfirm, onCancel }: { report: ImportReport; busy: boolean; onConfirm: () => void; onCancel: () => void }) {
  const refused = report.refused ?? report.skipped.length;
  const problems = new Map(report.skipped.map((s) => [s.index, s.problems]));
  return (
    <section className="card" aria-labelledby="prev-h" data-testid="import-preview-result">
      <h2 id="prev-h">What the import would do ({report.academic_year})</h2>
      <p data-testid="preview-counts">{report.created} new ILRs, {report.updated} updated, {report.unchanged} unchanged, {refused} refused. Nothing has been written yet.</p>
      {report.file_findings.length > 0 && (
        <Banner kind="warning" title="File findings (they do not stop the import)">
          <ul>{report.file_findings.map((f, i) => <li key={i}><code>{f.rule}</code> {f.message}</li>)}</ul>
        </Banner>
      )}
      <div className="table-scroll">
        <table className="table compact" data-testid="preview-learners"><caption>Learners of the file</caption>
          <thead><tr><th scope="col">Learner ref</th><th scope="col">Outcome</th><th scope="col">Why refused</th></tr></thead>
          <tbody>{report.learners.map((l, i) => (
            <tr key={`${l.LearnRefNumber}-${i}`}>
              <td>{l.ilr_id && l.outcome !== "created" ? <Link to={`/ilrs/${l.ilr_id}`}>{l.LearnRefNumber}</Link> : l.LearnRefNumber}</td>
              <td>{OUTCOME_LABEL[l.outcome] ?? l.outcome}</td>
              <td>{(problems.get(i) ?? []).map((p, j) => <div key={j}><code>{p.path}</code> {p.message}</div>)}</td>
            </tr>
          ))}</tbody>
        </table>
      </div>
      {report.would_import === false ? (
        <Banner kind="error" title="The file would not be imported">
          <p data-testid="preview-blocked">{refused} learner(s) have problems, so nothing would be imported. Correct the file, or tick “Import the valid learners even if some are refused” and check again.</p>
        </Banner>
      ) : (
        <div className="button-row">
          <button type="button" className="btn" disabled={busy} data-testid="import-confirm" onClick={onConfirm}>{busy ? "Importing…" : "Import these learners"}</button>
          <button type="button" className="btn btn-secondary" onClick={onCancel}>Cancel</button>
        </div>
      )}
    </section>
  );
}
