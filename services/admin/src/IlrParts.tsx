import { useState, type FormEvent, type ReactNode } from "react";
import { Link } from "react-router-dom";
import { ApiError, ilrs, normPath, type Finding, type Ilr, type Rec } from "./api";
import { Banner, ErrorSummary, Field, ProvenanceTag, fieldId } from "./components";
import { ACTION_LABEL, STATUS_LABEL, display, ukDateTime } from "./format";
import { fromText, provenanceOf, toText, type Conflict, type Meta } from "./ilr";
import { CodeListsProblem, LIST_DEFS, ListField, checkDates, flatOptions, pruneValue, sameValue, useCodeLists } from "./ListEditor";

/** Learner fields the enrolment supplies (a reset takes them back to the enrolment's value). */
const ENROLMENT_FIELDS = ["LearnRefNumber", "ULN", "FamilyName", "GivenNames", "DateOfBirth", "Postcode", "Email"];

export interface FieldDef { path: string; name: string; meta: Meta; value: unknown }

/** Edits a set of fields of one ILR; saves only what changed with PATCH {set, unset}. */
export function RecordForm({
  ilr, fields, canEdit, onSave, onReset, title, saveLabel = "Save changes", showProvenance = true, testId, groups, groupHeading = "h3",
}: {
  groupHeading?: "h2" | "h3";
  ilr: Ilr; fields: FieldDef[]; canEdit: boolean; title?: ReactNode; saveLabel?: string; showProvenance?: boolean; testId?: string;
  groups?: { title: string; paths: string[] }[];
  onSave: (body: { set: Rec; unset: string[] }) => Promise<unknown>;
  onReset?: (path: string) => Promise<unknown>;
}) {
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const lists = useCodeLists(ilr.academic_year);
  const fieldErrors: Record<string, string> = {};
  if (error instanceof ApiError) for (const e of error.errors) fieldErrors[normPath(e.path.replace(/^body\.(set\.)?/, ""))] = e.message;
  const tableOf = (f: FieldDef) => (f.meta.kind === "list" ? LIST_DEFS[f.name] : undefined);
  const usesLists = fields.some((f) => f.meta.list || tableOf(f)?.columns.some((c) => c.list) || tableOf(f)?.nested?.def.columns.some((c) => c.list));
  /** The value shown for a field: the draft (a table's draft is kept as JSON, never shown) or the record's. */
  const listValue = (f: FieldDef) => (f.path in draft ? JSON.parse(draft[f.path]) : f.value);

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setError(null);
    setSaved(false);
    const set: Rec = {};
    const unset: string[] = [];
    try {
      for (const f of fields) {
        if (!(f.path in draft)) continue;
        const def = tableOf(f);
        if (def) {
          const v = pruneValue(listValue(f));
          checkDates(def, f.meta.label, v);
          if (sameValue(v, f.value ?? null)) continue;
          if (v === null) unset.push(f.path);
          else set[f.path] = v;
          continue;
        }
        const before = toText(f.value, f.meta.kind);
        if (draft[f.path] === before) continue;
        const v = fromText(draft[f.path], f.meta.kind);
        if (v === null) unset.push(f.path);
        else set[f.path] = v;
      }
    } catch (e) {
      setError(e);
      return;
    }
    if (Object.keys(set).length === 0 && unset.length === 0) {
      setError(new Error("Nothing has changed."));
      return;
    }
    setBusy(true);
    try {
      await onSave({ set, unset });
      setDraft({});
      setSaved(true);
    } catch (e) {
      setError(e instanceof ApiError && e.status === 412 ? null : e);
    } finally {
      setBusy(false);
    }
  };
  const dirty = Object.keys(draft).length > 0;
  return (
    <form onSubmit={submit} className="record-form" noValidate data-testid={testId}>
      {title}
      {saved && <Banner kind="success" title="Saved">Your changes were saved as a new version.</Banner>}
      <ErrorSummary error={error} idPrefix="r" />
      {usesLists && <CodeListsProblem lists={lists} />}
      {(groups ?? [{ title: "", paths: fields.map((f) => f.path) }]).map((g) => (
      <div key={g.title || "all"} className="field-group">
      {g.title && (groupHeading === "h2" ? <h2 className="group-title">{g.title}</h2> : <h3 className="group-title">{g.title}</h3>)}
      <div className="field-rows">
        {fields.filter((f) => g.paths.includes(f.path)).map((f) => {
          const prov = provenanceOf(ilr, f.path);
          const text = f.path in draft ? draft[f.path] : toText(f.value, f.meta.kind);
          const id = fieldId("r", f.path);
          const resetTo = f.path.startsWith("LearningDelivery[key=") ? "template" : ENROLMENT_FIELDS.includes(f.path) ? "enrolment" : null;
          const canReset = canEdit && onReset && prov?.source === "person" && resetTo;
          // a code field is a select of the API's list; a plain input while that list is unavailable
          const loadingCodes = !!f.meta.list && lists.status === "loading";
          const options = f.meta.options ?? flatOptions(lists, f.meta.list) ?? (loadingCodes ? [] : null);
          const kind = f.meta.kind === "list" ? "textarea" : f.meta.kind === "select" || options ? "select" : f.meta.kind;
          return (
            <div key={f.path} className={`field-row${f.path in draft ? " dirty" : ""}${tableOf(f) ? " list-row" : ""}`} data-path={f.path}>
              {tableOf(f) ? (
                <ListField id={id} idPrefix="r" path={f.path} label={f.meta.label} hint={<code>{f.name}</code>} def={tableOf(f)!}
                  value={listValue(f)} readOnly={!canEdit} lists={lists} errors={fieldErrors}
                  error={fieldErrors[f.path] ?? (Object.keys(fieldErrors).some((k) => k.startsWith(`${f.path}.`)) ? "Check the rows marked below." : null)}
                  onChange={(v) => setDraft((d) => ({ ...d, [f.path]: JSON.stringify(v) }))} />
              ) : (
              <Field id={id} label={f.meta.label} hint={<><code>{f.name}</code>{f.meta.hint ? ` · ${f.meta.hint}` : ""}</>}
                kind={kind} options={options ?? undefined}
                value={text} readOnly={!canEdit || loadingCodes} error={fieldErrors[f.path]} width={f.meta.kind === "list" ? "l" : "m"}
                onChange={(v) => setDraft((d) => ({ ...d, [f.path]: v }))} />
              )}
              {showProvenance && (
                <div className="prov-cell">
                  <ProvenanceTag p={prov} />
                  {canReset && (
                    <button type="button" className="link-button" aria-label={`Reset ${f.meta.label} to ${resetTo}`} data-testid={`reset-${f.path}`}
                      onClick={async () => { try { await onReset!(f.path); setDraft((d) => { const n = { ...d }; delete n[f.path]; return n; }); } catch (e) { setError(e); } }}>
                      Reset to {resetTo}
                    </button>
                  )}
                </div>
              )}
            </div>
          );
        })}
      </div>
      </div>
      ))}
      {canEdit && (
        <div className="button-row sticky-actions">
          <button type="submit" className="btn" disabled={busy || !dirty} data-testid="save-record">{busy ? "Saving…" : saveLabel}</button>
          {dirty && <button type="button" className="btn btn-secondary" onClick={() => setDraft({})}>Discard changes</button>}
        </div>
      )}
    </form>
  );
}

export function ConflictBanner({ conflict, onDismiss }: { conflict: Conflict | null; onDismiss: () => void }) {
  if (!conflict) return null;
  return (
    <Banner kind="warning" title="This record was changed by someone else" focus>
      <p data-testid="conflict">{conflict.by || "Someone"} saved a newer version at {ukDateTime(conflict.at)} while you were editing. Your change was not saved; the page now shows their version{conflict.changes.length ? " — what changed:" : "."}</p>
      {conflict.changes.length > 0 && (
        <table className="table compact">
          <thead><tr><th scope="col">Field</th><th scope="col">Before</th><th scope="col">Now</th></tr></thead>
          <tbody>{conflict.changes.map((c) => <tr key={c.path}><td><code>{c.path}</code></td><td>{c.path === "status" ? STATUS_LABEL[String(c.before)] : display(c.before)}</td><td>{c.path === "status" ? STATUS_LABEL[String(c.after)] : display(c.after)}</td></tr>)}</tbody>
        </table>
      )}
      <p>Your unsaved values are still in the form: check them and save again.</p>
      <button type="button" className="btn btn-secondary btn-small" onClick={onDismiss}>Dismiss</button>
    </Banner>
  );
}

const ACTION_HELP: Record<string, string> = {
  request_signature: "You have reviewed the ILR: ask the learner to sign it.",
  sign: "Sign your ILR to confirm it is correct.",
  qa_verify: "Quality check passed: mark as QA verified.",
  complete: "Mark as completed (normally done when the export holding it is submitted).",
  reopen: "Send back to newly submitted (a reason is required).",
};

/** Workflow buttons: only the actions the backend allows for this record and caller. */
export function WorkflowBar({ ilr, mutate, onDone }: { ilr: Ilr; mutate: (c: (etag: string | null) => Promise<{ data: Ilr; etag: string | null; headers: Headers }>) => Promise<Ilr>; onDone?: (i: Ilr, action: string) => void }) {
  const [message, setMessage] = useState<{ kind: "error" | "success"; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [reason, setReason] = useState("");
  const [askReason, setAskReason] = useState(false);
  const run = async (action: string) => {
    if (action === "reopen" && !askReason) {
      setAskReason(true);
      return;
    }
    if (action === "reopen" && !reason.trim()) {
      setMessage({ kind: "error", text: "Give a reason for reopening." });
      return;
    }
    setBusy(action);
    setMessage(null);
    try {
      const r = await mutate((etag) => ilrs.transition(ilr.id, action, action === "reopen" ? reason.trim() : undefined, etag));
      setMessage({ kind: "success", text: `${ACTION_LABEL[action] ?? action}: done. Status is now “${STATUS_LABEL[r.status] ?? r.status}”.` });
      setAskReason(false);
      setReason("");
      onDone?.(r, action);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        const allowed = (e.body.allowed_actions as string[] | undefined) ?? [];
        setMessage({ kind: "error", text: `${e.detail} ${allowed.length ? `What you can do now: ${allowed.map((a) => ACTION_LABEL[a] ?? a).join(", ")}.` : "No action is possible now."}` });
      } else if (e instanceof ApiError && e.status === 403) {
        setMessage({ kind: "error", text: `You cannot do this: ${e.detail}` });
      } else if (e instanceof ApiError && e.status === 412) {
        setMessage({ kind: "error", text: "The record changed meanwhile; it has been reloaded. Check it and try again." });
      } else setMessage({ kind: "error", text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(null);
    }
  };
  return (
    <section className="workflow" aria-label="Workflow" data-testid="workflow">
      <div className="workflow-steps" aria-hidden="true">
        {Object.entries(STATUS_LABEL).map(([s, l]) => <span key={s} className={`step${s === ilr.status ? " step-current" : ""}`}>{l}</span>)}
      </div>
      {message && <Banner kind={message.kind}><p data-testid="workflow-message">{message.text}</p></Banner>}
      {Object.entries(ilr.blocked_actions ?? {}).map(([a, why]) => (
        <p key={a} className="hint" data-testid={`blocked-${a}`}><strong>{ACTION_LABEL[a] ?? a} is not possible yet:</strong> {why}. See the <Link to="?tab=validation">validation findings</Link>.</p>
      ))}
      {ilr.allowed_actions.length === 0 ? <p className="hint">No workflow action is available to you for this record now.</p> : (
        <div className="button-row">
          {ilr.allowed_actions.map((a) => (
            <button key={a} type="button" className={`btn ${a === "reopen" ? "btn-warning" : ""}`} disabled={!!busy} onClick={() => run(a)} title={ACTION_HELP[a]} data-testid={`action-${a}`}>
              {busy === a ? "Working…" : ACTION_LABEL[a] ?? a}
            </button>
          ))}
        </div>
      )}
      {askReason && (
        <div className="reason">
          <Field id="reopen-reason" label="Reason for reopening" value={reason} onChange={setReason} width="l" />
          <button type="button" className="btn btn-warning" onClick={() => run("reopen")}>Confirm reopen</button>{" "}
          <button type="button" className="btn btn-secondary" onClick={() => setAskReason(false)}>Cancel</button>
        </div>
      )}
      {ilr.signature && <p className="hint">Signed by {ilr.signature.by} on {ukDateTime(ilr.signature.at)} (version {ilr.signature.version}).</p>}
    </section>
  );
}

/** Where a finding's field lives in the UI. */
export function findingLink(ilr: Ilr, f: Finding): string | null {
  if (!f.field) return null;
  const field = f.field;
  const m = /^LearningDelivery(?:\[(?:seq=)?(\d+)\]|\.(\d+))?/.exec(field);
  if (m) {
    const idx = m[1] ?? m[2];
    const ds = ilr.record.LearningDelivery ?? [];
    let seq: unknown = undefined;
    if (idx !== undefined) seq = /\[seq=/.test(field) ? Number(idx) : ds[Number(idx)]?.AimSeqNumber ?? Number(idx);
    return seq !== undefined ? `/ilrs/${ilr.id}/aims/${seq}` : `/ilrs/${ilr.id}?tab=admin`;
  }
  const top = field.split(/[.[]/)[0];
  return `/ilrs/${ilr.id}?tab=${ilr.user_part.includes(top) ? "user" : "admin"}#${fieldId("r", top)}`;
}

const RULE_HELP: Record<string, string> = {
  ULN_04: "The ULN's check digit is wrong: check the number with the learner.",
  R_06: "Two learners have the same learner reference number.",
  LearnAimRef_30: "The learning aim reference is not valid for this programme or year.",
  StdCode_01: "The apprenticeship standard code is not a valid LARS standard.",
  AFinType_12: "An apprenticeship programme aim needs a total negotiated price (TNP) record.",
  LearnDelFAMType_64: "The delivery needs the right funding and monitoring (FAM) records.",
};

export function FindingsList({ ilr, findings, emptyText = "No problems found." }: { ilr: Ilr; findings: Finding[]; emptyText?: string }) {
  if (findings.length === 0) return <Banner kind="success"><p data-testid="no-findings">{emptyText}</p></Banner>;
  return (
    <ul className="findings" data-testid="findings">
      {findings.map((f, i) => {
        const link = findingLink(ilr, f);
        return (
          <li key={i} className={`finding finding-${f.severity}`}>
            <strong className={`tag tag-${f.severity === "error" ? "error" : "warning"}`}>{f.severity === "error" ? "Error" : "Warning"}</strong>{" "}
            <Link className="rule" to={`/rules/${encodeURIComponent(f.rule)}?year=${encodeURIComponent(ilr.academic_year)}`} title="The official rule: its intent and how to correct it"><code>{f.rule}</code></Link> {f.message}
            {RULE_HELP[f.rule] && f.message !== RULE_HELP[f.rule] && <span className="hint block">{RULE_HELP[f.rule]}</span>}
            {f.field && <span className="hint block">Field: {link ? <Link to={link}>{f.field}</Link> : f.field}</span>}
          </li>
        );
      })}
    </ul>
  );
}
