import { useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { errorMap, ilrs, type Rec } from "../api";
import { hasRole } from "../auth";
import { Banner, ErrorSummary, Field, Loading, StatusTag, fieldId, useSession, useTitle } from "../components";
import { isoToday, ukDate } from "../format";
import { DELIVERY_META, DELIVERY_SECTIONS, deliveryKeys, deliveryRef, fromText, metaFor, useIlr } from "../ilr";
import { CodeListsProblem, flatOptions, useCodeLists } from "../ListEditor";
import { ConflictBanner, RecordForm, type FieldDef } from "../IlrParts";

export default function AimPage() {
  const { id = "", seq = "" } = useParams();
  const { ilr, loadError, conflict, setConflict, mutate } = useIlr(id);
  const { session } = useSession();
  const canEdit = hasRole(session, "admin");
  useTitle(seq === "new" ? "Add aim" : `Aim ${seq}`);
  if (loadError && !ilr) return <div className="page"><ErrorSummary error={loadError} /></div>;
  if (!ilr) return <div className="page"><Loading what="Loading ILR" /></div>;
  const name = `${String(ilr.record.GivenNames ?? "")} ${String(ilr.record.FamilyName ?? "")}`;
  const crumbs = (
    <p className="breadcrumbs"><Link to="/ilrs">Individual Learner Records</Link> › <Link to={`/ilrs/${ilr.id}?tab=admin`}>{name}</Link> › {seq === "new" ? "Add aim" : `Aim ${seq}`}</p>
  );
  if (seq === "new") return <div className="page">{crumbs}<NewAim ilrId={ilr.id} year={ilr.academic_year} mutate={mutate} /></div>;

  const n = Number(seq);
  const d = (ilr.record.LearningDelivery ?? []).find((x) => Number(x.AimSeqNumber) === n) as Rec | undefined;
  if (!d) return <div className="page">{crumbs}<Banner kind="error" title="Aim not found">This ILR has no aim with sequence number {seq}.</Banner></div>;
  const ref = deliveryRef(ilr, n);
  const key = deliveryKeys(ilr)[n];
  const known = DELIVERY_SECTIONS.flatMap((s) => s.fields);
  const others = Object.keys(d).filter((k) => !known.includes(k) && k !== "AimSeqNumber");
  const groups = [...DELIVERY_SECTIONS.map((s) => ({ title: s.title, paths: s.fields.map((f) => `${ref}.${f}`) })), ...(others.length ? [{ title: "Other", paths: others.map((f) => `${ref}.${f}`) }] : [])];
  const fields: FieldDef[] = [...known, ...others].map((f) => ({ path: `${ref}.${f}`, name: f, meta: metaFor(f, true, d[f]), value: d[f] }));
  return (
    <div className="page">
      {crumbs}
      <div className="page-head">
        <h1>Aim {n}: <code>{String(d.LearnAimRef ?? "")}</code> <span className="caption">{name}</span></h1>
        <StatusTag status={ilr.status} />
      </div>
      <p className="hint">{key ? <>Linked to the template aim <code>{key}</code>: fields from the template follow template changes until someone sets them here.</> : "Added by hand: not linked to the programme's template."}</p>
      <ConflictBanner conflict={conflict} onDismiss={() => setConflict(null)} />
      <RecordForm ilr={ilr} fields={fields} groups={groups} canEdit={canEdit} saveLabel="Save" testId="aim-form" groupHeading="h2"
        onSave={(body) => mutate((etag) => ilrs.patch(ilr.id, body, etag))}
        onReset={(path) => mutate((etag) => ilrs.reset(ilr.id, { fields: [path] }, etag))} />
      {canEdit && key && (
        <p><button type="button" className="link-button" onClick={() => mutate((etag) => ilrs.reset(ilr.id, { delivery: key }, etag))}>Reset this whole aim to the template</button></p>
      )}
      {d.LearnActEndDate && Number(d.CompStatus) === 3 ? (
        <Banner kind="info" title="Withdrawn from this aim"><p data-testid="aim-withdrawn">The learner withdrew on {ukDate(d.LearnActEndDate)} (reason {String(d.WithdrawReason ?? "not given")}).</p></Banner>
      ) : null}
      {canEdit && !d.LearnActEndDate && <WithdrawAim ilrId={ilr.id} seq={n} year={ilr.academic_year} mutate={mutate} />}
    </div>
  );
}

type Mutate = ReturnType<typeof useIlr>["mutate"];

function NewAim({ ilrId, year, mutate }: { ilrId: string; year: string; mutate: Mutate }) {
  const nav = useNavigate();
  const lists = useCodeLists(year);
  const names = ["LearnAimRef", "AimType", "LearnStartDate", "LearnPlanEndDate", "FundModel", "ProgType", "StdCode", "DelLocPostCode", "EPAOrgID"];
  const [v, setV] = useState<Record<string, string>>({ LearnStartDate: isoToday() });
  const [error, setError] = useState<unknown>(null);
  const errs = errorMap(error);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const body: Rec = {};
    try {
      for (const n of names) if (v[n]?.trim()) body[n] = fromText(v[n], DELIVERY_META[n].kind);
      const r = await mutate((etag) => ilrs.addDelivery(ilrId, body, etag));
      const seqs = (r.record.LearningDelivery ?? []).map((d) => Number(d.AimSeqNumber));
      nav(`/ilrs/${ilrId}/aims/${Math.max(...seqs)}`, { replace: true });
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form onSubmit={submit} noValidate>
      <h1>Add an aim</h1>
      <p className="hint">Use this for an aim the programme's template does not have. More fields can be completed after it is added.</p>
      <ErrorSummary error={error} idPrefix="n" />
      <CodeListsProblem lists={lists} />
      <div className="grid-3">
        {names.map((n) => {
          const m = metaFor(n, true);
          const loadingCodes = !!m.list && lists.status === "loading";
          const options = flatOptions(lists, m.list) ?? (loadingCodes ? [] : null);
          return <Field key={n} id={fieldId("n", n)} label={m.label} hint={<code>{n}</code>} kind={m.kind === "list" ? "textarea" : options ? "select" : m.kind} options={options ?? undefined} readOnly={loadingCodes} value={v[n] ?? ""} onChange={(x) => setV((o) => ({ ...o, [n]: x }))} error={errs[n]} />;
        })}
      </div>
      <button type="submit" className="btn" data-testid="add-aim-save">Save</button>
    </form>
  );
}

function WithdrawAim({ ilrId, seq, year, mutate }: { ilrId: string; seq: number; year: string; mutate: Mutate }) {
  const lists = useCodeLists(year);
  const reasons = flatOptions(lists, "WithdrawReason");
  const [open, setOpen] = useState(false);
  const [end, setEnd] = useState(isoToday());
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(null);
  const errs = errorMap(error);
  if (!open) return <p><button type="button" className="btn btn-secondary" onClick={() => setOpen(true)} data-testid="open-withdraw">Record a withdrawal…</button></p>;
  return (
    <form className="card subtle" onSubmit={async (e) => { e.preventDefault(); try { await mutate((etag) => ilrs.withdrawDelivery(ilrId, seq, { LearnActEndDate: end, WithdrawReason: /^\d+$/.test(reason.trim()) ? Number(reason.trim()) : reason.trim() || null }, etag)); setOpen(false); } catch (err) { setError(err); } }}>
      <h2>Withdraw from this aim</h2>
      <ErrorSummary error={error} idPrefix="w" />
      <CodeListsProblem lists={lists} />
      <Field id={fieldId("w", "LearnActEndDate")} label="Actual end date" kind="date" value={end} onChange={setEnd} error={errs.LearnActEndDate} />
      {reasons || lists.status === "loading" ? (
        <Field id={fieldId("w", "WithdrawReason")} label="Withdrawal reason" kind="select" value={reason} onChange={setReason} error={errs.WithdrawReason} width="l"
          options={reasons ?? []} readOnly={!reasons} />
      ) : <Field id={fieldId("w", "WithdrawReason")} label="Withdrawal reason (code)" kind="number" value={reason} onChange={setReason} error={errs.WithdrawReason} width="s" />}
      <div className="button-row"><button type="submit" className="btn btn-warning" data-testid="withdraw-submit">Withdraw</button><button type="button" className="btn btn-secondary" onClick={() => setOpen(false)}>Cancel</button></div>
    </form>
  );
}
