// Message formats: server messages are valid JSON of the documented shape; client messages parse or say why not.
import { describe, expect, it } from 'vitest';
import { RESET_MESSAGE, errorMessage, eventMessage, laggedMessage, parseClientMessage, pongMessage } from './messages.js';

describe('server messages', () => {
  it('are JSON of the documented shapes', () => {
    const data = { id: 'x', body: { message: 'quote " and \\ backslash' } };
    expect(JSON.parse(eventMessage('logs', 'AQE', JSON.stringify(data)))).toEqual({ type: 'event', channel: 'logs', cursor: 'AQE', data });
    expect(JSON.parse(laggedMessage('AQE'))).toEqual({ type: 'lagged', cursor: 'AQE' });
    expect(JSON.parse(RESET_MESSAGE)).toEqual({ type: 'reset' });
    expect(JSON.parse(errorMessage('bad "x"', 'bad_filter', 3))).toEqual({ type: 'error', message: 'bad "x"', code: 'bad_filter', id: 3 });
    expect(JSON.parse(pongMessage())).toEqual({ type: 'pong' });
    expect(JSON.parse(pongMessage('a'))).toEqual({ type: 'pong', id: 'a' });
  });
});

describe('parseClientMessage', () => {
  it('parses subscribe with filters in both vocabularies', () => {
    expect(parseClientMessage(JSON.stringify({ type: 'subscribe', channel: 'logs', filter: { level: ['error', 'warn'], labels: { env: 'prod' }, 'label.team': 'core' }, since: 'AQE', id: 1 }))).toEqual({
      ok: true,
      message: { type: 'subscribe', channel: 'logs', filter: [['level', 'error,warn'], ['label.env', 'prod'], ['label.team', 'core']], since: 'AQE', id: 1 },
    });
    expect(parseClientMessage('{"type":"unsubscribe","channel":"metrics"}')).toEqual({ ok: true, message: { type: 'unsubscribe', channel: 'metrics', filter: [] } });
    expect(parseClientMessage('{"type":"ping","id":"p"}')).toEqual({ ok: true, message: { type: 'ping', id: 'p' } });
  });

  it.each([
    ['not json', /not valid JSON/],
    ['[1]', /JSON object with a "type"/],
    ['{"type":"hello"}', /unknown message type "hello"/],
    ['{"type":"subscribe","channel":""}', /needs a "channel"/],
    ['{"type":"subscribe","channel":"logs","filter":[1]}', /filter must be an object/],
    ['{"type":"subscribe","channel":"logs","filter":{"labels":[1]}}', /filter.labels must be an object/],
    ['{"type":"subscribe","channel":"logs","filter":{"labels":{"a":1}}}', /filter.labels.a must be a string/],
    ['{"type":"subscribe","channel":"logs","filter":{"level":{"$ne":1}}}', /filter.level must be a string/],
    ['{"type":"subscribe","channel":"logs","since":5}', /"since" must be a cursor string/],
  ])('refuses %s', (text, message) => {
    const r = parseClientMessage(text);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.message).toMatch(message);
  });

  it('echoes the id of a refused message', () => {
    expect(parseClientMessage('{"type":"nope","id":9}')).toMatchObject({ ok: false, id: 9 });
  });
});
