// Configuration: targets of every kind, rules, notification channels (with a test send), silences,
// maintenance windows, public status pages, API keys (shown once) and users. One generic editor driven by
// field specs; the kinds offered come from the OpenAPI document, so kinds added to the API appear here.
// The API's 422 details are shown next to the field they point at.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { assignErrors, Field, FormError, useAction, type FieldErrors } from '../components/Form.js';
import { api, ApiError, get, type Page } from '../lib/api.js';
import { dateTime } from '../lib/format.js';
import { fromInput, getAt, InputError, setAt, toInput, type FieldSpec } from '../lib/form-model.js';
import { FALLBACK_KINDS, kindsOf, type Kinds, type KindsDocument } from '../lib/kinds.js';
import { navigate, useLocation } from '../lib/router.js';
import { useFetch } from '../lib/use-fetch.js';

type Item = Record<string, unknown> & { id: string };

interface Section {
  key: string;
  title: string;
  path: string;
  noun: string;
  fields: (kinds: Kinds) => FieldSpec[];
  columns: Array<{ label: string; value: (i: Item) => string }>;
  canEdit: boolean;
  defaults?: Record<string, unknown>;
}

const BUILTIN_TARGET_BLOCKS = ['heartbeat', 'http'];
const kindIs =
  (...k: string[]) =>
  (b: Record<string, unknown>): boolean =>
    k.includes(String(b.kind));

const TARGETS_SECTION: Section = {
    key: 'targets',
    title: 'Targets',
    path: '/api/targets',
    noun: 'target',
    canEdit: true,
    defaults: { kind: 'heartbeat' },
    fields: (k) => [
      { at: '/name', label: 'Name', type: 'text', required: true, help: 'The target name agents report under (e.g. the heartbeat path /ingest/heartbeat/{name}).' },
      { at: '/kind', label: 'Kind', type: 'select', options: k.target },
      { at: '/heartbeat/intervalSec', label: 'Ping interval (seconds)', type: 'number', when: kindIs('heartbeat') },
      { at: '/heartbeat/graceSec', label: 'Grace (seconds)', type: 'number', when: kindIs('heartbeat'), help: 'Extra time after a missed ping before the target is down.' },
      { at: '/heartbeat/maxRunSec', label: 'Longest run (seconds)', type: 'number', when: kindIs('heartbeat') },
      { at: '/http/url', label: 'URL', type: 'text', when: kindIs('http') },
      { at: '/http/method', label: 'Method', type: 'select', options: ['', 'GET', 'HEAD', 'POST'], when: kindIs('http') },
      { at: '/http/intervalSec', label: 'Check interval (seconds)', type: 'number', when: kindIs('http') },
      { at: '/http/timeoutMs', label: 'Timeout (ms)', type: 'number', when: kindIs('http') },
      { at: '/http/retries', label: 'Retries', type: 'number', when: kindIs('http') },
      { at: '/http/expectedStatus', label: 'Expected statuses', type: 'json', when: kindIs('http'), help: 'A JSON list such as [200, 204]; empty = any 2xx.' },
      ...k.target
        .filter((x) => !BUILTIN_TARGET_BLOCKS.includes(x) && x !== 'metric' && x !== 'log')
        .map((x): FieldSpec => ({ at: `/${x}`, label: `${x} settings (JSON)`, type: 'json', when: kindIs(x), help: `The "${x}" block as the API documents it.` })),
      { at: '/labels', label: 'Labels', type: 'labels', help: 'env=prod, team=core' },
      { at: '/slaTarget', label: 'SLA target (%)', type: 'number' },
      { at: '/channels', label: 'Notification channel ids', type: 'list', help: 'Empty: the default channels.' },
      { at: '/paused', label: 'Paused', type: 'checkbox' },
    ],
    columns: [
      { label: 'Name', value: (i) => String(i.name) },
      { label: 'Kind', value: (i) => String(i.kind) },
      { label: 'Paused', value: (i) => (i.paused ? 'yes' : 'no') },
    ],
};

const SECTIONS: Section[] = [
  TARGETS_SECTION,
  {
    key: 'rules',
    title: 'Rules',
    path: '/api/rules',
    noun: 'rule',
    canEdit: true,
    defaults: { kind: 'threshold', severity: 'warning', enabled: true, params: { metric: 'cpu', op: '>', value: 0.9, forSec: 60 } },
    fields: (k) => [
      { at: '/name', label: 'Name', type: 'text', required: true },
      { at: '/kind', label: 'Kind', type: 'select', options: k.rule },
      { at: '/targetId', label: 'Target id', type: 'text', help: 'One target; or a selector below; neither = every target.' },
      { at: '/selector', label: 'Selector', type: 'labels' },
      { at: '/severity', label: 'Severity', type: 'select', options: ['info', 'warning', 'critical'] },
      { at: '/params', label: 'Parameters (JSON)', type: 'json', help: 'threshold: {"metric","op","value","forSec"}; log_pattern: {"pattern","count","windowSec"}; any kind: "manualResolve": true lets people resolve its incidents by hand (the Resolve button); see the API docs.' },
      { at: '/channels', label: 'Notification channel ids', type: 'list' },
      { at: '/enabled', label: 'Enabled', type: 'checkbox' },
    ],
    columns: [
      { label: 'Name', value: (i) => String(i.name) },
      { label: 'Kind', value: (i) => String(i.kind) },
      { label: 'Severity', value: (i) => String(i.severity) },
      { label: 'Enabled', value: (i) => (i.enabled ? 'yes' : 'no') },
    ],
  },
  {
    key: 'channels',
    title: 'Notification channels',
    path: '/api/channels',
    noun: 'channel',
    canEdit: true,
    defaults: { kind: 'webhook', config: { url: 'https://' } },
    fields: (k) => [
      { at: '/name', label: 'Name', type: 'text', required: true },
      { at: '/kind', label: 'Kind', type: 'select', options: k.channel },
      { at: '/config', label: 'Settings (JSON)', type: 'json', help: 'webhook: {"url", "secret"}; slack: {"webhookUrl"}; telegram: {"botToken", "chatId"}; secrets are masked when shown and kept when sent back masked.' },
      { at: '/isDefault', label: 'Default channel (gets incidents of targets and rules that name none)', type: 'checkbox' },
      { at: '/repeatIntervalSec', label: 'Reminder interval (seconds, 0 = none)', type: 'number' },
      { at: '/rateLimitPerMin', label: 'At most messages per minute', type: 'number' },
    ],
    columns: [
      { label: 'Name', value: (i) => String(i.name) },
      { label: 'Kind', value: (i) => String(i.kind) },
      { label: 'Default', value: (i) => (i.isDefault ? 'yes' : 'no') },
    ],
  },
  {
    key: 'silences',
    title: 'Silences',
    path: '/api/silences',
    noun: 'silence',
    canEdit: true,
    fields: () => [
      { at: '/matchers', label: 'Matchers', type: 'matchers', help: 'One per line: label=value, target=name, rule=name, severity=critical; also !=, =~, !~.' },
      { at: '/startsAt', label: 'Starts', type: 'datetime', help: 'Empty: now.' },
      { at: '/endsAt', label: 'Ends', type: 'datetime' },
      { at: '/comment', label: 'Comment', type: 'text' },
    ],
    columns: [
      { label: 'Matchers', value: (i) => ((i.matchers as Array<{ name: string; op: string; value: string }>) ?? []).map((m) => `${m.name}${m.op}${m.value}`).join(', ') },
      { label: 'Starts', value: (i) => dateTime(i.startsAt as number) },
      { label: 'Ends', value: (i) => dateTime(i.endsAt as number) },
      { label: 'Comment', value: (i) => String(i.comment ?? '') },
    ],
  },
  {
    key: 'maintenance',
    title: 'Maintenance windows',
    path: '/api/maintenance',
    noun: 'maintenance window',
    canEdit: true,
    fields: () => [
      { at: '/name', label: 'Name', type: 'text', required: true },
      { at: '/targetIds', label: 'Target ids', type: 'list', help: 'Or a selector; neither = every target.' },
      { at: '/selector', label: 'Selector', type: 'labels' },
      { at: '/startsAt', label: 'Starts', type: 'datetime' },
      { at: '/endsAt', label: 'Ends', type: 'datetime' },
      { at: '/comment', label: 'Comment', type: 'text' },
    ],
    columns: [
      { label: 'Name', value: (i) => String(i.name) },
      { label: 'Starts', value: (i) => dateTime(i.startsAt as number) },
      { label: 'Ends', value: (i) => dateTime(i.endsAt as number) },
    ],
  },
  {
    key: 'statuspages',
    title: 'Status pages',
    path: '/api/statuspages',
    noun: 'status page',
    canEdit: true,
    defaults: { published: true, sections: [{ name: 'Services', targetIds: [] }] },
    fields: () => [
      { at: '/name', label: 'Title', type: 'text', required: true },
      { at: '/slug', label: 'Slug', type: 'text', help: 'Public at /status/{slug}; lowercase letters, digits and -.' },
      { at: '/description', label: 'Description', type: 'text' },
      { at: '/sections', label: 'Sections (JSON)', type: 'json', help: '[{"name": "API", "targetIds": ["…"]}]: target ids are on each target page URL.' },
      { at: '/published', label: 'Published (served without credentials)', type: 'checkbox' },
    ],
    columns: [
      { label: 'Title', value: (i) => String(i.name) },
      { label: 'Public page', value: (i) => `/status/${String(i.slug)}` },
      { label: 'Published', value: (i) => (i.published ? 'yes' : 'no') },
    ],
  },
  {
    key: 'keys',
    title: 'API keys',
    path: '/api/keys',
    noun: 'API key',
    canEdit: false,
    defaults: { scopes: ['ingest'] },
    fields: () => [
      { at: '/name', label: 'Name', type: 'text', required: true },
      { at: '/scopes', label: 'Scopes', type: 'scopes', options: ['ingest', 'read', 'admin'] },
    ],
    columns: [
      { label: 'Name', value: (i) => String(i.name) },
      { label: 'Prefix', value: (i) => `${String(i.prefix)}…` },
      { label: 'Scopes', value: (i) => ((i.scopes as string[]) ?? []).join(', ') },
      { label: 'Status', value: (i) => (i.revokedAt ? `revoked ${dateTime(i.revokedAt as number)}` : 'active') },
    ],
  },
  {
    key: 'users',
    title: 'Users',
    path: '/api/users',
    noun: 'user',
    canEdit: false,
    defaults: { scopes: ['read'] },
    fields: () => [
      { at: '/email', label: 'Email', type: 'text', required: true },
      { at: '/password', label: 'Password', type: 'password', help: 'At least 10 characters.' },
      { at: '/scopes', label: 'Scopes', type: 'scopes', options: ['read', 'admin'] },
    ],
    columns: [
      { label: 'Email', value: (i) => String(i.email) },
      { label: 'Scopes', value: (i) => ((i.scopes as string[]) ?? []).join(', ') },
      { label: 'Created', value: (i) => dateTime(i.createdAt as number) },
    ],
  },
];

let kindsCache: Promise<Kinds> | null = null;

/** The kinds the API accepts, read from its OpenAPI document (falls back to the built-in ones). */
function loadKinds(): Promise<Kinds> {
  kindsCache ??= get<KindsDocument>('/api/openapi.json')
    .then(kindsOf)
    .catch(() => FALLBACK_KINDS);
  return kindsCache;
}

export function SettingsPage({ section }: { section: string }) {
  const { query } = useLocation();
  const s = SECTIONS.find((x) => x.key === section) ?? TARGETS_SECTION;
  const [kinds, setKinds] = useState<Kinds>(FALLBACK_KINDS);
  useEffect(() => void loadKinds().then(setKinds), []);
  const { data, error, reload } = useFetch<Page<Item>>(s.path);
  const editId = query.get('edit');
  const creating = query.get('new') === '1';
  const editing = editId ? data?.items.find((i) => i.id === editId) : undefined;
  const [shownKey, setShownKey] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const action = useAction();
  const close = (): void => navigate(`/settings/${s.key}`);
  return (
    <>
      <div class="page-head">
        <h1>Configuration</h1>
      </div>
      <nav class="tabs" aria-label="Configuration sections">
        {SECTIONS.map((x) => (
          <a class="button" href={`/settings/${x.key}`} aria-current={x.key === s.key ? 'page' : undefined} style={x.key === s.key ? 'border-color:var(--accent);font-weight:650' : ''}>
            {x.title}
          </a>
        ))}
      </nav>
      {shownKey && (
        <div class="callout" role="status">
          <b>Copy this key now: it is shown only once.</b>
          <div class="secret">{shownKey}</div>
          <button type="button" onClick={() => void navigator.clipboard?.writeText(shownKey)}>
            Copy
          </button>{' '}
          <button type="button" onClick={() => setShownKey(null)}>
            Done
          </button>
        </div>
      )}
      {notice && (
        <div class="callout" role="status">
          {notice}
        </div>
      )}
      <FormError error={action.error} />
      {(creating || editing) && (
        <EditForm
          key={editing?.id ?? 'new'}
          section={s}
          kinds={kinds}
          item={editing}
          onDone={(created) => {
            if (created && typeof created.key === 'string') setShownKey(created.key);
            close();
            reload();
          }}
          onCancel={close}
        />
      )}
      <div class="panel">
        <div class="page-head" style="margin-bottom:8px">
          <h2 style="margin:0">{s.title}</h2>
          {!creating && (
            <a class="button primary" href={`/settings/${s.key}?new=1`}>
              New {s.noun}
            </a>
          )}
        </div>
        {error && <div class="form-error">{error.message}</div>}
        <table aria-label={s.title}>
          <thead>
            <tr>
              {s.columns.map((c) => (
                <th scope="col">{c.label}</th>
              ))}
              <th scope="col">
                <span class="skip">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data?.items.map((i) => (
              <tr key={i.id}>
                {s.columns.map((c, n) => (
                  <td class="wrap">{n === 0 && s.key === 'targets' ? <a href={`/targets/${encodeURIComponent(i.id)}`}>{c.value(i)}</a> : c.value(i)}</td>
                ))}
                <td class="row" style="justify-content:flex-end">
                  {s.key === 'channels' && (
                    <button
                      type="button"
                      onClick={() =>
                        void action.run(async () => {
                          const r = await api<{ ok: boolean; status?: number; error?: string }>('POST', `/api/channels/${encodeURIComponent(i.id)}/test`, {});
                          setNotice(r.ok ? `Test notification sent to ${String(i.name)}${r.status ? ` (HTTP ${r.status})` : ''}.` : `Test notification to ${String(i.name)} failed: ${r.error ?? `HTTP ${r.status}`}`);
                        })
                      }
                    >
                      Send test notification
                    </button>
                  )}
                  {s.key === 'statuspages' && (
                    <a class="button" href={`/status/${String(i.slug)}`} target="_blank" rel="noopener">
                      View
                    </a>
                  )}
                  {s.canEdit && (
                    <a class="button" href={`/settings/${s.key}?edit=${encodeURIComponent(i.id)}`} aria-label={`Edit ${String(i.name ?? i.id)}`}>
                      Edit
                    </a>
                  )}
                  {s.key === 'keys' ? (
                    !i.revokedAt && (
                      <button
                        type="button"
                        class="danger"
                        onClick={() =>
                          confirm(`Revoke key ${String(i.name)}? Agents using it stop working.`) &&
                          void action.run(async () => {
                            await api('POST', `/api/keys/${encodeURIComponent(i.id)}/revoke`, {});
                            reload();
                          })
                        }
                      >
                        Revoke
                      </button>
                    )
                  ) : (
                    <button
                      type="button"
                      class="danger"
                      aria-label={`Delete ${String(i.name ?? i.email ?? i.id)}`}
                      onClick={() =>
                        confirm(`Delete this ${s.noun}?`) &&
                        void action.run(async () => {
                          await api('DELETE', `${s.path}/${encodeURIComponent(i.id)}`);
                          reload();
                        })
                      }
                    >
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {data && data.items.length === 0 && <p class="muted">None yet.</p>}
      </div>
    </>
  );
}

function EditForm({ section, kinds, item, onDone, onCancel }: { section: Section; kinds: Kinds; item?: Item; onDone: (created?: Record<string, unknown>) => void; onCancel: () => void }) {
  const fields = useMemo(() => section.fields(kinds), [section, kinds]);
  const start = item ?? section.defaults ?? {};
  const [raw, setRaw] = useState<Record<string, string | boolean>>(() => Object.fromEntries(fields.map((f) => [f.at, toInput(f.type, getAt(start, f.at))])));
  const [errors, setErrors] = useState<FieldErrors>({});
  const { busy, error, run, setError } = useAction();
  const kind = String(raw['/kind'] ?? '');
  const visible = fields.filter((f) => !f.when || f.when({ kind }));
  const submit = (e: Event): void => {
    e.preventDefault();
    setErrors({});
    void run(async () => {
      let body: Record<string, unknown> = {};
      const local: FieldErrors = {};
      for (const f of visible) {
        try {
          const v = fromInput(f.type, raw[f.at] ?? '');
          if (v !== undefined) body = setAt(body, f.at, v);
          else if (item && getAt(item, f.at) !== undefined && !f.at.slice(1).includes('/')) body = setAt(body, f.at, null);
        } catch (err) {
          if (err instanceof InputError) local[f.at] = [err.message];
          else throw err;
        }
      }
      // Blocks of other kinds are removed when the kind changes.
      if (item) for (const f of fields) if (f.when && !f.when({ kind }) && f.at.split('/').length === 2 && getAt(item, f.at) !== undefined) body = setAt(body, f.at, null);
      if (item && section.key === 'targets') for (const b of [...BUILTIN_TARGET_BLOCKS, ...kinds.target]) if (b !== kind && getAt(item, `/${b}`) !== undefined) body[b] = null;
      if (Object.keys(local).length > 0) {
        setErrors(local);
        return;
      }
      try {
        const out = item ? await api<Record<string, unknown>>('PATCH', `${section.path}/${encodeURIComponent(item.id)}`, body) : await api<Record<string, unknown>>('POST', section.path, body);
        onDone(out);
      } catch (err) {
        if (err instanceof ApiError && (err.status === 422 || err.status === 400) && err.details.length > 0) {
          const fe = assignErrors(err.details, visible.map((f) => f.at));
          setErrors(fe);
          setError(new Error(fe[''] ? fe[''].join('; ') : 'Please correct the fields marked below.'));
          return;
        }
        throw err;
      }
    });
  };
  return (
    <form class="panel" onSubmit={submit} noValidate>
      <h2>{item ? `Edit ${section.noun}` : `New ${section.noun}`}</h2>
      <FormError error={error} />
      <div class="grid2">
        {visible.map((f) => {
          const id = `cfg${f.at.replace(/\W/g, '-')}`;
          const errs = errors[f.at];
          const v = raw[f.at];
          const set = (x: string | boolean): void => setRaw({ ...raw, [f.at]: x });
          const common = { id, 'aria-invalid': errs ? ('true' as const) : undefined, 'aria-describedby': f.help ? `${id}-help` : undefined };
          let input;
          switch (f.type) {
            case 'checkbox':
              return (
                <div class="field" key={f.at}>
                  <label class="check" for={id}>
                    <input type="checkbox" {...common} checked={v === true} onChange={(e) => set(e.currentTarget.checked)} /> {f.label}
                  </label>
                  {errs?.map((m) => (
                    <span class="error">{m}</span>
                  ))}
                </div>
              );
            case 'select':
              input = (
                <select {...common} value={String(v)} onChange={(e) => set(e.currentTarget.value)}>
                  {(f.options ?? []).map((o) => (
                    <option value={o}>{o || '(default)'}</option>
                  ))}
                </select>
              );
              break;
            case 'scopes': {
              const chosen = new Set(String(v).split(/[,\s]+/).filter(Boolean));
              input = (
                <div class="row" id={id} role="group" aria-label={f.label}>
                  {(f.options ?? []).map((o) => (
                    <label class="check">
                      <input
                        type="checkbox"
                        checked={chosen.has(o)}
                        onChange={(e) => {
                          if (e.currentTarget.checked) chosen.add(o);
                          else chosen.delete(o);
                          set([...chosen].join(', '));
                        }}
                      />{' '}
                      {o}
                    </label>
                  ))}
                </div>
              );
              break;
            }
            case 'json':
            case 'matchers':
            case 'textarea':
              input = <textarea {...common} value={String(v)} onInput={(e) => set(e.currentTarget.value)} />;
              break;
            default:
              input = <input {...common} type={f.type === 'number' ? 'text' : f.type === 'datetime' ? 'datetime-local' : f.type === 'password' ? 'password' : 'text'} inputMode={f.type === 'number' ? 'decimal' : undefined} value={String(v)} onInput={(e) => set(e.currentTarget.value)} />;
          }
          return (
            <Field label={f.label} id={id} errors={errs} help={f.help} key={f.at}>
              {input}
            </Field>
          );
        })}
      </div>
      <div class="row">
        <button class="primary" type="submit" disabled={busy}>
          {item ? 'Save' : `Create ${section.noun}`}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
