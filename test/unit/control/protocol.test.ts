import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeFrame,
  isProtocolError,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  parseFrame,
  parseServerFrame,
  protocolErrorFrame,
} from '../../../src/control/protocol.js';

const v = PROTOCOL_VERSION;
const options = {
  alias: 'devserver',
  sshConfigFile: null,
  clusters: ['dev'],
  maps: [[8080, 18080]],
  bindAddress: '127.0.0.1',
  acceptNewHostKey: false,
  kubeconfig: { kind: 'merge', file: '/home/me/.kube/config', switchContext: true },
  contextTemplate: 'k3d-{cluster}@{host}',
  holdTimeoutMs: 45_000,
  rediscoverIntervalMs: 60_000,
};

function reason(line: string) {
  const frame = parseFrame(line);
  return isProtocolError(frame) ? frame.reason : undefined;
}

describe('parseFrame', () => {
  it('reads every request type into a typed frame, dropping unknown fields', () => {
    expect(parseFrame(JSON.stringify({ v, id: 1, type: 'hello', clientVersion: '0.1.0', extra: 1 }))).toEqual(
      {
        v,
        id: 1,
        type: 'hello',
        clientVersion: '0.1.0',
      },
    );
    expect(parseFrame(JSON.stringify({ v, id: 2, type: 'status' }))).toEqual({ v, id: 2, type: 'status' });
    expect(parseFrame(JSON.stringify({ v, id: 3, type: 'status', host: 'a' }))).toMatchObject({ host: 'a' });
    const connect = parseFrame(JSON.stringify({ v, id: 4, type: 'connect', options }));
    expect(connect).toMatchObject({
      type: 'connect',
      options: { alias: 'devserver', sshConfigFile: undefined },
    });
    expect(
      parseFrame(
        JSON.stringify({ v, id: 5, type: 'disconnect', target: { all: true }, keepKubeconfig: true }),
      ),
    ).toEqual({ v, id: 5, type: 'disconnect', target: { all: true }, keepKubeconfig: true });
    expect(parseFrame(JSON.stringify({ v, id: 8, type: 'rediscover', host: 'devserver' }))).toEqual({
      v,
      id: 8,
      type: 'rediscover',
      host: 'devserver',
    });
    expect(parseFrame(JSON.stringify({ v, id: 6, type: 'shutdown' }))).toEqual({
      v,
      id: 6,
      type: 'shutdown',
    });
    expect(parseFrame(JSON.stringify({ v, id: 6, type: 'shutdown', ifIdle: true }))).toEqual({
      v,
      id: 6,
      type: 'shutdown',
      ifIdle: true,
    });
    expect(parseFrame(JSON.stringify({ v, id: 6, type: 'shutdown', ifIdle: 'yes' }))).toMatchObject({
      kind: 'protocol-error',
      reason: 'bad-field',
    });
    expect(parseFrame(JSON.stringify({ v, id: 7, type: 'answer', value: 'secret' }))).toEqual({
      v,
      id: 7,
      type: 'answer',
      value: 'secret',
    });
  });

  it('names what is wrong with a bad frame, keeping the id when there is one', () => {
    expect(reason('{not json')).toBe('not-json');
    expect(reason('[]')).toBe('not-object');
    expect(reason('null')).toBe('not-object');
    expect(reason('42')).toBe('not-object');
    expect(reason(JSON.stringify({ v, type: 'status' }))).toBe('missing-id');
    expect(reason(JSON.stringify({ v, id: -1, type: 'status' }))).toBe('missing-id');
    expect(reason(JSON.stringify({ v, id: 1.5, type: 'status' }))).toBe('missing-id');
    expect(parseFrame(JSON.stringify({ v: 999, id: 9, type: 'status' }))).toMatchObject({
      reason: 'bad-version',
      id: 9,
    });
    expect(reason(JSON.stringify({ v, id: 1, type: 'reboot' }))).toBe('unknown-type');
    expect(reason(JSON.stringify({ v, id: 1, type: 'toString' }))).toBe('unknown-type');
    expect(reason(JSON.stringify({ v, id: 1, type: '__proto__' }))).toBe('unknown-type');
    expect(reason(JSON.stringify({ v, id: 1 }))).toBe('unknown-type');
    expect(reason(JSON.stringify({ v, id: 1, type: 'hello' }))).toBe('bad-field');
    expect(reason(JSON.stringify({ v, id: 1, type: 'rediscover' }))).toBe('bad-field');
    expect(reason(JSON.stringify({ v, id: 1, type: 'rediscover', host: '' }))).toBe('bad-field');
    expect(reason(JSON.stringify({ v, id: 1, type: 'disconnect', target: {}, keepKubeconfig: false }))).toBe(
      'bad-field',
    );
    expect(
      reason(JSON.stringify({ v, id: 1, type: 'connect', options: { ...options, maps: [[0, 1]] } })),
    ).toBe('bad-field');
    expect(
      reason(
        JSON.stringify({ v, id: 1, type: 'connect', options: { ...options, kubeconfig: { kind: 'x' } } }),
      ),
    ).toBe('bad-field');
    for (const bad of [1.5, -1, 0, 99, 86_400_001, '30000', true]) {
      expect(
        reason(JSON.stringify({ v, id: 1, type: 'connect', options: { ...options, holdTimeoutMs: bad } })),
      ).toBe('bad-field');
      expect(
        reason(
          JSON.stringify({ v, id: 1, type: 'connect', options: { ...options, rediscoverIntervalMs: bad } }),
        ),
      ).toBe('bad-field');
    }
    expect(reason(JSON.stringify({ v, id: 1, type: 'answer', value: 3 }))).toBe('bad-field');
    expect(reason(`"${'x'.repeat(MAX_FRAME_BYTES + 1)}"`)).toBe('oversize');
  });

  it('carries the hold timeout and rediscovery interval of connect, defaulting them when absent', () => {
    expect(parseFrame(JSON.stringify({ v, id: 4, type: 'connect', options }))).toMatchObject({
      options: { holdTimeoutMs: 45_000, rediscoverIntervalMs: 60_000 },
    });
    const { holdTimeoutMs: _hold, rediscoverIntervalMs: _rediscover, ...older } = options;
    expect(parseFrame(JSON.stringify({ v, id: 4, type: 'connect', options: older }))).toMatchObject({
      options: { holdTimeoutMs: 30_000, rediscoverIntervalMs: 30_000 },
    });
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (line) => {
        const frame = parseFrame(line);
        expect(frame).toBeTypeOf('object');
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary JSON, nor on envelopes with arbitrary fields', () => {
    const envelope = fc.record(
      {
        v: fc.oneof(fc.constant(v), fc.jsonValue()),
        id: fc.oneof(fc.nat(), fc.jsonValue()),
        type: fc.oneof(
          fc.constantFrom(
            'hello',
            'status',
            'connect',
            'disconnect',
            'rediscover',
            'shutdown',
            'answer',
            'ok',
            'error',
            'ask',
          ),
          fc.string(),
        ),
        clientVersion: fc.jsonValue(),
        host: fc.jsonValue(),
        options: fc.oneof(fc.constant(options), fc.jsonValue()),
        target: fc.jsonValue(),
        keepKubeconfig: fc.jsonValue(),
        value: fc.jsonValue(),
        body: fc.jsonValue(),
        error: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), envelope), (value) => {
        const line = JSON.stringify(value);
        expect(parseFrame(line)).toBeTypeOf('object');
        expect(parseServerFrame(line)).toBeTypeOf('object');
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trips what encodeFrame writes', () => {
    const frame = { v, id: 12, type: 'status', host: 'devserver' } as const;
    expect(parseFrame(encodeFrame(frame).trimEnd())).toEqual(frame);
  });
});

describe('parseServerFrame', () => {
  it('reads ok, error and ask frames; an unknown error code becomes AGENT', () => {
    expect(parseServerFrame(JSON.stringify({ v, id: 1, type: 'ok', body: { a: [1] } }))).toEqual({
      v,
      id: 1,
      type: 'ok',
      body: { a: [1] },
    });
    expect(
      parseServerFrame(
        JSON.stringify({ v, id: 2, type: 'error', error: { code: 'NEW_THING', message: 'm' } }),
      ),
    ).toEqual({ v, id: 2, type: 'error', error: { code: 'AGENT', message: 'm', hint: undefined } });
    expect(
      parseServerFrame(
        JSON.stringify({ v, id: 3, type: 'ask', requestId: 1, kind: 'confirm', text: 'trust?' }),
      ),
    ).toMatchObject({ type: 'ask', requestId: 1, kind: 'confirm' });
    expect(
      parseServerFrame(JSON.stringify({ v, id: 3, type: 'ask', requestId: 1, kind: 'x', text: '' })),
    ).toMatchObject({ reason: 'bad-field' });
  });

  it('turns a protocol error into a PROTOCOL error reply with a hint', () => {
    const frame = parseFrame(JSON.stringify({ v: 2, id: 4, type: 'status' }));
    if (!isProtocolError(frame)) throw new Error('expected a protocol error');
    const reply = protocolErrorFrame(frame);
    expect(reply).toMatchObject({ id: 4, type: 'error', error: { code: 'PROTOCOL' } });
    expect(reply.error.hint).toContain('tunnel agent stop');
  });
});
