import { useEffect, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { ilrs, programmes, type IlrSummary, type Programme } from "../api";
import { hasRole } from "../auth";
import { Empty, ErrorSummary, Field, Loading, Pager, StatusTag, useSession, useTitle } from "../components";
import { STATUSES, STATUS_LABEL, ukDateTime } from "../format";

export default function IlrListPage() {
  useTitle("Individual Learner Records");
  const [params, setParams] = useSearchParams();
  const { session } = useSession();
  const applied = {
    q: params.get("q") ?? "", uln: params.get("uln") ?? "", learn_ref: params.get("learn_ref") ?? "",
    status: params.get("status") ?? "", programme_id: params.get("programme_id") ?? "", sort: params.get("sort") ?? "-updated_at",
  };
  const [form, setForm] = useState(applied);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<{ items: IlrSummary[]; next_cursor: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [progs, setProgs] = useState<Programme[]>([]);
  const key = params.toString();

  useEffect(() => { programmes.list({ limit: 200 }).then((r) => setProgs(r.data.items)).catch(() => {}); }, []);
  const prevKey = useRef(key);
  useEffect(() => {
    if (prevKey.current === key) return;
    prevKey.current = key;
    setCursors([null]);
    setForm(applied);
    // eslint-disable-next-line
  }, [key]);
  useEffect(() => {
    setPage(null);
    setError(null);
    ilrs.list({ ...applied, limit: 25, cursor: cursors[cursors.length - 1] })
      .then((r) => setPage(r.data))
      .catch((e) => { setError(e); setPage({ items: [], next_cursor: null }); });
    // eslint-disable-next-line
  }, [key, cursors]);

  const progName = (id: string) => progs.find((p) => p.id === id)?.name ?? id;
  const up = (k: keyof typeof form) => (v: string) => setForm((f) => ({ ...f, [k]: v }));
  return (
    <div className="page">
      <h1>Individual Learner Records</h1>
      {session && hasRole(session, "admin") && <p><Link to="/ilrs/import" data-testid="import-link">Import an ILR file</Link></p>}
      {session && hasRole(session, "admin") && <p><Link to="/ilrs/rollover" data-testid="rollover-link">Roll learners into the next year</Link></p>}
      <form className="filters" role="search" aria-label="Search ILRs" onSubmit={(e) => {
        e.preventDefault();
        const next: Record<string, string> = {};
        for (const [k, v] of Object.entries(form)) if (v.trim()) next[k] = v.trim();
        setParams(next);
      }}>
        <Field id="s-q" label="Name" value={form.q} onChange={up("q")} />
        <Field id="s-uln" label="ULN" value={form.uln} onChange={up("uln")} width="s" inputMode="numeric" />
        <Field id="s-ref" label="Learner reference" value={form.learn_ref} onChange={up("learn_ref")} width="s" />
        <Field id="s-status" label="Status" kind="select" value={form.status} onChange={up("status")} width="s" options={STATUSES.map((s) => ({ value: s, label: STATUS_LABEL[s] }))} />
        <Field id="s-prog" label="Programme" kind="select" value={form.programme_id} onChange={up("programme_id")} options={progs.map((p) => ({ value: p.id, label: `${p.name} (${p.academic_year})` }))} />
        <Field id="s-sort" label="Sort by" kind="select" value={form.sort} onChange={up("sort")} width="s" options={[{ value: "-updated_at", label: "Recently updated" }, { value: "updated_at", label: "Least recently updated" }, { value: "family_name", label: "Family name" }]} />
        <div className="filter-buttons">
          <button className="btn" type="submit" data-testid="search-ilrs">Search</button>
          <button className="btn btn-secondary" type="button" onClick={() => setParams({})}>Clear</button>
        </div>
      </form>
      <ErrorSummary error={error} />
      {!page ? <Loading what="Loading learners' records" /> : page.items.length === 0 ? <Empty>No ILRs match your search.</Empty> : (
        <table className="table" data-testid="ilr-table">
          <caption className="visually-hidden">Learners' ILRs</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">ULN</th><th scope="col">Learner ref</th><th scope="col">Programme</th><th scope="col">Year</th><th scope="col">Status</th><th scope="col">Updated</th><th scope="col"><span className="visually-hidden">Edit</span></th></tr></thead>
          <tbody>
            {page.items.map((s) => (
              <tr key={s.id} data-testid="ilr-row">
                <td>{s.GivenNames} {s.FamilyName}</td>
                <td>{s.ULN}</td>
                <td>{s.LearnRefNumber}</td>
                <td>{progName(s.programme_id)}</td>
                <td>{s.academic_year}</td>
                <td><StatusTag status={s.status} /></td>
                <td>{ukDateTime(s.updated_at)}</td>
                <td><Link to={`/ilrs/${s.id}`} className="icon-link" aria-label={`Edit ILR of ${s.GivenNames} ${s.FamilyName}`} data-testid="edit-ilr">✎ Edit</Link></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager hasPrev={cursors.length > 1} hasNext={!!page?.next_cursor} onPrev={() => setCursors((c) => c.slice(0, -1))} onNext={() => page?.next_cursor && setCursors((c) => [...c, page.next_cursor])} />
    </div>
  );
}
