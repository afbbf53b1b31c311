import { useState } from "react";
import { ilrs, type Ilr } from "../api";
import { Banner, Checkbox, ErrorSummary, Loading, StatusTag, useSession, useTitle } from "../components";
import { STATUS_LABEL, ukDateTime } from "../format";
import { metaFor, useIlr } from "../ilr";
import { ConflictBanner, FindingsList, RecordForm, type FieldDef } from "../IlrParts";

/** A learner completes the User part of their own ILR and signs it. */
export default function MyIlrPage() {
  useTitle("My ILR");
  const { session } = useSession();
  const id = session?.claims.learner_id ?? "";
  const { ilr, loadError, conflict, setConflict, mutate } = useIlr(id);
  if (!id) return <div className="page"><Banner kind="error" title="No ILR linked">Your sign-in does not name your ILR (learner_id). Ask your provider.</Banner></div>;
  if (loadError && !ilr) return <div className="page"><ErrorSummary error={loadError} /></div>;
  if (!ilr) return <div className="page"><Loading what="Loading your ILR" /></div>;
  const fields: FieldDef[] = ilr.user_part.map((n) => ({ path: n, name: n, meta: metaFor(n), value: ilr.record[n] }));
  const userFindings = ilr.findings.filter((f) => !f.field || ilr.user_part.includes(f.field.split(/[.[]/)[0]));
  return (
    <div className="page narrow-wide">
      <div className="page-head">
        <h1>Your Individual Learner Record</h1>
        <StatusTag status={ilr.status} />
      </div>
      <p className="lead">Your training provider sends this record to the Department for Education. Please check your details, complete anything missing, then sign.</p>
      <ConflictBanner conflict={conflict} onDismiss={() => setConflict(null)} />
      <RecordForm ilr={ilr} fields={fields} canEdit={ilr.status !== "completed"} showProvenance={false} testId="learner-form"
        title={<h2>Your details</h2>} onSave={(body) => mutate((etag) => ilrs.patch(ilr.id, body, etag))} />
      {userFindings.length > 0 && (<><h2>Things to check</h2><FindingsList ilr={ilr} findings={userFindings} /></>)}
      <SignBox ilr={ilr} mutate={mutate} />
    </div>
  );
}

function SignBox({ ilr, mutate }: { ilr: Ilr; mutate: ReturnType<typeof useIlr>["mutate"] }) {
  const [agree, setAgree] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (ilr.status === "signed" || ilr.status === "qa_verified" || ilr.status === "completed")
    return <Banner kind="success" title="You have signed your ILR"><p data-testid="signed-message">{ilr.signature ? `Signed on ${ukDateTime(ilr.signature.at)}. ` : ""}Status: {STATUS_LABEL[ilr.status]}. If something changes your provider will ask you to sign again.</p></Banner>;
  if (!ilr.allowed_actions.includes("sign"))
    return <Banner kind="info" title="Not ready to sign yet"><p>Your provider is still reviewing your record. You can complete your details now; you will be asked to sign when it is ready.</p></Banner>;
  return (
    <section className="card" aria-labelledby="sign-h">
      <h2 id="sign-h">Sign your ILR</h2>
      <ErrorSummary error={error} />
      <Checkbox id="agree" label="I confirm the information in my Individual Learner Record is correct." checked={agree} onChange={setAgree} />
      <button type="button" className="btn" disabled={!agree || busy} data-testid="sign" onClick={async () => {
        setBusy(true);
        setError(null);
        try { await mutate((etag) => ilrs.transition(ilr.id, "sign", undefined, etag)); } catch (e) { setError(e); } finally { setBusy(false); }
      }}>{busy ? "Signing…" : "Sign"}</button>
    </section>
  );
}
