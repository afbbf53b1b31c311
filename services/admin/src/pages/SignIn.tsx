import { useEffect, useState, type FormEvent } from "react";
import { useLocation, useNavigate, useSearchParams } from "react-router-dom";
import { homeFor, mintDevToken, saveSession, type Role } from "../auth";
import { Banner, Checkbox, Field, useSession, useTitle } from "../components";
import { DEV_SECRET_DEFAULT, getConfig } from "../config";

export default function SignIn() {
  useTitle("Sign in");
  const cfg = getConfig();
  const { setSession } = useSession();
  const nav = useNavigate();
  const [params] = useSearchParams();
  const next = params.get("next");
  const [tenant, setTenant] = useState(cfg.defaultTenant);
  const [role, setRole] = useState<Role>("admin");
  const [sub, setSub] = useState("");
  const [learnerId, setLearnerId] = useState("");
  const [secret, setSecret] = useState(DEV_SECRET_DEFAULT);
  const [showSecret, setShowSecret] = useState(false);
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const finish = (t: string) => {
    const s = saveSession(t);
    setSession(s);
    nav(next && next.startsWith("/") ? next : homeFor(s), { replace: true });
  };

  const onDev = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!/^1\d{7}$/.test(tenant.trim())) return setError("The UKPRN is 8 digits starting with 1.");
    if (role === "learner" && !learnerId.trim()) return setError("A learner signs in to their own ILR: enter the ILR id.");
    setBusy(true);
    try {
      const t = await mintDevToken(secret, {
        sub: sub.trim() || defaultSub(role, learnerId),
        tenant: tenant.trim(),
        roles: [role],
        learner_id: role === "learner" ? learnerId.trim() : null,
      });
      finish(t);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const onToken = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      finish(token);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <div className="page narrow">
      <h1>Sign in</h1>
      {error && <Banner kind="error" title="There is a problem" focus><p data-testid="signin-error">{error}</p></Banner>}
      {cfg.authMode === "dev" && (
        <form onSubmit={onDev} className="card" aria-labelledby="dev-h">
          <h2 id="dev-h">Development sign-in</h2>
          <p className="hint">Mints a short-lived HS256 token in this browser with the backend's development secret (<code>ILR_JWT_SECRET</code>). Not available when the app is configured for a real identity provider.</p>
          <Field id="tenant" label="Provider (UKPRN)" value={tenant} onChange={setTenant} width="s" inputMode="numeric" required />
          <Field id="role" label="Role" kind="select" value={role} onChange={(v) => setRole((v || "admin") as Role)}
            options={[{ value: "admin", label: "Administrator" }, { value: "verifier", label: "Verifier (QA)" }, { value: "learner", label: "Learner" }]} />
          {role === "learner" && (
            <Field id="learner-id" label="Learner's ILR id" hint="The id of the learner's own ILR (e.g. ilr_…)." value={learnerId} onChange={setLearnerId} width="l" required />
          )}
          <Field id="sub" label="User id (optional)" hint={`Default: ${defaultSub(role, learnerId)}`} value={sub} onChange={setSub} />
          <Field id="secret" label="Development secret" value={secret} onChange={setSecret} width="l"
            kind={showSecret ? "text" : "password"} />
          <Checkbox id="show-secret" label="Show secret" checked={showSecret} onChange={setShowSecret} />
          <button type="submit" className="btn" disabled={busy} data-testid="dev-signin">{busy ? "Signing in…" : "Sign in"}</button>
        </form>
      )}
      {cfg.authMode === "token" && cfg.loginUrl && (
        <div className="card">
          <h2>Sign in with your organisation</h2>
          <a className="btn" href={`${cfg.loginUrl}${cfg.loginUrl.includes("?") ? "&" : "?"}redirect_uri=${encodeURIComponent(`${location.origin}/auth/callback`)}`}>Continue to sign-in</a>
        </div>
      )}
      <details className="card" open={cfg.authMode === "token"}>
        <summary><h2 className="inline-h">Use an access token</h2></summary>
        <form onSubmit={onToken}>
          <Field id="token" label="Access token (JWT)" hint="Paste a bearer token issued for this platform, e.g. from `uv run ilr-token --tenant 10000001 --role admin`." kind="textarea" value={token} onChange={setToken} width="l" />
          <button type="submit" className="btn btn-secondary" data-testid="token-signin">Sign in with token</button>
        </form>
      </details>
    </div>
  );
}

function defaultSub(role: Role, learnerId: string): string {
  if (role === "learner") return learnerId ? `learner-${learnerId}` : "learner";
  return role === "admin" ? "admin-1" : "verifier-1";
}

/** Identity-provider redirect target: /auth/callback#access_token=<JWT> (or ?access_token=). */
export function AuthCallback() {
  const { setSession } = useSession();
  const nav = useNavigate();
  const loc = useLocation();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const frag = new URLSearchParams(loc.hash.replace(/^#/, ""));
    const q = new URLSearchParams(loc.search);
    const t = frag.get("access_token") ?? frag.get("id_token") ?? q.get("access_token");
    if (!t) return setError("The sign-in did not return a token.");
    try {
      const s = saveSession(t);
      setSession(s);
      history.replaceState(null, "", "/");
      nav(homeFor(s), { replace: true });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, [loc, nav, setSession]);
  return <div className="page narrow">{error ? <Banner kind="error" title="Sign-in failed">{error}</Banner> : <p>Signing you in…</p>}</div>;
}
