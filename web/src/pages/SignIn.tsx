// Sign in with email and password (a JWT) or with an API key; on a fresh install, create the first admin
// user, which needs the bootstrap admin key printed at first start. Afterwards, back to where the person was.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, get } from '../lib/api.js';
import { navigate } from '../lib/router.js';
import { endReason, startSession } from '../lib/session.js';
import { assignErrors, Field, FormError, useAction, type FieldErrors } from '../components/Form.js';

interface LoginResult {
  token: string;
  expiresAt: number;
}

function safeNext(next: string): string {
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/signin') && !next.startsWith('/setup') ? next : '/';
}

async function signInWithPassword(email: string, password: string): Promise<void> {
  const r = await api<LoginResult>('POST', '/api/auth/login', { email, password });
  startSession({ token: r.token, kind: 'jwt', expiresAt: r.expiresAt, label: email });
}

export function SignInPage({ next, firstRun }: { next: string; firstRun: boolean }) {
  const [needsFirstUser, setNeeds] = useState<boolean | null>(null);
  const [mode, setMode] = useState<'signin' | 'setup'>(firstRun ? 'setup' : 'signin');
  useEffect(() => {
    get<{ needsFirstUser: boolean }>('/api/setup')
      .then((r) => {
        setNeeds(r.needsFirstUser);
        if (r.needsFirstUser) setMode('setup');
      })
      .catch(() => setNeeds(false));
  }, []);
  const done = (): void => navigate(safeNext(next), true);
  return (
    <div class="signin">
      <main class="panel" id="main">
        <div class="brand" style="padding:0 0 12px">
          <span class="brand-dot" aria-hidden="true" /> Lightwatch
        </div>
        {mode === 'setup' ? <SetupForm onDone={done} onSignIn={() => setMode('signin')} /> : <SignInForm onDone={done} needsFirstUser={needsFirstUser === true} onSetup={() => setMode('setup')} />}
      </main>
    </div>
  );
}

function SignInForm({ onDone, needsFirstUser, onSetup }: { onDone: () => void; needsFirstUser: boolean; onSetup: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [key, setKey] = useState('');
  const { busy, error, run } = useAction();
  const submit = (e: Event): void => {
    e.preventDefault();
    void run(async () => {
      if (key.trim()) {
        const k = key.trim();
        try {
          await api('GET', '/api/targets', undefined, { credential: k });
        } catch (err) {
          if (err instanceof ApiError && err.status === 401) throw new Error('That API key is not valid.', { cause: err });
          if (err instanceof ApiError && err.status === 403) throw new Error('That API key cannot read: use a key with the read or admin scope.', { cause: err });
          throw err;
        }
        startSession({ token: k, kind: 'key', label: `${k.slice(0, 10)}…` });
      } else {
        if (!email || !password) throw new Error('Enter your email and password, or an API key.');
        try {
          await signInWithPassword(email.trim(), password);
        } catch (err) {
          if (err instanceof ApiError && err.status === 401) throw new Error('Email or password is wrong.', { cause: err });
          throw err;
        }
      }
      onDone();
    });
  };
  const reason = endReason === 'expired' ? 'Your session expired. Sign in again to continue where you were.' : endReason === 'unauthorized' ? 'Your credential is no longer accepted. Sign in again.' : null;
  return (
    <form onSubmit={submit} noValidate>
      <h1>Sign in</h1>
      <p class="muted">Monitoring for everything you run.</p>
      {reason && (
        <div class="callout" role="status">
          {reason}
        </div>
      )}
      <FormError error={error} />
      <Field label="Email" id="si-email">
        <input id="si-email" type="email" autoComplete="username" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </Field>
      <Field label="Password" id="si-password">
        <input id="si-password" type="password" autoComplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      </Field>
      <div class="or">or</div>
      <Field label="API key" id="si-key" help="A key with the read or admin scope signs you in instead of email and password.">
        <input id="si-key" type="password" autoComplete="off" value={key} onInput={(e) => setKey(e.currentTarget.value)} aria-describedby="si-key-help" />
      </Field>
      <button class="primary" type="submit" disabled={busy} style="width:100%;justify-content:center">
        Sign in
      </button>
      {needsFirstUser && (
        <p class="muted" style="margin-top:16px">
          No user exists yet.{' '}
          <a href="/setup" onClick={(e) => (e.preventDefault(), onSetup())}>
            Create the first admin user
          </a>
          .
        </p>
      )}
    </form>
  );
}

function SetupForm({ onDone, onSignIn }: { onDone: () => void; onSignIn: () => void }) {
  const [bootstrapKey, setKey] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const { busy, error, run, setError } = useAction();
  const submit = (e: Event): void => {
    e.preventDefault();
    setErrors({});
    void run(async () => {
      try {
        await api('POST', '/api/users', { email: email.trim(), password, scopes: ['admin'] }, { credential: bootstrapKey.trim() });
      } catch (err) {
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
          setErrors({ '/key': ['This is not the bootstrap admin key. It was printed when Lightwatch first started (or set as BOOTSTRAP_API_KEY).'] });
          return;
        }
        if (err instanceof ApiError && err.status === 422) {
          const fe = assignErrors(err.details, ['/email', '/password']);
          setErrors(fe);
          if (fe['']) setError(new Error(fe[''].join('; ')));
          return;
        }
        throw err;
      }
      await signInWithPassword(email.trim(), password);
      onDone();
    });
  };
  return (
    <form onSubmit={submit} noValidate>
      <h1>Create the first admin</h1>
      <p class="muted">This installation has no user yet. Prove you run it with the bootstrap admin key that Lightwatch printed at its first start.</p>
      <FormError error={error} />
      <Field label="Bootstrap admin key" id="su-key" errors={errors['/key']}>
        <input id="su-key" type="password" autoComplete="off" value={bootstrapKey} onInput={(e) => setKey(e.currentTarget.value)} aria-invalid={errors['/key'] ? 'true' : undefined} />
      </Field>
      <Field label="Email" id="su-email" errors={errors['/email']}>
        <input id="su-email" type="email" autoComplete="username" value={email} onInput={(e) => setEmail(e.currentTarget.value)} aria-invalid={errors['/email'] ? 'true' : undefined} />
      </Field>
      <Field label="Password" id="su-password" errors={errors['/password']} help="At least 10 characters.">
        <input id="su-password" type="password" autoComplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} aria-invalid={errors['/password'] ? 'true' : undefined} />
      </Field>
      <button class="primary" type="submit" disabled={busy} style="width:100%;justify-content:center">
        Create admin user
      </button>
      <p class="muted" style="margin-top:16px">
        <a href="/signin" onClick={(e) => (e.preventDefault(), onSignIn())}>
          Sign in instead
        </a>
      </p>
    </form>
  );
}
