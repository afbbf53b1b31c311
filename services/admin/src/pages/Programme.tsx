import { useCallback, useEffect, useMemo, useState, type FormEvent } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import {
  ApiError, errorMap, programmes, type CodeItem, type Enrolment, type IlrTemplate, type Programme, type TemplateDoc,
} from "../api";
import { hasRole } from "../auth";
import {
  Banner, Checkbox, Empty, ErrorSummary, Field, Loading, Pager, TabPanel, Tabs, fieldId, useSession, useTitle,
} from "../components";
import { ukDate, ukDateTime } from "../format";
import { ulnProblem } from "../uln";
import { CodeListsProblem, flatOptions, typeOptions, typedCodeOptions, useCodeLists, type Option, type ResolvedLists } from "../ListEditor";
import { CloneDialog } from "./Programmes";

export default function ProgrammePage() {
  const { id = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const tab = params.get("tab") ?? "main";
  const [prog, setProg] = useState<Programme | null>(null);
  const [etag, setEtag] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [cloning, setCloning] = useState(false);
  const { session } = useSession();
  const canEdit = hasRole(session, "admin");
  useTitle(prog ? prog.name : "Programme");

  const load = useCallback(async () => {
    try {
      const r = await programmes.get(id);
      setProg(r.data);
      setEtag(r.etag);
    } catch (e) {
      setError(e);
    }
  }, [id]);
  useEffect(() => { void load(); }, [load]);

  if (error && !prog) return <div className="page"><ErrorSummary error={error} /><Link to="/programmes">Back to programmes</Link></div>;
  if (!prog) return <div className="page"><Loading what="Loading programme" /></div>;
  return (
    <div className="page">
      <p className="breadcrumbs"><Link to="/programmes">Programmes</Link> › {prog.name}</p>
      <div className="page-head">
        <h1>{prog.name} <span className="caption">{prog.academic_year}</span></h1>
        {canEdit && <button type="button" className="btn btn-secondary" onClick={() => setCloning(true)} data-testid="clone-programme">Clone</button>}
      </div>
      {params.get("created") && <Banner kind="success" title="Programme created">Now complete its ILR template.</Banner>}
      <Tabs label="ILR settings" current={tab} onSelect={(t) => setParams({ tab: t }, { replace: true })}
        tabs={[{ id: "main", label: "Main" }, { id: "template", label: "Template" }, { id: "enrolments", label: `Enrolments (${prog.enrolment_count})` }]} />
      {tab === "main" && <TabPanel id="main"><MainTab prog={prog} etag={etag} canEdit={canEdit} onSaved={(p, e) => { setProg(p); setEtag(e); }} onClone={() => setCloning(true)} /></TabPanel>}
      {tab === "template" && <TabPanel id="template"><TemplateTab prog={prog} canEdit={canEdit} onSaved={load} /></TabPanel>}
      {tab === "enrolments" && <TabPanel id="enrolments"><EnrolmentsTab prog={prog} canEdit={canEdit} onChanged={load} /></TabPanel>}
      {cloning && <CloneDialog source={prog} onClose={() => setCloning(false)} />}
    </div>
  );
}

function MainTab({ prog, etag, canEdit, onSaved, onClone }: { prog: Programme; etag: string | null; canEdit: boolean; onSaved: (p: Programme, etag: string | null) => void; onClone: () => void }) {
  const [name, setName] = useState(prog.name);
  const [enabled, setEnabled] = useState(prog.ilr_enabled);
  const [allow, setAllow] = useState(prog.allow_sign_without_verification);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const errs = errorMap(error);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const r = await programmes.patch(prog.id, { name, ilr_enabled: enabled, allow_sign_without_verification: allow }, etag);
      onSaved(r.data, r.etag);
      setSaved(true);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 412 ? new Error("Someone else changed this programme. Reload the page and try again.") : err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} className="form-block">
      {saved && <Banner kind="success" title="Saved">The ILR settings were saved.</Banner>}
      <ErrorSummary error={error} />
      <Field id={fieldId("f", "name")} label="Programme name" value={name} onChange={setName} width="l" readOnly={!canEdit} error={errs.name} />
      <div className="field">
        <span className="label" id="year-label">Academic year</span>
        <p aria-labelledby="year-label" className="value" data-testid="academic-year">{prog.academic_year}</p>
        <p className="hint">A programme's template belongs to one academic year. To run it in another year{canEdit ? <>, <button type="button" className="link-button" onClick={onClone}>clone it into that year</button></> : ", clone it into that year"}: codes no longer valid there are removed and listed.</p>
      </div>
      <Checkbox id="ilr-enabled" label="ILR enabled" checked={enabled} onChange={setEnabled} disabled={!canEdit} hint="Learners on this programme get an ILR." />
      <Checkbox id="allow-sign" label="Allow to sign without verification" checked={allow} onChange={setAllow} disabled={!canEdit}
        hint="If ticked, the learner can sign before an administrator has reviewed the ILR (advised for apprenticeships; untick for traineeships)." />
      <dl className="summary-list">
        <div><dt>Template revision</dt><dd>{prog.template_revision || "not set"}</dd></div>
        <div><dt>Learners enrolled</dt><dd>{prog.enrolment_count}</dd></div>
        <div><dt>Last updated</dt><dd>{ukDateTime(prog.updated_at)}</dd></div>
      </dl>
      {canEdit && <button type="submit" className="btn" disabled={busy} data-testid="main-confirm">{busy ? "Saving…" : "Confirm"}</button>}
    </form>
  );
}

// ---------------- Template ----------------

type Loose = Record<string, unknown>;
const NUMERIC = new Set(["ProgType", "StdCode", "FundModel", "planned_duration_months", "planned_otj_hours", "AimType", "PwayCode", "AFinCode", "AFinAmount", "offset_days"]);

function toApi(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toApi);
  if (value && typeof value === "object") {
    const out: Loose = {};
    for (const [k, v] of Object.entries(value as Loose)) {
      if (NUMERIC.has(k)) {
        const s = v === null || v === undefined ? "" : String(v).trim();
        out[k] = s === "" ? null : Number.isFinite(Number(s)) ? Number(s) : s;
      } else if (typeof v === "string") {
        out[k] = v.trim() === "" ? null : v.trim();
      } else out[k] = toApi(v);
    }
    return out;
  }
  return value;
}

function items(lists: ResolvedLists, name: string): CodeItem[] {
  const l = lists.lists[name];
  return Array.isArray(l) ? l : [];
}
const opts = (xs: CodeItem[]) => xs.map((c) => ({ value: String(c.code), label: `${c.code} – ${c.label}` }));
/** A code field: a select of the API's list, a plain input while the list is unavailable (readOnly while it loads). */
function codeField(lists: ResolvedLists, options: Option[] | null, plain: "text" | "number") {
  const loading = lists.status === "loading";
  return options || loading
    ? { kind: "select" as const, options: options ?? [], loading }
    : { kind: plain, options: undefined, loading: false };
}

const emptyTemplate = (): IlrTemplate => ({
  ProgType: null, StdCode: null, FundModel: null, planned_duration_months: null, planned_otj_hours: null,
  LearningDelivery: [{ key: "prog", LearnAimRef: "ZPROG001", AimType: 1, DelLocPostCode: "", EPAOrgID: "", LearningDeliveryFAM: [], AppFinRecord: [] }],
});

function TemplateTab({ prog, canEdit, onSaved }: { prog: Programme; canEdit: boolean; onSaved: () => void }) {
  const [doc, setDoc] = useState<TemplateDoc | null>(null);
  const [t, setT] = useState<IlrTemplate | null>(null);
  const lists = useCodeLists(prog.academic_year);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const errs = errorMap(error);
  const id = (path: string) => fieldId("t", path);

  useEffect(() => {
    programmes.getTemplate(prog.id).then((r) => {
      setDoc(r.data);
      setT(r.data.template ? structuredClone(r.data.template) : emptyTemplate());
    }).catch(setError);
  }, [prog.id]);

  if (!t) return error ? <ErrorSummary error={error} /> : <Loading what="Loading template" />;

  const set = (path: (string | number)[], value: unknown) => {
    setT((old) => {
      const next = structuredClone(old!) as unknown as Loose;
      let cur: Loose = next;
      for (let i = 0; i < path.length - 1; i++) cur = cur[path[i] as string] as Loose;
      cur[path[path.length - 1] as string] = value;
      return next as unknown as IlrTemplate;
    });
  };
  const aims = t.LearningDelivery ?? [];
  const stdCodes = items(lists, "StdCode");
  const cfProgType = codeField(lists, flatOptions(lists, "ProgType"), "number");
  const cfFundModel = codeField(lists, flatOptions(lists, "FundModel"), "number");
  const cfAimType = codeField(lists, flatOptions(lists, "AimType"), "number");
  const famTypes = codeField(lists, typeOptions(lists, "LearnDelFAMType"), "text");
  const finTypes = codeField(lists, typeOptions(lists, "AFinType"), "text");

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const r = await programmes.putTemplate(prog.id, toApi(t) as IlrTemplate);
      setDoc(r.data);
      if (r.data.template) setT(structuredClone(r.data.template));
      setSaved(r.data.revision);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const ro = !canEdit;
  return (
    <form onSubmit={save} className="form-block" noValidate>
      {saved !== null && <Banner kind="success" title={`Template saved (revision ${saved})`} focus>The change is being applied to every learner's ILR on this programme, except fields a person has set by hand.</Banner>}
      <ErrorSummary error={error} idPrefix="t" />
      <CodeListsProblem lists={lists} />
      <p className="hint">Revision {doc?.revision ?? 0}{doc?.updated_at ? `, last saved ${ukDateTime(doc.updated_at)}` : " — not saved yet"}. Codes are from the {prog.academic_year} code lists.</p>
      <fieldset className="fieldset">
        <legend><h2 className="legend-heading">Programme</h2></legend>
        <div className="grid-3">
          <Field id={id("ProgType")} label="Programme type (ProgType)" {...cfProgType} value={t.ProgType} onChange={(v) => set(["ProgType"], v)} readOnly={ro || cfProgType.loading} error={errs.ProgType} width="l" />
          <Field id={id("StdCode")} label="Apprenticeship standard code (StdCode)" hint="The LARS standard code." value={t.StdCode} onChange={(v) => set(["StdCode"], v)} readOnly={ro} error={errs.StdCode}
            kind={stdCodes.length > 0 && stdCodes.length <= 400 ? "select" : "number"} options={opts(stdCodes)} list={stdCodes.length > 400 ? "stdcodes" : undefined} width="l" />
          <Field id={id("FundModel")} label="Funding model (FundModel)" {...cfFundModel} value={t.FundModel} onChange={(v) => set(["FundModel"], v)} readOnly={ro || cfFundModel.loading} error={errs.FundModel} width="l" />
          <Field id={id("planned_otj_hours")} label="Planned off-the-job hours" kind="number" value={t.planned_otj_hours} onChange={(v) => set(["planned_otj_hours"], v)} readOnly={ro} error={errs.planned_otj_hours} width="s" />
          <Field id={id("planned_duration_months")} label="Planned duration (months)" hint="Sets each learner's planned end date from their start date." kind="number" value={t.planned_duration_months} onChange={(v) => set(["planned_duration_months"], v)} readOnly={ro} error={errs.planned_duration_months} width="s" />
        </div>
        {stdCodes.length > 400 && <datalist id="stdcodes">{stdCodes.map((c) => <option key={String(c.code)} value={String(c.code)}>{c.label}</option>)}</datalist>}
      </fieldset>

      <fieldset className="fieldset">
        <legend><h2 className="legend-heading">List of aim references</h2></legend>
        {aims.length === 0 && <Empty>No aims. Add the programme aim (ZPROG001) and its component aims.</Empty>}
        {aims.map((a, i) => {
          const p = (k: string) => `LearningDelivery.${i}.${k}`;
          return (
            <section key={i} className="aim-card" aria-labelledby={`aim-h-${i}`} data-testid={`aim-${i}`}>
              <div className="aim-head">
                <h3 id={`aim-h-${i}`}>Aim {i + 1}: {a.LearnAimRef || "new aim"}</h3>
                {!ro && <button type="button" className="link-button danger" onClick={() => set(["LearningDelivery"], aims.filter((_, j) => j !== i))} aria-label={`Remove aim ${i + 1}`}>Remove</button>}
              </div>
              <div className="grid-3">
                <Field id={id(p("key"))} label="Key" hint="Links learners' aims to this template aim across revisions." value={a.key} onChange={(v) => set(["LearningDelivery", i, "key"], v)} readOnly={ro || !!doc?.template?.LearningDelivery?.some((x) => x.key === a.key && a.key)} error={errs[p("key")]} width="s" />
                <Field id={id(p("LearnAimRef"))} label="Learning aim reference (LearnAimRef)" value={a.LearnAimRef} onChange={(v) => set(["LearningDelivery", i, "LearnAimRef"], v.toUpperCase())} readOnly={ro} error={errs[p("LearnAimRef")]} width="s" />
                <Field id={id(p("AimType"))} label="Aim type (AimType)" {...cfAimType} value={a.AimType} onChange={(v) => set(["LearningDelivery", i, "AimType"], v)} readOnly={ro || cfAimType.loading} error={errs[p("AimType")]} width="l" />
                <Field id={id(p("DelLocPostCode"))} label="Delivery location postcode (DelLocPostCode)" value={a.DelLocPostCode} onChange={(v) => set(["LearningDelivery", i, "DelLocPostCode"], v.toUpperCase())} readOnly={ro} error={errs[p("DelLocPostCode")]} width="s" />
                <Field id={id(p("EPAOrgID"))} label="End-point assessment organisation (EPAOrgID)" value={a.EPAOrgID} onChange={(v) => set(["LearningDelivery", i, "EPAOrgID"], v.toUpperCase())} readOnly={ro} error={errs[p("EPAOrgID")]} width="s" />
              </div>
              <h4>Learning delivery FAMs</h4>
              <table className="table compact">
                <thead><tr><th scope="col">Type (LearnDelFAMType)</th><th scope="col">Code (LearnDelFAMCode)</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
                <tbody>
                  {(a.LearningDeliveryFAM ?? []).map((f, j) => {
                    const fp = (k: string) => `${p("LearningDeliveryFAM")}.${j}.${k}`;
                    const codes = codeField(lists, typedCodeOptions(lists, "LearnDelFAMType", f.LearnDelFAMType), "text");
                    return (
                      <tr key={j}>
                        <td><Field id={id(fp("LearnDelFAMType"))} label={`FAM ${j + 1} type`} {...famTypes} value={f.LearnDelFAMType} onChange={(v) => set(["LearningDelivery", i, "LearningDeliveryFAM", j, "LearnDelFAMType"], v)} readOnly={ro || famTypes.loading} error={errs[fp("LearnDelFAMType")]} width="s" /></td>
                        <td><Field id={id(fp("LearnDelFAMCode"))} label={`FAM ${j + 1} code`} {...codes} value={f.LearnDelFAMCode} onChange={(v) => set(["LearningDelivery", i, "LearningDeliveryFAM", j, "LearnDelFAMCode"], v)} readOnly={ro || codes.loading} error={errs[fp("LearnDelFAMCode")]} width="l" /></td>
                        <td>{!ro && <button type="button" className="link-button danger" onClick={() => set(["LearningDelivery", i, "LearningDeliveryFAM"], (a.LearningDeliveryFAM ?? []).filter((_, k) => k !== j))} aria-label={`Remove FAM ${j + 1} of aim ${i + 1}`}>Remove</button>}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              {!ro && <button type="button" className="btn btn-secondary btn-small" onClick={() => set(["LearningDelivery", i, "LearningDeliveryFAM"], [...(a.LearningDeliveryFAM ?? []), { LearnDelFAMType: "", LearnDelFAMCode: "" }])} data-testid={`add-fam-${i}`}>Add new FAM</button>}

              <h4>Financial records</h4>
              <table className="table compact">
                <thead><tr><th scope="col">Type</th><th scope="col">Code</th><th scope="col">Amount (£)</th><th scope="col">Days after start</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
                <tbody>
                  {(a.AppFinRecord ?? []).map((f, j) => {
                    const fp = (k: string) => `${p("AppFinRecord")}.${j}.${k}`;
                    const codes = codeField(lists, typedCodeOptions(lists, "AFinType", f.AFinType), "number");
                    return (
                      <tr key={j}>
                        <td><Field id={id(fp("AFinType"))} label={`Record ${j + 1} type`} {...finTypes} value={f.AFinType} onChange={(v) => set(["LearningDelivery", i, "AppFinRecord", j, "AFinType"], v)} readOnly={ro || finTypes.loading} error={errs[fp("AFinType")]} width="s" /></td>
                        <td><Field id={id(fp("AFinCode"))} label={`Record ${j + 1} code`} {...codes} value={f.AFinCode} onChange={(v) => set(["LearningDelivery", i, "AppFinRecord", j, "AFinCode"], v)} readOnly={ro || codes.loading} error={errs[fp("AFinCode")]} width="l" /></td>
                        <td><Field id={id(fp("AFinAmount"))} label={`Record ${j + 1} amount`} kind="number" value={f.AFinAmount} onChange={(v) => set(["LearningDelivery", i, "AppFinRecord", j, "AFinAmount"], v)} readOnly={ro} error={errs[fp("AFinAmount")]} width="s" /></td>
                        <td><Field id={id(fp("offset_days"))} label={`Record ${j + 1} offset days`} kind="number" value={f.offset_days} onChange={(v) => set(["LearningDelivery", i, "AppFinRecord", j, "offset_days"], v)} readOnly={ro} error={errs[fp("offset_days")]} width="s" /></td>
                        <td>{!ro && <button type="button" className="link-button danger" onClick={() => set(["LearningDelivery", i, "AppFinRecord"], (a.AppFinRecord ?? []).filter((_, k) => k !== j))} aria-label={`Remove financial record ${j + 1} of aim ${i + 1}`}>Remove</button>}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              {!ro && <button type="button" className="btn btn-secondary btn-small" onClick={() => set(["LearningDelivery", i, "AppFinRecord"], [...(a.AppFinRecord ?? []), { AFinType: "TNP", AFinCode: 1, AFinAmount: null, offset_days: 0 }])} data-testid={`add-fin-${i}`}>Add new financial record</button>}
            </section>
          );
        })}
        {!ro && <button type="button" className="btn btn-secondary" data-testid="add-aim" onClick={() => set(["LearningDelivery"], [...aims, {
          key: aims.some((x) => x.key === "prog") ? `aim${aims.length + 1}` : "prog", LearnAimRef: "", AimType: null, DelLocPostCode: aims[0]?.DelLocPostCode ?? "", EPAOrgID: "", LearningDeliveryFAM: [], AppFinRecord: [],
        }])}>Add new aim</button>}
      </fieldset>
      {canEdit && <div className="button-row sticky-actions"><button type="submit" className="btn" disabled={busy} data-testid="template-confirm">{busy ? "Saving…" : "Confirm"}</button></div>}
    </form>
  );
}

// ---------------- Enrolments ----------------

function EnrolmentsTab({ prog, canEdit, onChanged }: { prog: Programme; canEdit: boolean; onChanged: () => void }) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<{ items: Enrolment[]; next_cursor: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [reload, setReload] = useState(0);
  const [withdrawing, setWithdrawing] = useState<Enrolment | null>(null);
  const [withdrawn, setWithdrawn] = useState<Enrolment | null>(null);
  useEffect(() => {
    setPage(null);
    programmes.enrolments(prog.id, { limit: 25, cursor: cursors[cursors.length - 1] }).then((r) => setPage(r.data)).catch((e) => { setError(e); setPage({ items: [], next_cursor: null }); });
  }, [prog.id, cursors, reload]);
  return (
    <div>
      {canEdit && <EnrolForm prog={prog} onDone={() => { setCursors([null]); setReload((x) => x + 1); onChanged(); }} />}
      <h2>Enrolled learners</h2>
      <ErrorSummary error={error} />
      {withdrawn && <Banner kind="success" title="Enrolment withdrawn" focus><p data-testid="withdrawn-message">{withdrawn.learner.GivenNames} {withdrawn.learner.FamilyName} ({withdrawn.learner.LearnRefNumber}) is withdrawn. Their ILR is marked withdrawn and left out of the return.</p></Banner>}
      {withdrawing && (
        <WithdrawForm prog={prog} enrolment={withdrawing} onCancel={() => setWithdrawing(null)}
          onDone={(en) => { setWithdrawing(null); setWithdrawn(en); setReload((x) => x + 1); onChanged(); }} />
      )}
      {!page ? <Loading what="Loading enrolments" /> : page.items.length === 0 ? <Empty>No learners are enrolled on this programme yet.</Empty> : (
        <table className="table" data-testid="enrolments-table">
          <thead><tr><th scope="col">Learner ref</th><th scope="col">ULN</th><th scope="col">Name</th><th scope="col">Date of birth</th><th scope="col">Start</th><th scope="col">Planned end</th><th scope="col">Status</th><th scope="col"><span className="visually-hidden">ILR</span></th></tr></thead>
          <tbody>
            {page.items.map((en) => (
              <tr key={en.id}>
                <td>{en.learner.LearnRefNumber}</td>
                <td>{en.learner.ULN}</td>
                <td>{en.learner.GivenNames} {en.learner.FamilyName}</td>
                <td>{ukDate(en.learner.DateOfBirth)}</td>
                <td>{ukDate(en.LearnStartDate)}</td>
                <td>{ukDate(en.LearnPlanEndDate)}</td>
                <td>{en.status === "active" ? "Active" : <>Withdrawn{en.withdrawn_on ? ` on ${ukDate(en.withdrawn_on)}` : ""}{en.withdraw_reason ? <span className="hint"> ({en.withdraw_reason})</span> : null}</>}</td>
                <td>
                  <Link to={`/ilrs?learn_ref=${encodeURIComponent(en.learner.LearnRefNumber)}&programme_id=${prog.id}`}>View ILR</Link>
                  {canEdit && en.status === "active" && <> · <button type="button" className="link-button" data-testid={`withdraw-${en.learner.LearnRefNumber}`} onClick={() => { setWithdrawn(null); setWithdrawing(en); }}>Withdraw<span className="visually-hidden"> {en.learner.GivenNames} {en.learner.FamilyName}</span></button></>}
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

function todayIso(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** Withdraws an enrolment: the learner's ILR is marked withdrawn and left out of the ILR return. */
function WithdrawForm({ prog, enrolment, onCancel, onDone }: { prog: Programme; enrolment: Enrolment; onCancel: () => void; onDone: (en: Enrolment) => void }) {
  const [reason, setReason] = useState("");
  const [on, setOn] = useState(todayIso());
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errs = errorMap(error);
  const name = `${enrolment.learner.GivenNames} ${enrolment.learner.FamilyName}`;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) return setError(new ApiError(422, { detail: "Give a reason for the withdrawal.", errors: [{ path: "body.reason", message: "Enter the reason" }] }));
    if (!/^\d{4}-\d{2}-\d{2}$/.test(on)) return setError(new ApiError(422, { detail: "Enter the date as dd/mm/yyyy.", errors: [{ path: "body.withdrawn_on", message: "Enter a real date" }] }));
    setBusy(true);
    setError(null);
    try {
      const r = await programmes.withdraw(prog.id, enrolment.id, reason.trim(), on);
      onDone(r.data);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} className="card" aria-labelledby="withdraw-h" noValidate data-testid="withdraw-form">
      <h3 id="withdraw-h">Withdraw {name} ({enrolment.learner.LearnRefNumber})</h3>
      <p data-testid="withdraw-effect">Withdrawing ends this enrolment. The learner's ILR is marked withdrawn and left out of the ILR return from the next export; the ILR and its history are kept. This cannot be undone here.</p>
      <ErrorSummary error={error} />
      <Field id="withdraw-reason" label="Reason" kind="textarea" value={reason} onChange={setReason} error={errs.reason} testId="withdraw-reason" hint="For example: left the employer, moved to another provider." />
      <Field id="withdraw-on" label="Date of withdrawal" kind="date" value={on} onChange={setOn} error={errs.withdrawn_on} testId="withdraw-date" width="s" />
      <div className="button-row">
        <button type="submit" className="btn btn-warning" disabled={busy} data-testid="withdraw-confirm">{busy ? "Withdrawing…" : "Withdraw enrolment"}</button>
        <button type="button" className="btn btn-secondary" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}

const blankLearner = { LearnRefNumber: "", ULN: "", GivenNames: "", FamilyName: "", DateOfBirth: "", Email: "", Postcode: "" };

function EnrolForm({ prog, onDone }: { prog: Programme; onDone: () => void }) {
  const [l, setL] = useState({ ...blankLearner });
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<Enrolment | null>(null);
  const [busy, setBusy] = useState(false);
  const errs = errorMap(error);
  const ulnMsg = useMemo(() => ulnProblem(l.ULN), [l.ULN]);
  const ulnOk = l.ULN.length === 10 && !ulnMsg;
  const e = (k: string) => errs[`learner.${k}`] ?? errs[k];
  const upd = (k: keyof typeof blankLearner) => (v: string) => setL((o) => ({ ...o, [k]: v }));
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    setDone(null);
    const learner: Record<string, unknown> = { LearnRefNumber: l.LearnRefNumber.trim(), ULN: Number(l.ULN), GivenNames: l.GivenNames.trim(), FamilyName: l.FamilyName.trim() };
    for (const k of ["DateOfBirth", "Email", "Postcode"] as const) if (l[k].trim()) learner[k] = k === "Postcode" ? l[k].trim().toUpperCase() : l[k].trim();
    try {
      const r = await programmes.enrol(prog.id, { learner, LearnStartDate: start, ...(end ? { LearnPlanEndDate: end } : {}) });
      setDone(r.data);
      setL({ ...blankLearner });
      setStart("");
      setEnd("");
      onDone();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && err.errors.length === 0) err.errors = [{ path: "learner.LearnRefNumber", message: err.detail }];
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const id = (k: string) => fieldId("e", k);
  return (
    <form onSubmit={submit} className="card" aria-labelledby="enrol-h" noValidate>
      <h2 id="enrol-h">Enrol a learner</h2>
      {done && <Banner kind="success" title="Learner enrolled" focus>{done.learner.GivenNames} {done.learner.FamilyName} ({done.learner.LearnRefNumber}) is enrolled. Their ILR is being prefilled from the template.</Banner>}
      <ErrorSummary error={error} idPrefix="e" />
      <div className="grid-3">
        <Field id={id("learner.LearnRefNumber")} label="Learner reference number" hint="Up to 12 letters, digits or spaces." value={l.LearnRefNumber} onChange={upd("LearnRefNumber")} error={e("LearnRefNumber")} width="s" required />
        <Field id={id("learner.ULN")} label="Unique learner number (ULN)" hint="10 digits." value={l.ULN} onChange={(v) => upd("ULN")(v.replace(/\s/g, ""))} inputMode="numeric" width="s" required
          error={e("ULN") ?? (l.ULN.length >= 10 || !/^\d*$/.test(l.ULN) ? ulnMsg : null)}
          extra={ulnOk ? <span className="ok" data-testid="uln-ok" aria-live="polite">✓ valid check digit</span> : null} />
        <Field id={id("learner.DateOfBirth")} label="Date of birth" kind="date" value={l.DateOfBirth} onChange={upd("DateOfBirth")} error={e("DateOfBirth")} width="s" />
        <Field id={id("learner.GivenNames")} label="Given names" value={l.GivenNames} onChange={upd("GivenNames")} error={e("GivenNames")} required />
        <Field id={id("learner.FamilyName")} label="Family name" value={l.FamilyName} onChange={upd("FamilyName")} error={e("FamilyName")} required />
        <Field id={id("learner.Email")} label="Email" kind="email" value={l.Email} onChange={upd("Email")} error={e("Email")} />
        <Field id={id("learner.Postcode")} label="Postcode" value={l.Postcode} onChange={upd("Postcode")} error={e("Postcode")} width="s" />
        <Field id={id("LearnStartDate")} label="Start date" kind="date" value={start} onChange={setStart} error={errs.LearnStartDate} width="s" required />
        <Field id={id("LearnPlanEndDate")} label="Planned end date" hint="Leave empty to use the template's planned duration." kind="date" value={end} onChange={setEnd} error={errs.LearnPlanEndDate} width="s" />
      </div>
      <button type="submit" className="btn" disabled={busy} data-testid="enrol-submit">{busy ? "Enrolling…" : "Enrol learner"}</button>
    </form>
  );
}
