import { createContext, useContext, useEffect, useId, useRef, useState, type ReactNode } from "react";
import { ApiError, normPath, type Provenance } from "./api";
import type { Session } from "./auth";
import { STATUS_LABEL } from "./format";

export const SessionContext = createContext<{ session: Session | null; setSession: (s: Session | null) => void }>({
  session: null,
  setSession: () => {},
});
export const useSession = () => useContext(SessionContext);

export function useTitle(title: string) {
  useEffect(() => {
    document.title = `${title} – ILR`;
  }, [title]);
}

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export function Banner({ kind, title, children, focus }: { kind: "error" | "success" | "info" | "warning"; title?: string; children?: ReactNode; focus?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (focus) ref.current?.focus();
  }, [focus, title, children]);
  return (
    <div ref={ref} className={`banner banner-${kind}`} role={kind === "error" ? "alert" : "status"} tabIndex={-1} data-testid={`banner-${kind}`}>
      {title && <h2 className="banner-title">{title}</h2>}
      {children && <div>{children}</div>}
    </div>
  );
}

/** A top-of-form summary of an API error, linking each field error to its input. */
export function ErrorSummary({ error, idPrefix = "f" }: { error: unknown; idPrefix?: string }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : null;
  const message = e ? e.detail : error instanceof Error ? error.message : String(error);
  return (
    <Banner kind="error" title="There is a problem" focus>
      <p>{message}</p>
      {e && e.errors.length > 0 && (
        <ul className="error-list">
          {e.errors.map((fe, i) => (
            <li key={i}>
              <a href={`#${fieldId(idPrefix, normPath(fe.path))}`}
                onClick={(ev) => {
                  const el = document.getElementById(fieldId(idPrefix, normPath(fe.path)));
                  if (el) {
                    ev.preventDefault();
                    el.focus();
                  }
                }}>
                {humanPath(fe.path)}
              </a>: {fe.message}
            </li>
          ))}
        </ul>
      )}
    </Banner>
  );
}

export function fieldId(prefix: string, path: string): string {
  return `${prefix}-${path.replace(/[^A-Za-z0-9_-]+/g, "_")}`;
}

export function humanPath(path: string): string {
  return normPath(path)
    .replace(/LearningDelivery\.(\d+)/g, (_, n) => `Aim ${Number(n) + 1}`)
    .replace(/LearningDeliveryFAM\.(\d+)/g, (_, n) => `FAM ${Number(n) + 1}`)
    .replace(/AppFinRecord\.(\d+)/g, (_, n) => `financial record ${Number(n) + 1}`)
    .replace(/\./g, " › ") || "Request";
}

type InputKind = "text" | "number" | "date" | "email" | "password" | "select" | "checkbox" | "textarea";

export interface FieldProps {
  id: string;
  label: string;
  value: unknown;
  onChange?: (v: string) => void;
  kind?: InputKind;
  hint?: ReactNode;
  error?: string | null;
  options?: { value: string; label: string }[];
  readOnly?: boolean;
  required?: boolean;
  width?: "s" | "m" | "l";
  extra?: ReactNode;
  list?: string;
  inputMode?: "numeric" | "text";
  testId?: string;
}

export function Field(p: FieldProps) {
  const hintId = useId();
  const errId = useId();
  const describedBy = [p.hint || p.kind === "date" ? hintId : null, p.error ? errId : null].filter(Boolean).join(" ") || undefined;
  const v = p.value === null || p.value === undefined ? "" : String(p.value);
  const common = {
    id: p.id,
    name: p.id,
    "aria-describedby": describedBy,
    "aria-invalid": p.error ? true : undefined,
    readOnly: p.readOnly,
    required: p.required,
    "data-testid": p.testId,
    className: `input w-${p.width ?? "m"}${p.error ? " input-error" : ""}`,
  };
  let control: ReactNode;
  if (p.kind === "select") {
    control = (
      <select {...common} value={v} disabled={p.readOnly} onChange={(e) => p.onChange?.(e.target.value)}>
        <option value="">— choose —</option>
        {(p.options ?? []).map((o) => (
          <option key={o.value} value={o.value}>{o.label}</option>
        ))}
        {v !== "" && !(p.options ?? []).some((o) => o.value === v) && <option value={v}>{v}</option>}
      </select>
    );
  } else if (p.kind === "date") {
    control = <DateInput {...common} value={v} onChange={(x) => p.onChange?.(x)} />;
  } else if (p.kind === "textarea") {
    control = <textarea {...common} rows={4} value={v} onChange={(e) => p.onChange?.(e.target.value)} />;
  } else {
    control = (
      <input {...common} type={p.kind === "number" ? "text" : p.kind ?? "text"} inputMode={p.kind === "number" ? "numeric" : p.inputMode}
        list={p.list} value={v} onChange={(e) => p.onChange?.(e.target.value)} autoComplete="off" />
    );
  }
  return (
    <div className={`field${p.error ? " field-error" : ""}`}>
      <label htmlFor={p.id} className="label">
        {p.label}
        {p.required && <span className="req" aria-hidden="true"> *</span>}
      </label>
      {(p.hint || p.kind === "date") && <div id={hintId} className="hint">{p.hint}{p.hint && p.kind === "date" ? " · " : ""}{p.kind === "date" ? "dd/mm/yyyy, e.g. 27/03/2007" : ""}</div>}
      {p.error && <p id={errId} className="error-message" data-testid={`${p.id}-error`}><span className="visually-hidden">Error:</span> {p.error}</p>}
      <div className="control-row">{control}{p.extra}</div>
    </div>
  );
}

export function Checkbox({ id, label, checked, onChange, hint, disabled }: { id: string; label: string; checked: boolean; onChange: (v: boolean) => void; hint?: string; disabled?: boolean }) {
  return (
    <div className="checkbox">
      <input id={id} type="checkbox" checked={checked} disabled={disabled} onChange={(e) => onChange(e.target.checked)} />
      <label htmlFor={id}>{label}{hint && <span className="hint block">{hint}</span>}</label>
    </div>
  );
}

export function StatusTag({ status }: { status: string }) {
  return <strong className={`tag tag-${status}`} data-testid="status-tag">{STATUS_LABEL[status] ?? status}</strong>;
}

export function ProvenanceTag({ p }: { p?: Provenance }) {
  if (!p) return <span className="prov prov-none" title="No value from a template, enrolment or person">empty</span>;
  const label = p.source === "template" ? `template${p.revision !== undefined ? ` r${p.revision}` : ""}` : p.source === "person" ? `set by ${p.actor ?? "a person"}` : p.source;
  return <span className={`prov prov-${p.source}`} title={p.at ? `${label} at ${p.at}` : label} data-testid="provenance">{label}</span>;
}

export interface TabDef { id: string; label: string }
export function Tabs({ tabs, current, onSelect, label }: { tabs: TabDef[]; current: string; onSelect: (id: string) => void; label: string }) {
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  return (
    <div role="tablist" aria-label={label} className="tabs">
      {tabs.map((t, i) => (
        <button key={t.id} role="tab" type="button" id={`tab-${t.id}`} aria-selected={current === t.id} aria-controls={`panel-${t.id}`}
          tabIndex={current === t.id ? 0 : -1} ref={(el) => { refs.current[t.id] = el; }}
          className={`tab${current === t.id ? " tab-current" : ""}`} onClick={() => onSelect(t.id)}
          onKeyDown={(e) => {
            const d = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
            if (!d) return;
            const next = tabs[(i + d + tabs.length) % tabs.length];
            onSelect(next.id);
            refs.current[next.id]?.focus();
          }}>
          {t.label}
        </button>
      ))}
    </div>
  );
}

export function TabPanel({ id, children }: { id: string; children: ReactNode }) {
  return (
    <div role="tabpanel" id={`panel-${id}`} aria-labelledby={`tab-${id}`} className="tabpanel">
      {children}
    </div>
  );
}

export function Pager({ hasPrev, hasNext, onPrev, onNext }: { hasPrev: boolean; hasNext: boolean; onPrev: () => void; onNext: () => void }) {
  if (!hasPrev && !hasNext) return null;
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="btn btn-secondary" disabled={!hasPrev} onClick={onPrev}>‹ Previous</button>
      <button type="button" className="btn btn-secondary" disabled={!hasNext} onClick={onNext}>Next ›</button>
    </nav>
  );
}

export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby="dialog-title" onClose={onClose} onCancel={onClose}>
      <div className="dialog-head">
        <h2 id="dialog-title">{title}</h2>
        <button type="button" className="link-button" onClick={onClose} aria-label="Close">✕</button>
      </div>
      {children}
    </dialog>
  );
}

/** "2026-09-01" ⇄ "01/09/2026": dates are typed and shown in UK format whatever the browser's locale. */
export function ukToIso(text: string): string | null {
  const t = text.trim();
  let m = /^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})$/.exec(t);
  let y: number, mo: number, d: number;
  if (m) [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t))) [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else return null;
  const dt = new Date(Date.UTC(y, mo - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return null;
  return `${y}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}
export function isoToUk(value: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : value;
}

export function DateInput({ value, onChange, className, ...rest }: { value: string; onChange: (v: string) => void; className?: string } & Record<string, unknown>) {
  const [text, setText] = useState(isoToUk(value));
  useEffect(() => {
    setText((t) => ((ukToIso(t) ?? t) === value ? t : isoToUk(value)));
  }, [value]);
  return (
    <input {...rest} className={className} type="text" inputMode="numeric" placeholder="dd/mm/yyyy" autoComplete="off" value={text}
      onChange={(e) => { setText(e.target.value); onChange(ukToIso(e.target.value) ?? e.target.value); }} />
  );
}
