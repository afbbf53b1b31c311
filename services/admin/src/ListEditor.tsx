// Editable tables for the ILR's repeatable elements (PriorAttain, LearnerFAM, LearningDeliveryFAM, …):
// add row / remove row, codes from the year's code lists, dates as dd/mm/yyyy. No JSON on screen.
import { useCallback, useEffect, useState, type ReactNode } from "react";
import { ApiError, programmes, type CodeItem, type CodeLists, type Rec } from "./api";
import { DateInput, fieldId } from "./components";

export interface Option { value: string; label: string; num?: boolean }
export interface Col {
  name: string;
  label: string;
  kind: "select" | "number" | "text" | "date";
  /** code list name: a flat list, or (with `typeOf`) a typed list whose codes depend on another column */
  list?: string;
  /** the code is an xs:int (sent as a number when typed in by hand, i.e. without its code list) */
  int?: boolean;
  /** for a code column: the column holding the type (its options are lists[list][row[typeOf]]) */
  typeOf?: string;
  /** fixed options: structural choices only (occurrence letters, contact preference types), never a code list */
  options?: Option[];
  width?: "s" | "m" | "l";
}
export interface ListDef {
  /** singular noun naming one row: "Prior attainment" → "Prior attainment 2 level" */
  row: string;
  columns: Col[];
  nested?: { name: string; label: string; def: ListDef };
  /** a single element (object), not a list */
  single?: boolean;
  max?: number;
}

const ESM: ListDef = {
  row: "Monitoring",
  max: 10,
  columns: [
    { name: "ESMType", label: "type", kind: "select", list: "ESMType" },
    { name: "ESMCode", label: "code", kind: "select", list: "ESMType", typeOf: "ESMType", int: true, width: "l" },
  ],
};
const HE_FIN: ListDef = {
  row: "Financial support",
  max: 4,
  columns: [
    { name: "FINTYPE", label: "type (code)", kind: "number", width: "s" },
    { name: "FINAMOUNT", label: "amount (£)", kind: "number", width: "s" },
  ],
};

/** Element name → how its table looks. Elements not listed here keep a plain text box. */
export const LIST_DEFS: Record<string, ListDef> = {
  PriorAttain: {
    row: "Prior attainment",
    columns: [
      { name: "PriorLevel", label: "level", kind: "select", list: "PriorLevel", int: true, width: "l" },
      { name: "DateLevelApp", label: "date applies from", kind: "date" },
    ],
  },
  LLDDandHealthProblem: {
    row: "Condition",
    max: 22,
    columns: [
      { name: "LLDDCat", label: "category", kind: "select", list: "LLDDCat", int: true, width: "l" },
      { name: "PrimaryLLDD", label: "primary", kind: "select", list: "PrimaryLLDD", int: true },
    ],
  },
  LearnerFAM: {
    row: "Learner FAM",
    max: 17,
    columns: [
      { name: "LearnFAMType", label: "type", kind: "select", list: "LearnFAMType", width: "l" },
      { name: "LearnFAMCode", label: "code", kind: "select", list: "LearnFAMType", typeOf: "LearnFAMType", int: true, width: "l" },
    ],
  },
  LearnerEmploymentStatus: {
    row: "Employment status",
    columns: [
      { name: "EmpStat", label: "status", kind: "select", list: "EmpStat", int: true, width: "l" },
      { name: "DateEmpStatApp", label: "date applies from", kind: "date" },
      { name: "EmpId", label: "employer id (ERN)", kind: "number", width: "s" },
      { name: "AgreemId", label: "agreement id", kind: "text", width: "s" },
    ],
    nested: { name: "EmploymentStatusMonitoring", label: "Employment status monitoring", def: ESM },
  },
  ProviderSpecLearnerMonitoring: {
    row: "Provider monitoring",
    max: 2,
    columns: [
      { name: "ProvSpecLearnMonOccur", label: "occurrence", kind: "select", options: [{ value: "A", label: "A" }, { value: "B", label: "B" }] },
      { name: "ProvSpecLearnMon", label: "value", kind: "text" },
    ],
  },
  LearnerHE: {
    row: "Higher education data",
    single: true,
    columns: [
      { name: "UCASPERID", label: "UCAS personal id", kind: "text" },
      { name: "TTACCOM", label: "term-time accommodation", kind: "number", width: "s" },
    ],
    nested: { name: "LearnerHEFinancialSupport", label: "Financial support", def: HE_FIN },
  },
  LearningDeliveryFAM: {
    row: "FAM",
    columns: [
      { name: "LearnDelFAMType", label: "type", kind: "select", list: "LearnDelFAMType", width: "l" },
      { name: "LearnDelFAMCode", label: "code", kind: "select", list: "LearnDelFAMType", typeOf: "LearnDelFAMType", width: "l" },
      { name: "LearnDelFAMDateFrom", label: "from", kind: "date" },
      { name: "LearnDelFAMDateTo", label: "to", kind: "date" },
    ],
  },
  AppFinRecord: {
    row: "Financial record",
    columns: [
      { name: "AFinType", label: "type", kind: "select", list: "AFinType" },
      { name: "AFinCode", label: "code", kind: "select", list: "AFinType", typeOf: "AFinType", int: true, width: "l" },
      { name: "AFinDate", label: "date", kind: "date" },
      { name: "AFinAmount", label: "amount (£)", kind: "number", width: "s" },
    ],
  },
  HRSRecord: {
    row: "Hours record",
    max: 3,
    columns: [
      { name: "HRSType", label: "type", kind: "select", list: "HRSType" },
      { name: "HRSCode", label: "code", kind: "select", list: "HRSType", typeOf: "HRSType", int: true, width: "l" },
      { name: "HRSAmount", label: "hours", kind: "number", width: "s" },
    ],
  },
  LearningDeliveryWorkPlacement: {
    row: "Work placement",
    columns: [
      { name: "WorkPlaceStartDate", label: "start date", kind: "date" },
      { name: "WorkPlaceEndDate", label: "end date", kind: "date" },
      { name: "WorkPlaceHours", label: "hours", kind: "number", width: "s" },
      { name: "WorkPlaceMode", label: "mode", kind: "select", list: "WorkPlaceMode", int: true, width: "m" },
      { name: "WorkPlaceEmpId", label: "employer id", kind: "number", width: "s" },
    ],
  },
  ProviderSpecDeliveryMonitoring: {
    row: "Provider monitoring",
    max: 4,
    columns: [
      { name: "ProvSpecDelMonOccur", label: "occurrence", kind: "select", options: ["A", "B", "C", "D"].map((v) => ({ value: v, label: v })) },
      { name: "ProvSpecDelMon", label: "value", kind: "text" },
    ],
  },
};

// ---- code lists: only the API's (GET /api/programmes/code-lists); no copy is kept in the browser ----

export type CodeListsStatus = "loading" | "ready" | "error";
export interface ResolvedLists {
  status: CodeListsStatus;
  lists: CodeLists["lists"];
  type_labels: Record<string, Record<string, string>>;
  error: unknown;
  /** fetches the lists again (after an error) */
  retry: () => void;
}
const cache = new Map<string, Promise<CodeLists>>();
const listeners = new Set<() => void>();

function fetchLists(year: string): Promise<CodeLists> {
  let p = cache.get(year);
  if (!p) {
    p = programmes.codeLists(year).then((r) => r.data);
    // a failure is not remembered: the next attempt asks the API again
    p.catch(() => { if (cache.get(year) === p) cache.delete(year); });
    cache.set(year, p);
  }
  return p;
}

/** The year's code lists, fetched once per year for every role (learners included). */
export function useCodeLists(year: string): ResolvedLists {
  const [state, setState] = useState<{ year: string; data: CodeLists | null; error: unknown }>({ year, data: null, error: null });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const bump = () => setAttempt((a) => a + 1);
    listeners.add(bump);
    return () => { listeners.delete(bump); };
  }, []);
  useEffect(() => {
    if (!year) return;
    let live = true;
    setState((s) => (s.year === year && s.data ? s : { year, data: null, error: null }));
    fetchLists(year).then(
      (data) => { if (live) setState({ year, data, error: null }); },
      (error) => { if (live) setState({ year, data: null, error: error ?? new Error("The code lists could not be loaded.") }); },
    );
    return () => { live = false; };
  }, [year, attempt]);
  // one retry refreshes every form on the page that uses the lists
  const retry = useCallback(() => { for (const l of Array.from(listeners)) l(); }, []);
  const current = state.year === year ? state : { data: null, error: null };
  const status: CodeListsStatus = current.data ? "ready" : current.error ? "error" : "loading";
  return { status, lists: current.data?.lists ?? {}, type_labels: current.data?.type_labels ?? {}, error: current.error, retry };
}

/** "1 – Programme aim" options from one API list. */
export function codeOptions(xs: CodeItem[] | undefined): Option[] {
  return (xs ?? []).map((c) => ({ value: String(c.code), label: `${c.code} – ${c.label}`, num: typeof c.code === "number" }));
}

/** A flat list's options, or null when the list is not available (then the field is a plain input). */
export function flatOptions(lists: ResolvedLists, name: string | undefined): Option[] | null {
  if (!name || lists.status !== "ready") return null;
  const l = lists.lists[name];
  return Array.isArray(l) ? codeOptions(l) : null;
}

/** A typed list's types ("SOF – Source of funding"), or null when the list is not available. */
export function typeOptions(lists: ResolvedLists, name: string): Option[] | null {
  if (lists.status !== "ready") return null;
  const l = lists.lists[name];
  if (!l || Array.isArray(l)) return null;
  const labels = lists.type_labels[name] ?? {};
  const keys = Array.from(new Set([...Object.keys(labels), ...Object.keys(l)]));
  return keys.map((k) => ({ value: k, label: labels[k] ? `${k} – ${labels[k]}` : k }));
}

/** A typed list's codes for one type, or null when there is no list for it (then the code is typed in). */
export function typedCodeOptions(lists: ResolvedLists, name: string, type: unknown): Option[] | null {
  if (lists.status !== "ready") return null;
  const l = lists.lists[name];
  if (!l || Array.isArray(l)) return null;
  if (type === undefined || type === null || type === "") return [];
  const xs = (l as Record<string, CodeItem[]>)[String(type)];
  return xs ? codeOptions(xs) : null;
}

/** The inline message shown when the code lists cannot be loaded, with a retry. */
export function CodeListsProblem({ lists }: { lists: ResolvedLists }) {
  if (lists.status !== "error") return null;
  const e = lists.error;
  const why = e instanceof ApiError ? e.detail : e instanceof Error ? e.message : "";
  return (
    <div className="inline-problem" role="alert" data-testid="code-lists-error">
      <p className="error-message"><span className="visually-hidden">Error:</span> The code lists could not be loaded{why ? ` (${why})` : ""}.</p>
      <p className="hint">Codes can still be typed in by hand; they are checked when you save.</p>
      <button type="button" className="btn btn-secondary btn-small" onClick={lists.retry} data-testid="code-lists-retry">Try again</button>
    </div>
  );
}

/** Options for a table cell; null = no list available, the cell is a plain input. */
function optionsFor(col: Col, row: Rec, lists: ResolvedLists): Option[] | null {
  if (col.options) return col.options;
  if (!col.list) return null;
  if (lists.status === "loading") return [];
  if (col.typeOf) return typedCodeOptions(lists, col.list, row[col.typeOf]);
  const flat = flatOptions(lists, col.list);
  if (flat) return flat;
  return typeOptions(lists, col.list);
}

// ---- values ----

function cellValue(col: Col, text: string, opts: Option[] | null): unknown {
  const t = text;
  if (t.trim() === "") return undefined;
  if (col.kind === "select" && opts === null) {
    // typed in by hand (no code list): a number for an int code
    const x = t.trim();
    return col.int && /^\d+$/.test(x) ? Number(x) : x;
  }
  if (col.kind === "select" && opts) {
    const o = opts.find((x) => x.value === t);
    if (o) return o.num ? Number(t) : t;
    return /^\d+$/.test(t) && (col.int || opts.some((x) => x.num)) ? Number(t) : t;
  }
  if (col.kind === "number") return /^-?\d+(\.\d+)?$/.test(t.trim()) ? Number(t.trim()) : t;
  return t;
}

/** Drops empty cells, rows and lists; trims text. null = nothing left. */
export function pruneValue(v: unknown): unknown {
  if (Array.isArray(v)) {
    const out = v.map(pruneValue).filter((x) => x !== null);
    return out.length ? out : null;
  }
  if (v && typeof v === "object") {
    const out: Rec = {};
    for (const [k, x] of Object.entries(v as Rec)) {
      const p = pruneValue(x);
      if (p !== null) out[k] = p;
    }
    return Object.keys(out).length ? out : null;
  }
  if (typeof v === "string") return v.trim() === "" ? null : v.trim();
  return v === undefined ? null : v;
}

/** Same content whatever the key order. */
export function sameValue(a: unknown, b: unknown): boolean {
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v as Rec).sort(([x], [y]) => x.localeCompare(y)).map(([k, x]) => [k, canon(x)])) : v ?? null;
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

/** Throws a readable error for a date cell that is not a date (the table keeps what was typed). */
export function checkDates(def: ListDef, label: string, v: unknown): void {
  const rows = def.single ? (v ? [v] : []) : Array.isArray(v) ? v : [];
  rows.forEach((r, i) => {
    if (!r || typeof r !== "object") return;
    for (const c of def.columns) {
      const x = (r as Rec)[c.name];
      if (c.kind === "date" && x !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(x)))
        throw new Error(`${label}, ${def.row.toLowerCase()} ${i + 1}, ${c.label}: “${String(x)}” is not a date: enter it as dd/mm/yyyy.`);
    }
    if (def.nested) checkDates(def.nested.def, label, (r as Rec)[def.nested.name]);
  });
}

// ---- the table ----

export interface ListFieldProps {
  id: string;
  path: string;
  label: string;
  hint?: ReactNode;
  def: ListDef;
  value: unknown;
  onChange: (v: unknown) => void;
  readOnly?: boolean;
  lists: ResolvedLists;
  error?: string | null;
  errors?: Record<string, string>;
  idPrefix: string;
}

/** One repeatable element as a table inside a fieldset (the legend names it). */
export function ListField(p: ListFieldProps) {
  return (
    <fieldset className={`field list-field${p.error ? " field-error" : ""}`} id={p.id} tabIndex={-1} data-testid={`list-${p.path}`}>
      <legend className="label">{p.label}</legend>
      {p.hint && <div className="hint">{p.hint}</div>}
      {p.error && <p className="error-message"><span className="visually-hidden">Error:</span> {p.error}</p>}
      <ListTable {...p} prefix="" />
    </fieldset>
  );
}

function ListTable(p: ListFieldProps & { prefix: string }) {
  const { def } = p;
  const rows: Rec[] = def.single ? (p.value && typeof p.value === "object" ? [p.value as Rec] : []) : Array.isArray(p.value) ? (p.value as Rec[]) : [];
  const emit = (next: Rec[]) => p.onChange(def.single ? (next[0] ?? null) : next);
  const setCell = (i: number, col: Col, text: string, opts: Option[] | null) => {
    const row: Rec = { ...rows[i] };
    const v = cellValue(col, text, opts);
    if (v === undefined) delete row[col.name];
    else row[col.name] = v;
    // a new type invalidates the code chosen for the old one
    for (const c of def.columns) if (c.typeOf === col.name && row[col.name] !== rows[i][col.name]) delete row[c.name];
    emit(rows.map((r, j) => (j === i ? row : r)));
  };
  const who = (i: number) => `${p.prefix}${def.row} ${def.single ? "" : `${i + 1} `}`.replace(/\s+$/, "");
  const full = def.single ? rows.length >= 1 : def.max !== undefined && rows.length >= def.max;
  const span = def.columns.length + (p.readOnly ? 0 : 1);
  return (
    <>
      {rows.length === 0 ? <p className="hint list-empty">None recorded.</p> : (
        <table className="table compact list-table">
          <thead>
            <tr>
              {def.columns.map((c) => <th key={c.name} scope="col">{c.label.charAt(0).toUpperCase() + c.label.slice(1)} <code className="el">{c.name}</code></th>)}
              {!p.readOnly && <th scope="col"><span className="visually-hidden">Remove</span></th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => {
              const base = `${p.path}${def.single ? "" : `.${i}`}`;
              return [
                <tr key={`r${i}`}>
                  {def.columns.map((c) => {
                    const opts = optionsFor(c, r, p.lists);
                    const v = r[c.name] === undefined || r[c.name] === null ? "" : String(r[c.name]);
                    const cellPath = `${base}.${c.name}`;
                    const err = p.errors?.[cellPath];
                    const common = {
                      id: fieldId(p.idPrefix, cellPath),
                      "aria-label": `${who(i)} ${c.label}`,
                      "aria-invalid": err ? true : undefined,
                      className: `input w-${c.width ?? "m"}${err ? " input-error" : ""}`,
                    };
                    let control;
                    if (c.kind === "select" && opts === null)
                      control = <input {...common} type="text" inputMode={c.int ? "numeric" : undefined} autoComplete="off" value={v} readOnly={p.readOnly} onChange={(e) => setCell(i, c, e.target.value, opts)} />;
                    else if (c.kind === "select" && opts)
                      control = (
                        <select {...common} value={v} disabled={p.readOnly || (!!c.list && p.lists.status === "loading")} onChange={(e) => setCell(i, c, e.target.value, opts)}>
                          <option value="">{c.list && p.lists.status === "loading" ? "— loading codes —" : c.typeOf && (r[c.typeOf] === undefined || r[c.typeOf] === "") ? "— choose a type first —" : "— choose —"}</option>
                          {opts.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
                          {v !== "" && !opts.some((o) => o.value === v) && <option value={v}>{v}</option>}
                        </select>
                      );
                    else if (c.kind === "date")
                      control = <DateInput {...common} value={v} readOnly={p.readOnly} onChange={(x) => setCell(i, c, x, opts)} />;
                    else
                      control = <input {...common} type="text" inputMode={c.kind === "number" ? "numeric" : undefined} autoComplete="off" value={v} readOnly={p.readOnly} onChange={(e) => setCell(i, c, e.target.value, opts)} />;
                    return <td key={c.name}>{control}{err && <span className="error-message block">{err}</span>}</td>;
                  })}
                  {!p.readOnly && (
                    <td className="actions">
                      <button type="button" className="link-button" aria-label={`Remove ${who(i).toLowerCase()}`} data-testid={`remove-${p.path}-${i}`}
                        onClick={() => emit(rows.filter((_, j) => j !== i))}>Remove</button>
                    </td>
                  )}
                </tr>,
                def.nested && (
                  <tr key={`n${i}`} className="nested-row">
                    <td colSpan={span}>
                      <div className="nested-list" role="group" aria-label={`${def.nested.label} of ${who(i).toLowerCase()}`}>
                        <span className="nested-title">{def.nested.label}</span>
                        <ListTable {...p} def={def.nested.def} path={`${base}.${def.nested.name}`} prefix={`${who(i)} `} value={r[def.nested.name]}
                          onChange={(x) => { const row: Rec = { ...r }; if (x === null || (Array.isArray(x) && x.length === 0)) delete row[def.nested!.name]; else row[def.nested!.name] = x; emit(rows.map((y, j) => (j === i ? row : y))); }} />
                      </div>
                    </td>
                  </tr>
                ),
              ];
            })}
          </tbody>
        </table>
      )}
      {!p.readOnly && !full && (
        <button type="button" className="btn btn-secondary btn-small" data-testid={`add-${p.path}`} onClick={() => emit([...rows, {}])}>
          Add {`${p.prefix}${def.row}`.toLowerCase()}
        </button>
      )}
    </>
  );
}
