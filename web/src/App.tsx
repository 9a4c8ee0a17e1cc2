import { useState } from 'react';
import { BrowserRouter, Link, NavLink, Route, Routes, useLocation } from 'react-router';
import { PAGES } from './pages/registry';
import { SessionGate, useSession } from './session';
import { Page } from './ui/Page';

export function App() {
  return (
    <BrowserRouter>
      <SessionGate>
        <Layout />
      </SessionGate>
    </BrowserRouter>
  );
}

function Layout() {
  const { session, logout } = useSession();
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label="Baton overview">
          <span className="logo" aria-hidden="true" /> Baton
        </Link>
        <button type="button" className="menu-toggle" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen((o) => !o)}>
          Menu
        </button>
        <div className="who">
          <span className="muted">{session.admin}</span>
          <button type="button" className="small" onClick={() => void logout()}>
            Log out
          </button>
        </div>
      </header>
      <nav id="nav" className={menuOpen ? 'open' : undefined} aria-label="Main">
        <ul>
          {PAGES.filter((p) => p.nav).map((p) => (
            <li key={p.path}>
              <NavLink to={p.path} end={p.path === '/'} onClick={() => setMenuOpen(false)}>
                {p.nav}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" key={location.pathname}>
        <Routes>
          {PAGES.map((p) => (
            <Route key={p.path} path={p.path} element={p.element} />
          ))}
          <Route
            path="*"
            element={
              <Page title="Not found">
                <p>
                  No page at <code>{location.pathname}</code>. <Link to="/">Back to the overview</Link>.
                </p>
              </Page>
            }
          />
        </Routes>
      </main>
    </div>
  );
}
