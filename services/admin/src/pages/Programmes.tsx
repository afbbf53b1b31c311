import { useCallback, useEffect, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { errorMap, programmes, type Programme, type RemovedCode } from "../api";
import { Banner, Checkbox, Dialog, Empty, ErrorSummary, Field, Loading, Pager, fieldId, humanPath, useSession, useTitle } from "../components";
import { hasRole } from "../auth";
import { ACADEMIC_YEARS, nextAcademicYear, ukDate } from "../format";

export default function ProgrammesPage() {
  useTitle("Programmes");
  const { session } = useSession();
  const isAdmin = hasRole(session, "admin");
  const [q, setQ] = useState("");
  const [year, setYear] = useState("");
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<{ items: Programme[]; next_cursor: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [creating, setCreating] = useState(false);
  const [cloning, setCloning] = useState<Programme | null>(null);
  const [applied, setApplied] = useState({ q: "", year: "" });

  const load = useCallback(async () => {
    setPage(null);
    setError(null);
    try {
      const r = await programmes.list({ q: applied.q, academic_year: applied.year, limit: 25, cursor: cursors[cursors.length - 1] });
      setPage(r.data);
    } catch (e) {
      setError(e);
      setPage({ items: [], next_cursor: null });
    }
  }, [applied, cursors]);
  useEffect(() => { void load(); }, [load]);

  return (
    <div className="page">
      <div className="page-head">
        <h1>Programmes</h1>
        {isAdmin && <button type="button" className="btn" onClick={() => setCreating(true)} data-testid="new-programme">Create programme</button>}
      </div>
      <p className="lead">A programme carries the ILR template for one academic year. Every learner enrolled on it gets an ILR prefilled from the template.</p>
      <form className="filters" role="search" onSubmit={(e) => { e.preventDefault(); setCursors([null]); setApplied({ q, year }); }}>
        <Field id="prog-q" label="Name" value={q} onChange={setQ} />
        <Field id="prog-year" label="Academic year" kind="select" value={year} onChange={setYear} width="s"
          options={ACADEMIC_YEARS.map((y) => ({ value: y, label: y }))} />
        <button className="btn btn-secondary" type="submit">Search</button>
      </form>
      {error ? <ErrorSummary error={error} /> : null}
      {!page ? <Loading what="Loading programmes" /> : page.items.length === 0 ? (
        <Empty>No programmes yet{isAdmin ? <> — <button type="button" className="link-button" onClick={() => setCreating(true)}>create the first one</button>.</> : "."}</Empty>
      ) : (
        <table className="table" data-testid="programmes-table">
          <caption className="visually-hidden">Programmes</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Academic year</th><th scope="col">ILR</th><th scope="col">Template</th><th scope="col" className="num">Learners</th><th scope="col">Updated</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {page.items.map((p) => (
              <tr key={p.id}>
                <td><Link to={`/programmes/${p.id}`}>{p.name}</Link></td>
                <td>{p.academic_year}</td>
                <td>{p.ilr_enabled ? "Enabled" : "Disabled"}{p.allow_sign_without_verification ? <span className="hint block">sign without verification</span> : null}</td>
                <td>{p.template_revision ? `Revision ${p.template_revision}` : <span className="muted">Not set</span>}</td>
                <td className="num">{p.enrolment_count}</td>
                <td>{ukDate(p.updated_at)}</td>
                <td className="actions">
                  <Link to={`/programmes/${p.id}`} aria-label={`Edit ${p.name}`}>Edit</Link>
                  {isAdmin && <button type="button" className="link-button" onClick={() => setCloning(p)} aria-label={`Clone ${p.name}`}>Clone</button>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager hasPrev={cursors.length > 1} hasNext={!!page?.next_cursor}
        onPrev={() => setCursors((c) => c.slice(0, -1))} onNext={() => page?.next_cursor && setCursors((c) => [...c, page.next_cursor])} />
      {creating && <CreateDialog onClose={() => setCreating(false)} />}
      {cloning && <CloneDialog source={cloning} onClose={() => setCloning(null)} />}
    </div>
  );
}

function CreateDialog({ onClose }: { onClose: () => void }) {
  const nav = useNavigate();
  const [name, setName] = useState("");
  const [year, setYear] = useState(ACADEMIC_YEARS[0]);
  const [enabled, setEnabled] = useState(true);
  const [allow, setAllow] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errs = errorMap(error);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await programmes.create({ name, academic_year: year, ilr_enabled: enabled, allow_sign_without_verification: allow });
      nav(`/programmes/${r.data.id}?tab=template&created=1`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title="Create programme" onClose={onClose}>
      <form onSubmit={submit}>
        <ErrorSummary error={error} />
        <Field id={fieldId("f", "name")} label="Programme name" value={name} onChange={setName} width="l" required error={errs.name} />
        <Field id={fieldId("f", "academic_year")} label="Academic year" kind="select" value={year} onChange={setYear} width="s"
          options={ACADEMIC_YEARS.map((y) => ({ value: y, label: y }))} error={errs.academic_year} />
        <Checkbox id="new-ilr-enabled" label="ILR enabled" checked={enabled} onChange={setEnabled} />
        <Checkbox id="new-allow-sign" label="Allow to sign without verification" hint="The learner can sign before an administrator has reviewed the ILR." checked={allow} onChange={setAllow} />
        <div className="button-row">
          <button type="submit" className="btn" disabled={busy} data-testid="create-programme">{busy ? "Creating…" : "Create"}</button>
          <button type="button" className="btn btn-secondary" onClick={onClose}>Cancel</button>
        </div>
      </form>
    </Dialog>
  );
}

export function CloneDialog({ source, onClose }: { source: Programme; onClose: () => void }) {
  const [name, setName] = useState(`${source.name} (copy)`);
  const [year, setYear] = useState(source.academic_year);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ programme: Programme; removed_codes: RemovedCode[] } | null>(null);
  const next = nextAcademicYear(source.academic_year);
  const years = Array.from(new Set([source.academic_year, next, ...ACADEMIC_YEARS]));
  const errs = errorMap(error);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await programmes.clone(source.id, { name, academic_year: year });
      setResult(r.data);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Clone “${source.name}”`} onClose={onClose}>
      {result ? (
        <div data-testid="clone-result">
          <Banner kind="success" title="Programme cloned">
            <p><Link to={`/programmes/${result.programme.id}`}>{result.programme.name}</Link> ({result.programme.academic_year}) was created with a copy of the ILR template.</p>
          </Banner>
          {result.removed_codes.length === 0 ? <p>No codes had to be removed.</p> : (
            <>
              <h3>Codes removed because they are not valid in {result.programme.academic_year}</h3>
              <table className="table" data-testid="removed-codes">
                <thead><tr><th scope="col">Field</th><th scope="col">Code</th><th scope="col">Reason</th></tr></thead>
                <tbody>{result.removed_codes.map((c, i) => <tr key={i}><td>{humanPath(c.path)}</td><td><code>{c.code}</code></td><td>{c.reason}</td></tr>)}</tbody>
              </table>
              <p className="hint">Review the new programme's template and choose current codes for these fields.</p>
            </>
          )}
          <div className="button-row"><Link className="btn" to={`/programmes/${result.programme.id}?tab=template`}>Open the new programme</Link></div>
        </div>
      ) : (
        <form onSubmit={submit}>
          <ErrorSummary error={error} />
          <Field id={fieldId("f", "name")} label="New programme name" value={name} onChange={setName} width="l" required error={errs.name} />
          <Field id={fieldId("f", "academic_year")} label="Academic year" kind="select" value={year} onChange={setYear} width="s" error={errs.academic_year}
            hint={`Cloning into another year (e.g. ${next}) removes codes that are not valid in that year; you will see which.`}
            options={years.map((y) => ({ value: y, label: y === next ? `${y} (next year)` : y }))} />
          <div className="button-row">
            <button type="submit" className="btn" disabled={busy} data-testid="clone-submit">{busy ? "Cloning…" : "Clone"}</button>
            <button type="button" className="btn btn-secondary" onClick={onClose}>Cancel</button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
