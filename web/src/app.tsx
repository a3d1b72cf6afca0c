// The app shell: sign-in gate (with the way back to where the person was), navigation with the live
// indicator, and the route table.
import { useEffect, useState } from 'preact/hooks';
import { navigate, match, useLocation } from './lib/router.js';
import { useLiveStatus } from './lib/live-status.js';
import { endSession, onSession, session } from './lib/session.js';
import { BoardPage } from './pages/Board.js';
import { ExplorePage } from './pages/Explore.js';
import { IncidentPage, IncidentsPage } from './pages/Incidents.js';
import { LiveTailPage } from './pages/LiveTail.js';
import { SettingsPage } from './pages/Settings.js';
import { SignInPage } from './pages/SignIn.js';
import { TargetPage } from './pages/Target.js';

const NAV = [
  { href: '/', label: 'Status board' },
  { href: '/incidents', label: 'Incidents' },
  { href: '/live', label: 'Live tail' },
  { href: '/explore', label: 'Metrics' },
  { href: '/settings', label: 'Configuration' },
];

function LiveIndicator() {
  const s = useLiveStatus();
  if (s === null) return null;
  const on = s === 'live';
  return (
    <div class={`live ${on ? 'on' : 'off'}`} role="status" aria-live="polite">
      {on ? 'Live' : 'Reconnecting'}
    </div>
  );
}

function Page({ path }: { path: string }) {
  let p: Record<string, string> | null;
  if (path === '/') return <BoardPage />;
  if ((p = match('/targets/:id', path))) return <TargetPage id={p.id as string} />;
  if (path === '/incidents') return <IncidentsPage />;
  if ((p = match('/incidents/:id', path))) return <IncidentPage id={p.id as string} />;
  if (path === '/live') return <LiveTailPage />;
  if (path === '/explore') return <ExplorePage />;
  if (path === '/settings') return <SettingsPage section="targets" />;
  if ((p = match('/settings/:section', path))) return <SettingsPage section={p.section as string} />;
  return (
    <div class="panel">
      <h1>Not found</h1>
      <p>
        Nothing lives at <code>{path}</code>. <a href="/">Back to the status board</a>.
      </p>
    </div>
  );
}

export function App() {
  const { path, query } = useLocation();
  const [s, setS] = useState(session());
  useEffect(() => onSession(setS), []);

  const here = path + location.search;
  useEffect(() => {
    if (!s && path !== '/signin' && path !== '/setup') navigate(`/signin?next=${encodeURIComponent(here)}`, true);
  }, [s, path]);
  useEffect(() => {
    document.title = `${NAV.find((n) => n.href === path)?.label ?? 'Lightwatch'} · Lightwatch`;
  }, [path]);

  if (path === '/signin' || path === '/setup' || !s) {
    return <SignInPage next={query.get('next') ?? '/'} firstRun={path === '/setup'} />;
  }
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <nav class="nav" aria-label="Main">
        <div class="brand">
          <span class="brand-dot" aria-hidden="true" /> Lightwatch
        </div>
        <LiveIndicator />
        {NAV.map((n) => (
          <a href={n.href} aria-current={(n.href === '/' ? path === '/' || path.startsWith('/targets') : path.startsWith(n.href)) ? 'page' : undefined}>
            {n.label}
          </a>
        ))}
        <div class="spacer" />
        <div class="who">Signed in {s.kind === 'jwt' ? `as ${s.label}` : `with key ${s.label}`}</div>
        <button type="button" onClick={() => endSession('signed_out')}>
          Sign out
        </button>
      </nav>
      <main id="main" tabIndex={-1}>
        <Page path={path} />
      </main>
    </div>
  );
}
