export type AuthMode = "dev" | "token";

export interface IlrConfig {
  authMode: AuthMode;
  /** Base URL of the gateway API; "" means the same origin as the app. */
  apiBase: string;
  /** Identity provider login page for authMode "token" (redirects back to /auth/callback#access_token=...). */
  loginUrl: string | null;
  defaultTenant: string;
}

declare global {
  interface Window {
    ILR_CONFIG?: Partial<IlrConfig>;
  }
}

export const DEV_SECRET_DEFAULT = "dev-only-secret-change-me-0123456789abcdef";

export function getConfig(): IlrConfig {
  const c = window.ILR_CONFIG ?? {};
  return {
    authMode: c.authMode === "token" ? "token" : "dev",
    apiBase: (c.apiBase ?? "").replace(/\/$/, ""),
    loginUrl: c.loginUrl ?? null,
    defaultTenant: c.defaultTenant ?? "10000001",
  };
}
