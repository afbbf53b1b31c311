// Runtime settings of the ILR admin app. Replace this file at deploy time (it is not bundled).
//
// authMode:
//   "dev"   – the sign-in page mints an HS256 development token in the browser from a secret
//             typed in (the backend's ILR_JWT_SECRET) or accepts a pasted token. Never in production.
//   "token" – a real identity provider issues the tokens. The sign-in page accepts a pasted token
//             and, when loginUrl is set, offers "Sign in with your organisation": the browser is sent to
//             loginUrl?redirect_uri=<origin>/auth/callback and the provider returns to
//             /auth/callback#access_token=<JWT> (implicit-style fragment, or ?access_token=).
//             The backend must then verify that issuer's tokens (ILR_JWT_ALGORITHM=RS256 +
//             ILR_JWT_JWKS_URL, issuer/audience settings).
// apiBase:   where the gateway API lives; "" = same origin (the gateway serves this app at "/").
window.ILR_CONFIG = {
  authMode: "dev",
  apiBase: "",
  loginUrl: null,
  defaultTenant: "10000001",
};
