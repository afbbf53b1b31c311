// Helpers for one learner's ILR: field paths, provenance, field metadata, diffs, and the
// load/save cycle with ETags (If-Match) and 412 handling.
import { useCallback, useEffect, useState } from "react";
import { ApiError, ilrs, type Ilr, type Provenance, type Rec, type Resp } from "./api";

export const DELIVERY = "LearningDelivery";

/** seq → template key. Uses `delivery_keys` when the API sends it, else infers it from provenance paths. */
export function deliveryKeys(ilr: Ilr): Record<number, string> {
  const sent = ilr.delivery_keys;
  if (sent && typeof sent === "object" && !Array.isArray(sent)) {
    const out: Record<number, string> = {};
    for (const [k, v] of Object.entries(sent)) out[Number(k)] = v;
    return out;
  }
  const keys: string[] = [];
  const seqsWithOwnPaths = new Set<number>();
  for (const path of Object.keys(ilr.provenance ?? {})) {
    const mk = /^LearningDelivery\[key=([^\]]+)\]/.exec(path);
    if (mk && !keys.includes(mk[1])) keys.push(mk[1]);
    const ms = /^LearningDelivery\[seq=(\d+)\]/.exec(path);
    if (ms) seqsWithOwnPaths.add(Number(ms[1]));
  }
  const seqs = (ilr.record.LearningDelivery ?? [])
    .map((d) => Number(d.AimSeqNumber))
    .filter((s) => !seqsWithOwnPaths.has(s))
    .sort((a, b) => a - b);
  const out: Record<number, string> = {};
  seqs.forEach((s, i) => {
    if (keys[i] !== undefined) out[s] = keys[i];
  });
  return out;
}

export function deliveryRef(ilr: Ilr, seq: number): string {
  const key = deliveryKeys(ilr)[seq];
  return key !== undefined ? `${DELIVERY}[key=${key}]` : `${DELIVERY}[seq=${seq}]`;
}

export function provenanceOf(ilr: Ilr, path: string): Provenance | undefined {
  const p = ilr.provenance ?? {};
  if (p[path]) return p[path];
  const m = /^LearningDelivery\[(key|seq)=([^\]]+)\]\.(.+)$/.exec(path);
  if (!m) return undefined;
  const keys = deliveryKeys(ilr);
  if (m[1] === "key") {
    const seq = Object.entries(keys).find(([, k]) => k === m[2])?.[0];
    return seq ? p[`${DELIVERY}[seq=${seq}].${m[3]}`] : undefined;
  }
  const key = keys[Number(m[2])];
  return key ? p[`${DELIVERY}[key=${key}].${m[3]}`] : undefined;
}

/** Path → value, deliveries under LearningDelivery[key=…] / [seq=…] (as the backend's diffs). */
export function flatten(record: Rec, keys: Record<number, string> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record ?? {})) {
    if (name !== DELIVERY || !Array.isArray(value)) {
      out[name] = value;
      continue;
    }
    for (const d of value as Rec[]) {
      const seq = Number(d.AimSeqNumber);
      const ref = keys[seq] !== undefined ? `${DELIVERY}[key=${keys[seq]}]` : `${DELIVERY}[seq=${seq}]`;
      for (const [k, v] of Object.entries(d)) out[`${ref}.${k}`] = v;
    }
  }
  return out;
}

export interface Change { path: string; before: unknown; after: unknown }
export function diffRecords(a: Record<string, unknown>, b: Record<string, unknown>): Change[] {
  const paths = Array.from(new Set([...Object.keys(a), ...Object.keys(b)])).sort();
  return paths.filter((p) => JSON.stringify(a[p] ?? null) !== JSON.stringify(b[p] ?? null)).map((p) => ({ path: p, before: a[p], after: b[p] }));
}

// ---- field metadata (labels in plain English + official element name) ----
export type Kind = "text" | "number" | "date" | "email" | "select" | "list";
/** `list`: the API code list offering the field's codes (a select when the list is loaded, else a plain input of `kind`). */
export interface Meta { label: string; kind: Kind; list?: string; options?: { value: string; label: string }[]; hint?: string }

export const LEARNER_META: Record<string, Meta> = {
  LearnRefNumber: { label: "Learner reference number", kind: "text" },
  PrevLearnRefNumber: { label: "Previous learner reference number", kind: "text" },
  PrevUKPRN: { label: "Previous UKPRN", kind: "number" },
  PMUKPRN: { label: "Pre-merger UKPRN", kind: "number" },
  CampId: { label: "Campus identifier", kind: "text" },
  ULN: { label: "Unique learner number (ULN)", kind: "number" },
  FamilyName: { label: "Family name", kind: "text" },
  GivenNames: { label: "Given names", kind: "text" },
  DateOfBirth: { label: "Date of birth", kind: "date" },
  Ethnicity: { label: "Ethnicity", kind: "number", list: "Ethnicity" },
  Sex: { label: "Sex", kind: "text", list: "Sex" },
  LLDDHealthProb: { label: "Learning difficulty, disability or health problem", kind: "number", list: "LLDDHealthProb" },
  NINumber: { label: "National Insurance number", kind: "text" },
  PriorAttain: { label: "Prior attainment", kind: "list" },
  Accom: { label: "Accommodation", kind: "number", list: "Accom" },
  ALSCost: { label: "Learning support cost", kind: "number" },
  PlanLearnHours: { label: "Planned learning hours", kind: "number" },
  PlanEEPHours: { label: "Planned employability, enrichment and pastoral hours", kind: "number" },
  MathGrade: { label: "GCSE maths grade", kind: "text" },
  EngGrade: { label: "GCSE English grade", kind: "text" },
  PostcodePrior: { label: "Postcode prior to enrolment", kind: "text" },
  Postcode: { label: "Postcode", kind: "text" },
  AddLine1: { label: "Address line 1", kind: "text" },
  AddLine2: { label: "Address line 2", kind: "text" },
  AddLine3: { label: "Address line 3 (town)", kind: "text" },
  AddLine4: { label: "Address line 4 (county)", kind: "text" },
  TelNo: { label: "Telephone number", kind: "text" },
  Email: { label: "Email address", kind: "email" },
  OTJActHours: { label: "Actual off-the-job hours", kind: "number" },
  LLDDandHealthProblem: { label: "Learning difficulties, disabilities and health problems", kind: "list" },
  LearnerFAM: { label: "Learner funding and monitoring (FAMs)", kind: "list" },
  ProviderSpecLearnerMonitoring: { label: "Provider-specified learner monitoring", kind: "list" },
  LearnerEmploymentStatus: { label: "Employment status", kind: "list" },
  LearnerHE: { label: "Higher education data", kind: "list" },
};
export const ADMIN_LEARNER_FIELDS = ["LearnRefNumber", "ULN", "PrevLearnRefNumber", "PrevUKPRN", "PMUKPRN", "CampId", "ALSCost", "PlanLearnHours", "PlanEEPHours", "LearnerFAM", "ProviderSpecLearnerMonitoring", "LearnerHE"];

export const DELIVERY_META: Record<string, Meta> = {
  LearnAimRef: { label: "Learning aim reference", kind: "text" },
  AimType: { label: "Aim type", kind: "number", list: "AimType" },
  AimSeqNumber: { label: "Aim sequence number", kind: "number" },
  LearnStartDate: { label: "Learning start date", kind: "date" },
  OrigLearnStartDate: { label: "Original learning start date", kind: "date" },
  LearnPlanEndDate: { label: "Planned end date", kind: "date" },
  FundModel: { label: "Funding model", kind: "number", list: "FundModel" },
  PHours: { label: "Planned hours", kind: "number" },
  OTJActHours: { label: "Actual off-the-job hours", kind: "number" },
  ProgType: { label: "Programme type", kind: "number", list: "ProgType" },
  FworkCode: { label: "Framework code", kind: "number" },
  PwayCode: { label: "Pathway code", kind: "number" },
  StdCode: { label: "Standard code", kind: "number" },
  PartnerUKPRN: { label: "Subcontracted or partnership UKPRN", kind: "number" },
  DelLocPostCode: { label: "Delivery location postcode", kind: "text" },
  LSDPostcode: { label: "Learning start date postcode", kind: "text" },
  AddHours: { label: "Additional delivery hours", kind: "number" },
  PriorLearnFundAdj: { label: "Funding adjustment for prior learning", kind: "number" },
  OtherFundAdj: { label: "Other funding adjustment", kind: "number" },
  ConRefNumber: { label: "Contract reference number", kind: "text" },
  EPAOrgID: { label: "End-point assessment organisation", kind: "text" },
  EmpOutcome: { label: "Employment outcome", kind: "number" },
  CompStatus: { label: "Completion status", kind: "number", list: "CompStatus" },
  LearnActEndDate: { label: "Actual end date", kind: "date" },
  WithdrawReason: { label: "Withdrawal reason", kind: "number", list: "WithdrawReason" },
  Outcome: { label: "Outcome", kind: "number", list: "Outcome" },
  AchDate: { label: "Achievement date", kind: "date" },
  OutGrade: { label: "Outcome grade", kind: "text" },
  SWSupAimId: { label: "Software supplier aim identifier", kind: "text" },
  LearningDeliveryFAM: { label: "Learning delivery FAMs", kind: "list" },
  AppFinRecord: { label: "Financial records", kind: "list" },
  LearningDeliveryWorkPlacement: { label: "Work placements", kind: "list" },
  HRSRecord: { label: "Planned hours records (HRS)", kind: "list" },
  ProviderSpecDeliveryMonitoring: { label: "Provider-specified delivery monitoring", kind: "list" },
  LearningDeliveryHE: { label: "Higher education delivery data", kind: "list" },
};
export const DELIVERY_SECTIONS: { title: string; fields: string[] }[] = [
  { title: "Start information", fields: ["LearnAimRef", "AimType", "LearnStartDate", "OrigLearnStartDate", "LearnPlanEndDate", "FundModel", "ProgType", "StdCode", "FworkCode", "PwayCode", "PHours", "ConRefNumber", "PartnerUKPRN", "DelLocPostCode", "LSDPostcode", "EPAOrgID", "PriorLearnFundAdj", "OtherFundAdj", "SWSupAimId"] },
  { title: "Delivery information", fields: ["LearningDeliveryFAM", "AppFinRecord", "HRSRecord", "AddHours", "OTJActHours", "LearningDeliveryWorkPlacement", "ProviderSpecDeliveryMonitoring"] },
  { title: "End information", fields: ["LearnActEndDate", "CompStatus", "WithdrawReason", "Outcome", "AchDate", "OutGrade", "EmpOutcome"] },
];

export function metaFor(name: string, delivery = false, value?: unknown): Meta {
  const m = (delivery ? DELIVERY_META : LEARNER_META)[name];
  if (m) return m;
  return { label: name, kind: value !== null && typeof value === "object" ? "list" : typeof value === "number" ? "number" : "text" };
}

/** The form's text for a value. */
export function toText(v: unknown, kind: Kind): string {
  if (v === null || v === undefined) return "";
  if (kind === "list" || typeof v === "object") return JSON.stringify(v, null, 2);
  return String(v);
}

/** Text → API value; throws with a readable message for a bad list. */
export function fromText(s: string, kind: Kind): unknown {
  const t = s.trim();
  if (t === "") return null;
  if (kind === "date") {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(t)) throw new Error(`“${t}” is not a date: enter it as dd/mm/yyyy.`);
    return t;
  }
  if (kind === "number") return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
  if (kind === "select") return /^\d+$/.test(t) ? Number(t) : t;
  if (kind === "list") {
    try {
      return JSON.parse(t);
    } catch {
      throw new Error("This list is not valid JSON.");
    }
  }
  return t;
}

export interface Conflict { by: string; at: string; changes: Change[] }

/** Loads one ILR and runs mutations with its ETag; a 412 reloads and reports what changed meanwhile. */
export function useIlr(id: string) {
  const [ilr, setIlr] = useState<Ilr | null>(null);
  const [etag, setEtag] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);

  const reload = useCallback(async () => {
    try {
      const r = await ilrs.get(id);
      setIlr(r.data);
      setEtag(r.etag ?? `"${r.data.id}:${r.data.version}"`);
      setLoadError(null);
      return r.data;
    } catch (e) {
      setLoadError(e);
      return null;
    }
  }, [id]);
  useEffect(() => { void reload(); }, [reload]);

  const mutate = useCallback(
    async (call: (etag: string | null) => Promise<Resp<Ilr>>): Promise<Ilr> => {
      const before = ilr;
      try {
        const r = await call(etag ?? (ilr ? `"${ilr.id}:${ilr.version}"` : null));
        setIlr(r.data);
        setEtag(r.etag ?? `"${r.data.id}:${r.data.version}"`);
        setConflict(null);
        return r.data;
      } catch (e) {
        if (e instanceof ApiError && (e.status === 412 || e.status === 428) && before) {
          const fresh = await reload();
          if (fresh) {
            const changes = diffRecords(flatten(before.record, deliveryKeys(before)), flatten(fresh.record, deliveryKeys(fresh)));
            if (before.status !== fresh.status) changes.unshift({ path: "status", before: before.status, after: fresh.status });
            setConflict({ by: fresh.updated_by, at: fresh.updated_at, changes });
          }
        }
        throw e;
      }
    },
    [ilr, etag, reload],
  );
  return { ilr, etag, loadError, conflict, setConflict, reload, mutate, setIlr };
}
