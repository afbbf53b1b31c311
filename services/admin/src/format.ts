const pad = (n: number) => String(n).padStart(2, "0");

/** "2026-09-01" → "01/09/2026"; timestamps → "01/09/2026 14:05" (UK time). */
export function ukDate(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  const s = String(value);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m) return `${m[3]}/${m[2]}/${m[1]}`;
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s;
  return new Intl.DateTimeFormat("en-GB", { day: "2-digit", month: "2-digit", year: "numeric", timeZone: "Europe/London" }).format(d);
}

export function ukDateTime(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  const d = new Date(String(value));
  if (Number.isNaN(d.getTime())) return String(value);
  return new Intl.DateTimeFormat("en-GB", {
    day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "Europe/London",
  }).format(d);
}

export function isoToday(): string {
  const d = new Date();
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export const STATUSES = ["newly_submitted", "signature_required", "signed", "qa_verified", "completed"] as const;
export type Status = (typeof STATUSES)[number];

export const STATUS_LABEL: Record<string, string> = {
  newly_submitted: "Newly submitted",
  signature_required: "Signature required",
  signed: "Signed",
  qa_verified: "QA verified",
  completed: "Completed",
};

export const ACTION_LABEL: Record<string, string> = {
  request_signature: "Request signature",
  sign: "Sign",
  qa_verify: "QA verify",
  complete: "Mark completed",
  reopen: "Reopen",
};

export const ACADEMIC_YEARS = ["2026/27", "2025/26"];

export function nextAcademicYear(year: string): string {
  const m = /^(\d{4})\/(\d{2})$/.exec(year);
  if (!m) return year;
  const start = Number(m[1]) + 1;
  return `${start}/${pad((start + 1) % 100)}`;
}

export function display(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) return ukDate(value);
  if (typeof value === "object") return JSON.stringify(value);
  if (typeof value === "boolean") return value ? "Yes" : "No";
  return String(value);
}
