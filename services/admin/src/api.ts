// The gateway HTTP contract (docs/api.md). Every call goes to the same origin under /api/.
import { clearSession, loadSession } from "./auth";
import { getConfig } from "./config";

export interface FieldError {
  path: string;
  message: string;
  type?: string;
}

export class ApiError extends Error {
  status: number;
  detail: string;
  errors: FieldError[];
  body: Record<string, unknown>;
  constructor(status: number, body: Record<string, unknown>) {
    const detail = typeof body.detail === "string" ? body.detail : defaultMessage(status);
    super(detail);
    this.status = status;
    this.detail = detail;
    this.errors = Array.isArray(body.errors) ? (body.errors as FieldError[]) : [];
    if (Array.isArray(body.detail)) {
      // FastAPI's default validation shape: [{"loc": [...], "msg": "..."}]
      this.errors = (body.detail as { loc?: unknown[]; msg?: string; type?: string }[]).map((e) => ({
        path: (e.loc ?? []).join("."),
        message: e.msg ?? "Invalid value",
        type: e.type,
      }));
      this.detail = "Some values are not valid.";
      this.message = this.detail;
    }
    this.body = body;
  }
}

function defaultMessage(status: number): string {
  switch (status) {
    case 401: return "Your sign-in is missing or has expired. Please sign in again.";
    case 403: return "Your role does not allow this.";
    case 404: return "Not found (or it belongs to another provider).";
    case 409: return "This conflicts with the current state.";
    case 412: return "Someone else changed this record while you were editing.";
    case 428: return "The record version is missing (If-Match).";
    case 422: return "Some values are not valid.";
    default: return status >= 500 ? "The service is not available right now. Please try again." : `Request failed (${status}).`;
  }
}

export interface Resp<T> {
  data: T;
  etag: string | null;
  headers: Headers;
}

type Query = Record<string, string | number | boolean | null | undefined | string[]>;

export function qs(q: Query): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === "") continue;
    if (Array.isArray(v)) v.forEach((x) => p.append(k, x));
    else p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : "";
}

export async function request<T>(
  method: string,
  path: string,
  opts: { body?: unknown; form?: FormData; ifMatch?: string | null; query?: Query; raw?: boolean } = {},
): Promise<Resp<T>> {
  const session = loadSession();
  const headers: Record<string, string> = { Accept: "application/json" };
  if (session) headers.Authorization = `Bearer ${session.token}`;
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  if (opts.ifMatch) headers["If-Match"] = opts.ifMatch;
  let res: Response;
  try {
    res = await fetch(`${getConfig().apiBase}${path}${opts.query ? qs(opts.query) : ""}`, {
      method,
      headers,
      body: opts.form ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined),
    });
  } catch {
    throw new ApiError(0, { detail: "Cannot reach the server. Check your connection and try again." });
  }
  if (!res.ok) {
    let body: Record<string, unknown> = {};
    try {
      body = await res.json();
    } catch {
      /* not JSON */
    }
    if (res.status === 401) {
      clearSession();
      window.dispatchEvent(new Event("ilr:signed-out"));
    }
    throw new ApiError(res.status, body);
  }
  const etag = res.headers.get("ETag");
  if (opts.raw) return { data: res as unknown as T, etag, headers: res.headers };
  const text = await res.text();
  return { data: (text ? JSON.parse(text) : null) as T, etag, headers: res.headers };
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

// ---- programmes ----
export interface Programme {
  id: string;
  name: string;
  academic_year: string;
  ilr_enabled: boolean;
  allow_sign_without_verification: boolean;
  template_revision: number;
  enrolment_count: number;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface Fam { LearnDelFAMType: string; LearnDelFAMCode: string; LearnDelFAMDateFrom?: string | null; LearnDelFAMDateTo?: string | null }
export interface AppFin { AFinType: string; AFinCode: number | null; AFinAmount: number | null; offset_days?: number | null; AFinDate?: string | null }
export interface TemplateAim {
  key: string;
  LearnAimRef: string;
  AimType: number | null;
  DelLocPostCode?: string | null;
  EPAOrgID?: string | null;
  PwayCode?: number | null;
  LearningDeliveryFAM?: Fam[];
  AppFinRecord?: AppFin[];
  [k: string]: unknown;
}
export interface IlrTemplate {
  ProgType: number | null;
  StdCode: number | null;
  FundModel: number | null;
  planned_duration_months?: number | null;
  planned_otj_hours?: number | null;
  LearningDelivery: TemplateAim[];
  [k: string]: unknown;
}
export interface TemplateDoc { programme_id: string; revision: number; template: IlrTemplate | null; updated_at: string | null }
export interface CodeItem { code: string | number; label: string }
export interface CodeLists {
  academic_year: string;
  lists: Record<string, CodeItem[] | Record<string, CodeItem[]>>;
  type_labels?: Record<string, Record<string, string>>;
}
export interface RemovedCode { path: string; code: string; reason: string }

export interface EnrolmentLearner {
  LearnRefNumber: string; ULN: number; GivenNames: string; FamilyName: string;
  DateOfBirth?: string | null; Email?: string | null; Postcode?: string | null;
}
export interface Enrolment {
  id: string; programme_id: string; status: "active" | "withdrawn"; learner: EnrolmentLearner;
  LearnStartDate: string; LearnPlanEndDate?: string | null; created_at: string;
  withdraw_reason?: string | null; withdrawn_on?: string | null;
}

export const programmes = {
  list: (q: Query) => request<Page<Programme>>("GET", "/api/programmes", { query: q }),
  get: (id: string) => request<Programme>("GET", `/api/programmes/${enc(id)}`),
  create: (body: Partial<Programme>) => request<Programme>("POST", "/api/programmes", { body }),
  patch: (id: string, body: Partial<Programme>, ifMatch?: string | null) =>
    request<Programme>("PATCH", `/api/programmes/${enc(id)}`, { body, ifMatch }),
  clone: (id: string, body: { name: string; academic_year: string }) =>
    request<{ programme: Programme; removed_codes: RemovedCode[] }>("POST", `/api/programmes/${enc(id)}/clone`, { body }),
  codeLists: (year: string) => request<CodeLists>("GET", "/api/programmes/code-lists", { query: { academic_year: year } }),
  getTemplate: (id: string) => request<TemplateDoc>("GET", `/api/programmes/${enc(id)}/ilr-template`),
  putTemplate: (id: string, t: IlrTemplate) => request<TemplateDoc>("PUT", `/api/programmes/${enc(id)}/ilr-template`, { body: t }),
  enrolments: (id: string, q: Query) => request<Page<Enrolment>>("GET", `/api/programmes/${enc(id)}/enrolments`, { query: q }),
  enrol: (id: string, body: unknown) => request<Enrolment>("POST", `/api/programmes/${enc(id)}/enrolments`, { body }),
  withdraw: (id: string, eid: string, reason: string, withdrawnOn?: string) =>
    request<Enrolment>("POST", `/api/programmes/${enc(id)}/enrolments/${enc(eid)}/withdraw`, {
      body: withdrawnOn ? { reason, withdrawn_on: withdrawnOn } : { reason },
    }),
};

// ---- ILRs ----
export interface IlrSummary {
  id: string; programme_id: string; enrolment_id: string; academic_year: string; status: string; version: number;
  LearnRefNumber: string; ULN: number | string; GivenNames: string; FamilyName: string; updated_at: string;
  error_count?: number; warning_count?: number;
}
export interface Finding { rule: string; severity: "error" | "warning" | string; message: string; field?: string | null }
export interface Provenance { source: "template" | "enrolment" | "person" | string; revision?: number; actor?: string; at?: string }
export type Rec = Record<string, unknown>;
export interface Ilr {
  id: string; tenant: string; programme_id: string; enrolment_id: string; academic_year: string; status: string;
  version: number; template_revision: number; withdrawn: boolean;
  record: Rec & { LearningDelivery?: Rec[] };
  user_part: string[];
  provenance: Record<string, Provenance>;
  /** AimSeqNumber → template aim key (deliveries linked to the programme's template). */
  delivery_keys?: Record<string, string>;
  signature: { version: number; by: string; at: string } | null;
  allowed_actions: string[];
  /** Actions the status would allow but the content blocks, with the reason. */
  blocked_actions?: Record<string, string>;
  findings: Finding[];
  updated_at: string; updated_by: string;
}
export interface VersionItem { version: number; at: string; actor: string; source: string; action?: string | null; status: string; changed_fields: string[] }
export interface VersionDoc { version: number; at: string; actor: string; source: string; status: string; record: Rec; delivery_keys?: Record<string, string>; diff: { path: string; before: unknown; after: unknown }[] }

export const ilrs = {
  list: (q: Query) => request<Page<IlrSummary>>("GET", "/api/ilrs", { query: q }),
  get: (id: string) => request<Ilr>("GET", `/api/ilrs/${enc(id)}`),
  patch: (id: string, body: { set?: Rec; unset?: string[] }, ifMatch: string | null) =>
    request<Ilr>("PATCH", `/api/ilrs/${enc(id)}`, { body, ifMatch }),
  addDelivery: (id: string, body: Rec, ifMatch: string | null) =>
    request<Ilr>("POST", `/api/ilrs/${enc(id)}/deliveries`, { body, ifMatch }),
  patchDelivery: (id: string, seq: number, body: Rec, ifMatch: string | null) =>
    request<Ilr>("PATCH", `/api/ilrs/${enc(id)}/deliveries/${seq}`, { body, ifMatch }),
  withdrawDelivery: (id: string, seq: number, body: Rec, ifMatch: string | null) =>
    request<Ilr>("POST", `/api/ilrs/${enc(id)}/deliveries/${seq}/withdraw`, { body, ifMatch }),
  reset: (id: string, body: { fields?: string[]; delivery?: string }, ifMatch: string | null) =>
    request<Ilr>("POST", `/api/ilrs/${enc(id)}/reset-to-template`, { body, ifMatch }),
  versions: (id: string) => request<{ items: VersionItem[] }>("GET", `/api/ilrs/${enc(id)}/versions`),
  version: (id: string, v: number) => request<VersionDoc>("GET", `/api/ilrs/${enc(id)}/versions/${v}`),
  restore: (id: string, v: number, ifMatch: string | null) =>
    request<Ilr>("POST", `/api/ilrs/${enc(id)}/versions/${v}/restore`, { ifMatch }),
  transition: (id: string, action: string, reason?: string, ifMatch?: string | null) =>
    request<Ilr>("POST", `/api/ilrs/${enc(id)}/transitions`, { body: reason ? { action, reason } : { action }, ifMatch }),
  validation: (id: string) => request<{ version: number; findings: Finding[] }>("GET", `/api/ilrs/${enc(id)}/validation`),
  /** Uploads an ILR XML file; `dry_run` answers with what would happen and writes nothing. */
  importFile: (file: File, q: { dry_run?: boolean; skip_invalid?: boolean; programme_id?: string }) => {
    const form = new FormData();
    form.append("file", file, file.name);
    return request<ImportReport>("POST", "/api/ilrs/import", { form, query: q });
  },
};

// ---- importing ILR files ----
export type ImportOutcome = "created" | "updated" | "unchanged" | "skipped" | "refused";
export interface ImportReport {
  academic_year: string; created: number; updated: number; unchanged: number;
  skipped: { LearnRefNumber: string | null; index: number; problems: FieldError[] }[];
  learners: { LearnRefNumber: string | null; ilr_id: string | null; outcome: ImportOutcome }[];
  file_findings: Finding[];
  /** Only in a preview (`dry_run=true`). */
  dry_run?: boolean; refused?: number; would_import?: boolean;
}

// ---- the official rule catalogue ----
export type RuleStatus = "implemented" | "needs reference data" | "not applicable" | "not implemented";
export interface RuleInfo {
  name: string; category: string; status: RuleStatus; status_text: string; needs: string[];
  severity: string; message: string;
}
export interface RuleDetail extends RuleInfo {
  reason: string; description: string; intent: string; guidance: string; definition: string; exclusions: string;
}
export interface RuleSummary {
  academic_year: string; official: number; implemented: number; implemented_with_reference_data: number;
  needs_reference_data: number; not_applicable: number; not_implemented: number;
  reference_free: number; reference_free_implemented: number;
}
export const rulesApi = {
  list: (year: string) =>
    request<{ academic_year: string; summary: RuleSummary; rules: RuleInfo[] }>("GET", "/api/rules", { query: { year } }),
  get: (name: string, year: string) => request<RuleDetail>("GET", `/api/rules/${enc(name)}`, { query: { year } }),
};

// ---- exports ----
export interface PreSubmission {
  previous_export_id: string | null; learner_count_change: number | null;
  disappeared: unknown[]; duplicate_ulns: unknown[]; duplicate_learn_refs: unknown[];
  not_selected?: { LearnRefNumber: string | null; ilr_id: string | null; status: string | null; reason: string }[];
  not_selected_count?: number;
  included_with_errors?: { LearnRefNumber: string | null; ilr_id: string | null; rules: string[] }[];
  included_with_errors_count?: number;
}
export interface ReturnPeriod { period: string; census_date: string; deadline: string }
export interface ReturnCalendar { academic_year: string; open_period: string | null; periods: (ReturnPeriod & { open: boolean })[] }
export interface Export {
  id: string; academic_year: string; purpose?: "trial" | "submission"; serial_no?: number | null; state: "queued" | "running" | "succeeded" | "failed"; statuses: string[];
  programme_ids: string[] | null; progress: { done: number; total: number };
  return_period?: ReturnPeriod | null; include_learners_with_errors?: boolean;
  counts: { included: number; left_out: number };
  validation_summary: {
    errors: number; warnings: number; by_rule: Record<string, number>;
    left_out_by_rule?: Record<string, number>; learners_with_warnings?: number;
    included_with_errors?: number; included_with_errors_by_rule?: Record<string, number>;
  } | null;
  file_name: string | null; pre_submission: PreSubmission | null; submitted_at: string | null;
  up_to_date?: boolean | null; created_at: string; finished_at: string | null; error: string | null;
}
export interface ReportLearner { LearnRefNumber: string; included: boolean; included_with_errors?: boolean; findings: Finding[] }

export const exportsApi = {
  list: (q: Query) => request<Page<Export>>("GET", "/api/exports", { query: q }),
  create: (body: {
    academic_year: string; statuses: string[]; programme_ids?: string[]; purpose?: "trial" | "submission";
    return_period?: string; include_learners_with_errors?: boolean;
  }) =>
    request<Export>("POST", "/api/exports", { body }),
  serials: (year: string) =>
    request<{ academic_year: string; used: number; remaining: number }>("GET", "/api/exports/serials", { query: { academic_year: year } }),
  calendar: (year: string) => request<ReturnCalendar>("GET", "/api/exports/calendar", { query: { academic_year: year } }),
  get: (id: string) => request<Export>("GET", `/api/exports/${enc(id)}`),
  report: (id: string) => request<{ learners: ReportLearner[] }>("GET", `/api/exports/${enc(id)}/report`),
  submitted: (id: string) => request<Export>("POST", `/api/exports/${enc(id)}/submitted`),
};

/** Downloads an authenticated file: fetches it with the bearer token and saves it under the server's file name. */
export async function downloadFile(path: string, fallbackName: string): Promise<string> {
  const { data, headers } = await request<Response>("GET", path, { raw: true });
  const blob = await data.blob();
  const cd = headers.get("Content-Disposition") ?? "";
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd);
  const name = m ? decodeURIComponent(m[1]) : fallbackName;
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

// ---- field paths from 422 errors ----
/** "body.LearningDelivery[0].LearnAimRef" / "body.LearningDelivery.0.LearnAimRef" → "LearningDelivery.0.LearnAimRef" */
export function normPath(path: string): string {
  return path
    .replace(/^body\.?/, "")
    .replace(/\[(\d+)\]/g, ".$1")
    .replace(/^\./, "");
}

export function errorMap(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (err instanceof ApiError) for (const e of err.errors) out[normPath(e.path)] = e.message;
  return out;
}
