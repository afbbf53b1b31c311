import { useEffect, useState } from "react";
import { Link, useLocation, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { ilrs, type Finding, type Ilr, type Rec, type VersionDoc, type VersionItem } from "../api";
import { hasRole } from "../auth";
import { Banner, Empty, ErrorSummary, Loading, ProvenanceTag, StatusTag, TabPanel, Tabs, useSession, useTitle } from "../components";
import { display, ukDate, ukDateTime } from "../format";
import { ADMIN_LEARNER_FIELDS, DELIVERY, deliveryKeys, deliveryRef, diffRecords, flatten, metaFor, provenanceOf, useIlr } from "../ilr";
import { ConflictBanner, FindingsList, RecordForm, WorkflowBar, type FieldDef } from "../IlrParts";
import { flatOptions, useCodeLists } from "../ListEditor";

export default function IlrPage() {
  const { id = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const loc = useLocation();
  const tab = params.get("tab") ?? "user";
  const { ilr, loadError, conflict, setConflict, mutate, reload } = useIlr(id);
  const { session } = useSession();
  const canEdit = hasRole(session, "admin");
  useTitle(ilr ? `ILR of ${ilr.record.GivenNames ?? ""} ${ilr.record.FamilyName ?? ""}` : "ILR");

  useEffect(() => {
    if (!ilr || !loc.hash) return;
    const el = document.getElementById(loc.hash.slice(1));
    el?.focus();
    el?.scrollIntoView({ block: "center" });
  }, [ilr, loc.hash, tab]);

  if (loadError && !ilr) return <div className="page"><ErrorSummary error={loadError} /><Link to="/ilrs">Back to the list</Link></div>;
  if (!ilr) return <div className="page"><Loading what="Loading ILR" /></div>;
  const rec = ilr.record;
  const errors = ilr.findings.filter((f) => f.severity === "error").length;
  const save = (body: { set: Rec; unset: string[] }) => mutate((etag) => ilrs.patch(ilr.id, body, etag));
  const reset = (path: string) => mutate((etag) => ilrs.reset(ilr.id, { fields: [path] }, etag));

  const userFields: FieldDef[] = ilr.user_part.map((n) => ({ path: n, name: n, meta: metaFor(n, false, rec[n]), value: rec[n] }));
  const adminNames = Array.from(new Set([...ADMIN_LEARNER_FIELDS, ...Object.keys(rec).filter((k) => k !== DELIVERY && !ilr.user_part.includes(k))]));
  const adminFields: FieldDef[] = adminNames.map((n) => ({ path: n, name: n, meta: metaFor(n, false, rec[n]), value: rec[n] }));

  return (
    <div className="page">
      <p className="breadcrumbs"><Link to="/ilrs">Individual Learner Records</Link> › {String(rec.GivenNames ?? "")} {String(rec.FamilyName ?? "")}</p>
      <div className="page-head">
        <h1>{String(rec.GivenNames ?? "")} {String(rec.FamilyName ?? "")} <span className="caption">ILR {ilr.academic_year}</span></h1>
        <StatusTag status={ilr.status} />
      </div>
      <dl className="summary-inline">
        <div><dt>ULN</dt><dd>{display(rec.ULN)}</dd></div>
        <div><dt>Learner ref</dt><dd>{display(rec.LearnRefNumber)}</dd></div>
        <div><dt>Version</dt><dd data-testid="ilr-version">{ilr.version}</dd></div>
        <div><dt>Template revision</dt><dd>{ilr.template_revision}</dd></div>
        <div><dt>Last change</dt><dd>{ukDateTime(ilr.updated_at)} by {ilr.updated_by}</dd></div>
        <div><dt>Problems</dt><dd>{errors ? <Link to="?tab=validation">{errors} error{errors > 1 ? "s" : ""}</Link> : "none"}</dd></div>
      </dl>
      {ilr.withdrawn && <Banner kind="warning" title="Withdrawn">The learner's enrolment was withdrawn.</Banner>}
      <ConflictBanner conflict={conflict} onDismiss={() => setConflict(null)} />
      <WorkflowBar ilr={ilr} mutate={mutate} />
      <Tabs label="ILR sections" current={tab} onSelect={(t) => setParams({ tab: t }, { replace: true })}
        tabs={[{ id: "user", label: "User" }, { id: "admin", label: "Admin" }, { id: "history", label: "History" }, { id: "validation", label: `Validation${ilr.findings.length ? ` (${ilr.findings.length})` : ""}` }]} />
      {tab === "user" && (
        <TabPanel id="user">
          <RecordForm ilr={ilr} fields={userFields} canEdit={canEdit} onSave={save} onReset={reset} testId="user-form"
            title={<p className="hint">The learner's details data capture form: what the learner completes themselves.</p>} />
        </TabPanel>
      )}
      {tab === "admin" && (
        <TabPanel id="admin">
          <AimsTable ilr={ilr} canEdit={canEdit} onResetAim={(key) => mutate((etag) => ilrs.reset(ilr.id, { delivery: key }, etag))} />
          <h2>Provider details</h2>
          <RecordForm ilr={ilr} fields={adminFields} canEdit={canEdit} onSave={save} onReset={reset} testId="admin-form" />
          {canEdit && <ResetAll ilr={ilr} onReset={() => mutate((etag) => ilrs.reset(ilr.id, {}, etag))} />}
        </TabPanel>
      )}
      {tab === "history" && <TabPanel id="history"><History ilr={ilr} canRestore={canEdit} onRestore={(v) => mutate((etag) => ilrs.restore(ilr.id, v, etag))} /></TabPanel>}
      {tab === "validation" && <TabPanel id="validation"><Validation ilr={ilr} onRefresh={reload} /></TabPanel>}
    </div>
  );
}

function AimsTable({ ilr, canEdit, onResetAim }: { ilr: Ilr; canEdit: boolean; onResetAim: (key: string) => Promise<unknown> }) {
  const nav = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const ds = (ilr.record.LearningDelivery ?? []) as Rec[];
  const keys = deliveryKeys(ilr);
  const aimTypes = flatOptions(useCodeLists(ilr.academic_year), "AimType") ?? [];
  return (
    <section aria-labelledby="aims-h">
      <div className="section-head">
        <h2 id="aims-h">Qualification aims</h2>
        {canEdit && <button type="button" className="btn btn-secondary" onClick={() => nav(`/ilrs/${ilr.id}/aims/new`)} data-testid="add-aim">Add</button>}
      </div>
      <ErrorSummary error={error} />
      {ds.length === 0 ? <Empty>No aims yet. They come from the programme's ILR template, or add one.</Empty> : (
        <table className="table" data-testid="aims-table">
          <thead><tr><th scope="col">Seq</th><th scope="col">Aim</th><th scope="col">Type</th><th scope="col">Start</th><th scope="col">Planned end</th><th scope="col">Actual end</th><th scope="col">Source</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {ds.map((d) => {
              const seq = Number(d.AimSeqNumber);
              const ref = deliveryRef(ilr, seq);
              const byPerson = Object.entries(ilr.provenance ?? {}).some(([p, v]) => v.source === "person" && (p.startsWith(`${ref}.`) || p.startsWith(`${DELIVERY}[seq=${seq}].`)));
              return (
                <tr key={seq}>
                  <td>{seq}</td>
                  <td><code>{String(d.LearnAimRef ?? "")}</code></td>
                  <td>{aimTypes.find((o) => o.value === String(d.AimType))?.label ?? display(d.AimType)}</td>
                  <td>{ukDate(d.LearnStartDate)}</td>
                  <td>{ukDate(d.LearnPlanEndDate)}</td>
                  <td>{ukDate(d.LearnActEndDate)}</td>
                  <td>{keys[seq] ? <>template aim <code>{keys[seq]}</code>{byPerson && <span className="hint block">amended by hand</span>}</> : "added by hand"}</td>
                  <td className="actions">
                    <Link to={`/ilrs/${ilr.id}/aims/${seq}`} className="icon-link" aria-label={`${canEdit ? "Amend" : "View"} aim ${seq} ${String(d.LearnAimRef ?? "")}`} data-testid={`edit-aim-${seq}`}>✎ {canEdit ? "Amend" : "View"}</Link>
                    {canEdit && keys[seq] && byPerson && (
                      <button type="button" className="link-button" onClick={() => onResetAim(keys[seq]).catch(setError)}>Reset aim to template</button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ResetAll({ ilr, onReset }: { ilr: Ilr; onReset: () => Promise<unknown> }) {
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const manual = Object.values(ilr.provenance ?? {}).filter((p) => p.source === "person").length;
  if (!manual) return null;
  return (
    <div className="card subtle">
      <h3>Reset the whole record to the template</h3>
      <p>{manual} field{manual > 1 ? "s were" : " was"} set by hand. Resetting drops those values and applies the programme's template again.</p>
      <ErrorSummary error={error} />
      {confirm ? (
        <div className="button-row">
          <button type="button" className="btn btn-warning" onClick={() => onReset().then(() => setConfirm(false)).catch(setError)}>Yes, reset everything</button>
          <button type="button" className="btn btn-secondary" onClick={() => setConfirm(false)}>Cancel</button>
        </div>
      ) : <button type="button" className="btn btn-secondary" onClick={() => setConfirm(true)}>Reset record to template…</button>}
    </div>
  );
}

function Validation({ ilr, onRefresh }: { ilr: Ilr; onRefresh: () => Promise<unknown> }) {
  const [data, setData] = useState<{ version: number; findings: Finding[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => { ilrs.validation(ilr.id).then((r) => setData(r.data)).catch((e) => { setError(e); setData({ version: ilr.version, findings: ilr.findings }); }); }, [ilr.id, ilr.version, ilr.findings]);
  return (
    <section>
      <h2>Validation</h2>
      <p className="hint">The DfE business rules (by their official names) are checked every time the record is saved, so problems show long before the export.</p>
      {error ? <Banner kind="warning">Showing the findings saved with the record.</Banner> : null}
      {!data ? <Loading what="Checking" /> : <FindingsList ilr={ilr} findings={data.findings} emptyText={`No problems found in version ${data.version}.`} />}
      <button type="button" className="btn btn-secondary" onClick={() => { setData(null); void onRefresh(); }}>Check again</button>
    </section>
  );
}

function History({ ilr, canRestore, onRestore }: { ilr: Ilr; canRestore: boolean; onRestore: (v: number) => Promise<unknown> }) {
  const [items, setItems] = useState<VersionItem[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [picked, setPicked] = useState<number[]>([]);
  const [compare, setCompare] = useState<[VersionDoc, VersionDoc] | null>(null);
  const [loadingCompare, setLoadingCompare] = useState(false);
  const [onlyDiff, setOnlyDiff] = useState(true);
  const [restored, setRestored] = useState<number | null>(null);
  useEffect(() => { ilrs.versions(ilr.id).then((r) => setItems([...r.data.items].sort((a, b) => b.version - a.version))).catch((e) => { setError(e); setItems([]); }); }, [ilr.id, ilr.version]);

  const toggle = (v: number) => setPicked((p) => (p.includes(v) ? p.filter((x) => x !== v) : [...p.slice(-1), v]));
  const doCompare = async () => {
    const [a, b] = [...picked].sort((x, y) => x - y);
    setLoadingCompare(true);
    setError(null);
    try {
      const [ra, rb] = await Promise.all([ilrs.version(ilr.id, a), ilrs.version(ilr.id, b)]);
      setCompare([ra.data, rb.data]);
    } catch (e) {
      setError(e);
    } finally {
      setLoadingCompare(false);
    }
  };
  return (
    <section>
      <h2>Versions</h2>
      <p className="hint">Every change is kept. Tick two versions to compare them side by side.</p>
      {restored !== null && <Banner kind="success" title={`Version ${restored} restored`}>The restored content is saved as a new version.</Banner>}
      <ErrorSummary error={error} />
      {!items ? <Loading what="Loading history" /> : items.length === 0 ? <Empty>No versions.</Empty> : (
        <table className="table" data-testid="versions-table">
          <thead><tr><th scope="col">Compare</th><th scope="col">Version</th><th scope="col">When</th><th scope="col">Who</th><th scope="col">Source</th><th scope="col">Status</th><th scope="col">Changed fields</th><th scope="col"><span className="visually-hidden">Restore</span></th></tr></thead>
          <tbody>
            {items.map((v) => (
              <tr key={v.version}>
                <td><input type="checkbox" aria-label={`Compare version ${v.version}`} checked={picked.includes(v.version)} onChange={() => toggle(v.version)} /></td>
                <td>{v.version}{v.version === ilr.version && <span className="hint block">current</span>}</td>
                <td>{ukDateTime(v.at)}</td>
                <td>{v.actor}</td>
                <td><span className={`prov prov-${v.source}`}>{v.source}</span>{v.action ? <span className="hint block">{v.action}</span> : null}</td>
                <td><StatusTag status={v.status} /></td>
                <td className="changed">{v.changed_fields.length ? v.changed_fields.slice(0, 6).map((f) => <code key={f}>{f}</code>) : "—"}{v.changed_fields.length > 6 && <span className="hint"> +{v.changed_fields.length - 6} more</span>}</td>
                <td>{canRestore && v.version !== ilr.version && (
                  <button type="button" className="link-button" onClick={() => onRestore(v.version).then(() => setRestored(v.version)).catch(setError)} aria-label={`Restore version ${v.version}`}>Restore</button>
                )}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="button-row">
        <button type="button" className="btn btn-secondary" disabled={picked.length !== 2 || loadingCompare} onClick={doCompare} data-testid="compare">{loadingCompare ? "Loading…" : "Compare selected versions"}</button>
      </div>
      {compare && <Compare a={compare[0]} b={compare[1]} onlyDiff={onlyDiff} setOnlyDiff={setOnlyDiff} ilr={ilr} />}
    </section>
  );
}

function Compare({ a, b, onlyDiff, setOnlyDiff, ilr }: { a: VersionDoc; b: VersionDoc; onlyDiff: boolean; setOnlyDiff: (v: boolean) => void; ilr: Ilr }) {
  // each version with its own seq → key links when the API sends them, else the current ones
  const keys = deliveryKeys(ilr);
  const keysOf = (v: VersionDoc) => (v.delivery_keys ? Object.fromEntries(Object.entries(v.delivery_keys).map(([s, k]) => [Number(s), k])) : keys);
  const fa = flatten(a.record, keysOf(a));
  const fb = flatten(b.record, keysOf(b));
  const changed = new Set(diffRecords(fa, fb).map((c) => c.path));
  const rows = Array.from(new Set([...Object.keys(fa), ...Object.keys(fb)])).filter((p) => !onlyDiff || changed.has(p));
  return (
    <section className="compare" aria-labelledby="cmp-h" data-testid="compare-view">
      <h3 id="cmp-h">Version {a.version} compared with version {b.version}</h3>
      <label className="checkbox inline"><input type="checkbox" checked={onlyDiff} onChange={(e) => setOnlyDiff(e.target.checked)} /> Show only differences ({changed.size})</label>
      <table className="table compact">
        <thead><tr><th scope="col">Field</th><th scope="col">Version {a.version}<span className="hint block">{ukDateTime(a.at)} · {a.actor} · {a.source}</span></th><th scope="col">Version {b.version}<span className="hint block">{ukDateTime(b.at)} · {b.actor} · {b.source}</span></th></tr></thead>
        <tbody>
          {rows.length === 0 ? <tr><td colSpan={3}>The two versions have the same content{a.status !== b.status ? ` (status changed from ${a.status} to ${b.status})` : ""}.</td></tr> :
            rows.map((p) => (
              <tr key={p} className={changed.has(p) ? "diff" : ""}>
                <th scope="row"><code>{p}</code> {provenanceOf(ilr, p) && <ProvenanceTag p={provenanceOf(ilr, p)} />}</th>
                <td className="pre">{display(fa[p])}</td>
                <td className="pre">{display(fb[p])}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </section>
  );
}
