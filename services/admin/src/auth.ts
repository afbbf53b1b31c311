// The signed-in session: a bearer JWT kept in sessionStorage (per browser tab).
export type Role = "admin" | "verifier" | "learner" | "integration";

export interface Claims {
  sub: string;
  tenant: string;
  roles: Role[];
  learner_id?: string | null;
  iat?: number;
  exp?: number;
  name?: string;
}

export interface Session {
  token: string;
  claims: Claims;
}

const KEY = "ilr.session";

function b64urlEncode(bytes: Uint8Array): string {
  let s = "";
  bytes.forEach((b) => (s += String.fromCharCode(b)));
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function b64urlDecode(part: string): string {
  const s = part.replace(/-/g, "+").replace(/_/g, "/");
  const padded = s + "=".repeat((4 - (s.length % 4)) % 4);
  const bin = atob(padded);
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** Decodes (does not verify: the backend does) the claims of a JWT. */
export function decodeClaims(token: string): Claims {
  const parts = token.trim().split(".");
  if (parts.length !== 3) throw new Error("This is not a JWT (expected three dot-separated parts).");
  let payload: unknown;
  try {
    payload = JSON.parse(b64urlDecode(parts[1]));
  } catch {
    throw new Error("The token's payload cannot be read.");
  }
  const p = payload as Partial<Claims> & { roles?: unknown };
  if (!p.sub || !p.tenant) throw new Error("The token has no 'sub' or 'tenant' claim.");
  const roles = Array.isArray(p.roles) ? (p.roles as Role[]) : typeof p.roles === "string" ? [p.roles as Role] : [];
  if (roles.length === 0) throw new Error("The token has no roles.");
  if (p.exp && p.exp * 1000 < Date.now()) throw new Error("The token has expired.");
  return { ...p, sub: String(p.sub), tenant: String(p.tenant), roles } as Claims;
}

/** Mints an HS256 development token with the Web Crypto API (authMode "dev" only). */
export async function mintDevToken(
  secret: string,
  claims: { sub: string; tenant: string; roles: Role[]; learner_id?: string | null },
  lifetimeSeconds = 8 * 3600,
): Promise<string> {
  if (!window.crypto?.subtle) throw new Error("Web Crypto is not available (use https or localhost).");
  const enc = new TextEncoder();
  const now = Math.floor(Date.now() / 1000);
  const body: Record<string, unknown> = { sub: claims.sub, tenant: claims.tenant, roles: claims.roles, iat: now, exp: now + lifetimeSeconds };
  if (claims.learner_id) body.learner_id = claims.learner_id;
  const header = b64urlEncode(enc.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
  const payload = b64urlEncode(enc.encode(JSON.stringify(body)));
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(`${header}.${payload}`)));
  return `${header}.${payload}.${b64urlEncode(sig)}`;
}

export function loadSession(): Session | null {
  const token = sessionStorage.getItem(KEY);
  if (!token) return null;
  try {
    return { token, claims: decodeClaims(token) };
  } catch {
    sessionStorage.removeItem(KEY);
    return null;
  }
}

export function saveSession(token: string): Session {
  const claims = decodeClaims(token);
  sessionStorage.setItem(KEY, token.trim());
  return { token: token.trim(), claims };
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}

export function hasRole(session: Session | null, ...roles: Role[]): boolean {
  return !!session && session.claims.roles.some((r) => roles.includes(r));
}

/** The start page of a session's main role. */
export function homeFor(s: Session | null): string {
  if (!s) return "/signin";
  if (hasRole(s, "admin")) return "/programmes";
  if (hasRole(s, "verifier")) return "/verify";
  if (hasRole(s, "learner")) return "/my-ilr";
  return "/ilrs";
}
