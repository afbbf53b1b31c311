import { useEffect, useMemo, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { rulesApi, type RuleDetail, type RuleInfo, type RuleStatus, type RuleSummary } from "../api";
import { Banner, ErrorSummary, Loading, useTitle } from "../components";

const YEARS = ["2026/27", "2025/26"];
const STATUSES: RuleStatus[] = ["implemented", "needs reference data", "not applicable", "not implemented"];

function pct(part: number, whole: number): string {
  return whole ? `${((100 * part) / whole).toFixed(1)}%` : "—";
}

function SummaryList({ s }: { s: RuleSummary }) {
  return (
    <dl className="summary-list" data-testid="rules-summary">
      <div><dt>Official rules</dt><dd>{s.official}</dd></div>
      <div><dt>Checked by this platform</dt><dd>{s.implemented}</dd></div>
      <div><dt>Rules that need no reference data</dt><dd>{s.reference_free_implemented} of {s.reference_free} checked ({pct(s.reference_free_implemented, s.reference_free)})</dd></div>
      <div><dt>Waiting for reference data</dt><dd>{s.needs_reference_data} (and {s.implemented_with_reference_data} that run once their data is loaded)</dd></div>
      <div><dt>Not applicable here</dt><dd>{s.not_applicable}</dd></div>
    </dl>
  );
}

/** Every official validation rule of a year and what the platform does with it. */
export default function RulesPage() {
  const [params, setParams] = useSearchParams();
  const year = params.get("year") ?? YEARS[0];
  const status = params.get("status") ?? "";
  const [text, setText] = useState(params.get("q") ?? "");
  useTitle(`Validation rules ${year}`);
  const [data, setData] = useState<{ summary: RuleSummary; rules: RuleInfo[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => { setData(null); rulesApi.list(year).then((r) => setData(r.data)).catch(setError); }, [year]);
  const shown = useMemo(() => {
    const needle = text.trim().toLowerCase();
    return (data?.rules ?? []).filter((r) => (!status || r.status === status)
      && (!needle || r.name.toLowerCase().includes(needle) || r.message.toLowerCase().includes(needle)));
  }, [data, status, text]);
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value); else next.delete(key);
    setParams(next, { replace: true });
  };
  return (
    <div className="page">
      <h1>Validation rules</h1>
      <p className="lead">The official ILR validation rules of Submit Learner Data, and which of them this platform checks when a record is saved, verified, imported or exported.</p>
      <ErrorSummary error={error} />
      <form className="filters" onSubmit={(e) => e.preventDefault()} role="search" aria-label="Filter rules">
        <label htmlFor="rules-year">Year</label>
        <select id="rules-year" value={year} onChange={(e) => set("year", e.target.value)}>{YEARS.map((y) => <option key={y}>{y}</option>)}</select>
        <label htmlFor="rules-status">Status</label>
        <select id="rules-status" value={status} onChange={(e) => set("status", e.target.value)}>
          <option value="">Any</option>{STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
        <label htmlFor="rules-q">Rule name or message</label>
        <input id="rules-q" value={text} onChange={(e) => { setText(e.target.value); set("q", e.target.value); }} />
      </form>
      {!data ? <Loading what="Loading the rules" /> : (
        <>
          <SummaryList s={data.summary} />
          <p className="hint" aria-live="polite">{shown.length} rule{shown.length === 1 ? "" : "s"} shown.</p>
          <div className="table-scroll">
            <table className="table compact" data-testid="rules-table">
              <thead><tr><th scope="col">Rule</th><th scope="col">Severity</th><th scope="col">Message</th><th scope="col">Status</th></tr></thead>
              <tbody>{shown.map((r) => (
                <tr key={r.name}>
                  <td><Link to={`/rules/${encodeURIComponent(r.name)}?year=${encodeURIComponent(year)}`}>{r.name}</Link></td>
                  <td>{r.severity === "warning" ? "Warning" : "Error"}</td><td>{r.message}</td><td>{r.status_text}</td>
                </tr>))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}

/** One rule: its message, intent, guidance and official definition. */
export function RulePage() {
  const { name = "" } = useParams();
  const [params] = useSearchParams();
  const year = params.get("year") ?? YEARS[0];
  useTitle(`Rule ${name}`);
  const [rule, setRule] = useState<RuleDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => { setRule(null); rulesApi.get(name, year).then((r) => setRule(r.data)).catch(setError); }, [name, year]);
  if (error) return <div className="page"><h1>Rule {name}</h1><ErrorSummary error={error} /></div>;
  if (!rule) return <div className="page"><Loading what="Loading the rule" /></div>;
  return (
    <div className="page" data-testid="rule-detail">
      <p><Link to={`/rules?year=${encodeURIComponent(year)}`}>All rules</Link></p>
      <h1>{rule.name} <span className="hint">({year})</span></h1>
      <Banner kind={rule.severity === "warning" ? "warning" : "error"} title={rule.severity === "warning" ? "Warning" : "Error"}><p>{rule.message}</p></Banner>
      <dl className="summary-list">
        <div><dt>Checked here</dt><dd>{rule.status_text}</dd></div>
        <div><dt>Category</dt><dd>{rule.category}</dd></div>
        {rule.intent && <div><dt>Why the rule exists</dt><dd>{rule.intent}</dd></div>}
        {rule.guidance && <div><dt>How to correct it</dt><dd>{rule.guidance}</dd></div>}
        {rule.definition && <div><dt>Official definition</dt><dd>{rule.definition}</dd></div>}
        {rule.exclusions && <div><dt>Exclusions</dt><dd>{rule.exclusions}</dd></div>}
      </dl>
    </div>
  );
}
