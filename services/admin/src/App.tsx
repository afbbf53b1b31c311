import { useEffect, useRef, useState, type ReactNode } from "react";
import { Link, NavLink, Navigate, Route, Routes, useLocation, useNavigate } from "react-router-dom";
import { clearSession, hasRole, homeFor, loadSession, type Role, type Session } from "./auth";
import { SessionContext, useSession } from "./components";
import SignIn, { AuthCallback } from "./pages/SignIn";
import ProgrammesPage from "./pages/Programmes";
import ProgrammePage from "./pages/Programme";
import IlrListPage from "./pages/IlrList";
import IlrPage from "./pages/Ilr";
import AimPage from "./pages/Aim";
import ImportPage from "./pages/Import";
import RolloverPage from "./pages/Rollover";
import ExportsPage, { ExportPage } from "./pages/Exports";
import RulesPage, { RulePage } from "./pages/Rules";
import VerifyPage from "./pages/Verify";
import MyIlrPage from "./pages/MyIlr";

function Require({ roles, children }: { roles: Role[]; children: ReactNode }) {
  const { session } = useSession();
  const loc = useLocation();
  if (!session) return <Navigate to={`/signin?next=${encodeURIComponent(loc.pathname + loc.search)}`} replace />;
  if (!hasRole(session, ...roles))
    return (
      <div className="page">
        <h1>You cannot see this page</h1>
        <p>Your role ({session.claims.roles.join(", ")}) does not give access to it. <Link to={homeFor(session)}>Go to your start page</Link>.</p>
      </div>
    );
  return <>{children}</>;
}

function Header() {
  const { session, setSession } = useSession();
  const nav = useNavigate();
  const links: { to: string; label: string; roles: Role[] }[] = [
    { to: "/programmes", label: "Programmes", roles: ["admin", "integration"] },
    { to: "/ilrs", label: "Individual Learner Records", roles: ["admin", "verifier"] },
    { to: "/verify", label: "Waiting for QA", roles: ["verifier", "admin"] },
    { to: "/exports", label: "Exports", roles: ["admin"] },
    { to: "/rules", label: "Rules", roles: ["admin", "verifier"] },
    { to: "/my-ilr", label: "My ILR", roles: ["learner"] },
  ];
  return (
    <header className="header">
      <a href="#main" className="skip-link">Skip to main content</a>
      <div className="header-inner">
        <Link to={homeFor(session)} className="brand">ILR <span className="brand-sub">Individual Learner Records</span></Link>
        {session && (
          <nav aria-label="Main" className="main-nav">
            {links.filter((l) => hasRole(session, ...l.roles)).map((l) => (
              <NavLink key={l.to} to={l.to} className={({ isActive }) => (isActive ? "nav-link active" : "nav-link")}>{l.label}</NavLink>
            ))}
          </nav>
        )}
        {session && (
          <div className="who">
            <span data-testid="who">{session.claims.sub} · {session.claims.roles.join(", ")} · UKPRN {session.claims.tenant}</span>
            <button type="button" className="link-button light" onClick={() => { clearSession(); setSession(null); nav("/signin"); }}>Sign out</button>
          </div>
        )}
      </div>
    </header>
  );
}

/** After a route change, focus that was on an element of the old page (now gone) moves to the main
 * region, so keyboard and screen reader users continue from the new page's content, not the top. */
function useFocusOnRouteChange() {
  const { pathname } = useLocation();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const active = document.activeElement;
    if (!active || active === document.body || !active.isConnected) document.getElementById("main")?.focus();
  }, [pathname]);
}

export default function App() {
  useFocusOnRouteChange();
  const [session, setSession] = useState<Session | null>(() => loadSession());
  useEffect(() => {
    const h = () => setSession(null);
    window.addEventListener("ilr:signed-out", h);
    return () => window.removeEventListener("ilr:signed-out", h);
  }, []);
  return (
    <SessionContext.Provider value={{ session, setSession }}>
      <Header />
      <main id="main" className="main" tabIndex={-1}>
        <Routes>
          <Route path="/signin" element={<SignIn />} />
          <Route path="/auth/callback" element={<AuthCallback />} />
          <Route path="/" element={<Navigate to={homeFor(session)} replace />} />
          <Route path="/programmes" element={<Require roles={["admin", "integration", "verifier"]}><ProgrammesPage /></Require>} />
          <Route path="/programmes/:id" element={<Require roles={["admin", "integration", "verifier"]}><ProgrammePage /></Require>} />
          <Route path="/ilrs" element={<Require roles={["admin", "verifier"]}><IlrListPage /></Require>} />
          <Route path="/ilrs/import" element={<Require roles={["admin"]}><ImportPage /></Require>} />
          <Route path="/ilrs/rollover" element={<Require roles={["admin"]}><RolloverPage /></Require>} />
          <Route path="/ilrs/:id" element={<Require roles={["admin", "verifier"]}><IlrPage /></Require>} />
          <Route path="/ilrs/:id/aims/:seq" element={<Require roles={["admin", "verifier"]}><AimPage /></Require>} />
          <Route path="/exports" element={<Require roles={["admin"]}><ExportsPage /></Require>} />
          <Route path="/exports/:id" element={<Require roles={["admin"]}><ExportPage /></Require>} />
          <Route path="/verify" element={<Require roles={["verifier", "admin"]}><VerifyPage /></Require>} />
          <Route path="/rules" element={<Require roles={["admin", "verifier", "integration", "learner"]}><RulesPage /></Require>} />
          <Route path="/rules/:name" element={<Require roles={["admin", "verifier", "integration", "learner"]}><RulePage /></Require>} />
          <Route path="/my-ilr" element={<Require roles={["learner"]}><MyIlrPage /></Require>} />
          <Route path="*" element={<div className="page"><h1>Page not found</h1><p><Link to="/">Go to the start page</Link></p></div>} />
        </Routes>
      </main>
      <footer className="footer">Open ILR platform · data stays with your provider (UKPRN) · <a href="/api/programmes/docs">API docs</a></footer>
    </SessionContext.Provider>
  );
}
