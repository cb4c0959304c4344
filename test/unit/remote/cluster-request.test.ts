import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import {
  type CreateFlags,
  checkClusterName,
  k3dCreateArgs,
  parseCreateRequest,
} from '../../../src/remote/cluster-request.js';

function refused(name: string, flags: CreateFlags = {}): UsageError {
  try {
    parseCreateRequest(name, flags);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('accepted');
}

describe('checkClusterName (k3d CheckName: RFC 1123 host name, at most 32)', () => {
  it.each(['my-app', 'a', 'A1', 'dev.shop', 'x'.repeat(32)])('accepts %s', (name) => {
    expect(checkClusterName(name)).toBe(name);
  });

  it.each([
    ['', 'is empty'],
    ['-app', 'is not valid'],
    ['app-', 'is not valid'],
    ['my_app', 'is not valid'],
    ['a b', 'is not valid'],
    ['x; touch /tmp/pwned', 'is not valid'],
    ['x'.repeat(33), 'has 33 characters; k3d allows at most 32'],
  ])('refuses %j (%s)', (name, words) => {
    expect(() => checkClusterName(name)).toThrow(UsageError);
    expect(() => checkClusterName(name)).toThrow(words);
  });
});

describe('parseCreateRequest', () => {
  it('defaults: API on the dev server loopback, port chosen later, 1 server, 0 agents', () => {
    expect(parseCreateRequest('my-app', {})).toEqual({
      name: 'my-app',
      apiHost: '127.0.0.1',
      apiPort: undefined,
      servers: 1,
      agents: 0,
      ports: [],
    });
  });

  it('checks node filters against the node counts', () => {
    expect(refused('a', { port: ['8080:30080@agent:1'], agents: '1' }).message).toContain(
      'names agent 1, but the cluster has 1 agent (numbered from 0)',
    );
    expect(refused('a', { port: ['8080:30080@agent:*'] }).hint).toContain('--agents 1');
  });

  it('names the node a filter asks for when the cluster has none of that role, and enough to add', () => {
    const none = refused('a', { port: ['8080:30080@agent:3'] });
    expect(none.message).toContain('node filter agent:3 names agent 3, but the cluster has 0 agents');
    expect(none.hint).toContain('Add agents with --agents 4,');
    const list = refused('a', { port: ['8080:30080@agent:1,3'], agents: '2' });
    expect(list.message).toContain('names agent 3, but the cluster has 2 agents');
    expect(list.hint).toContain('--agents 4');
    const range = refused('a', { port: ['8080:30080@agent:2-'] });
    expect(range.message).toContain('names agent 2');
    expect(range.hint).toContain('--agents 3');
    expect(refused('a', { port: ['8080:30080@server:0-5'], servers: '2' }).hint).toContain('--servers 6');
    expect(refused('a', { port: ['8080:30080@agent:0-99999999'] }).hint).toContain('--agents 100000000');
    expect(refused('a', { port: ['8080:30080@server:0-2'], servers: '2' }).message).toContain(
      'names server 2',
    );
    expect(refused('a', { port: ['8080:30080@agent:2-1'], agents: '3' }).message).toContain('runs backwards');
    expect(refused('a', { port: ['9090:30090@agent:*:direct'], agents: '2' }).message).toContain(
      'a :direct mapping publishes the port on one node, but the filter names 2 (agent:0, agent:1)',
    );
    expect(parseCreateRequest('a', { port: ['9090:30090@agent:1:direct'], agents: '2' }).ports).toHaveLength(
      1,
    );
  });

  it('refuses a host port given twice, or equal to the API port', () => {
    expect(refused('a', { port: ['8080:30080@server:0', '8080:30081@server:0'] }).message).toBe(
      '-p "8080:30081@server:0": host port 8080 is already used by -p "8080:30080@server:0".',
    );
    // Two different addresses may share a port number.
    expect(
      parseCreateRequest('a', { port: ['127.0.0.1:8080:30080@server:0', '10.0.0.5:8080:30081@server:0'] })
        .ports,
    ).toHaveLength(2);
    expect(refused('a', { port: ['16443:30080@server:0'], apiPort: '16443' }).message).toContain(
      'is also the API port (--api-port 16443)',
    );
  });

  it.each([
    [{ apiPort: '0' }, '--api-port "0" is not a port'],
    [{ apiPort: '127.0.0.1:6443' }, '--api-port "127.0.0.1:6443" is not a port'],
    [{ apiHost: 'dev.example.com' }, 'is not an IPv4 address'],
    [{ servers: '0' }, '--servers "0" is not a number from 1 to 99'],
    [{ agents: '-1' }, '--agents "-1" is not a number from 0 to 99'],
    [{ agents: 'two' }, '--agents "two"'],
  ] as [CreateFlags, string][])('refuses %j', (flags, words) => {
    expect(refused('a', flags).message).toContain(words);
  });
});

describe('k3dCreateArgs', () => {
  it('binds the API as asked, passes the ports through and leaves the dev server kubeconfig alone', () => {
    const request = parseCreateRequest('my-app', {
      port: ['8080:30080@server:0', '127.0.0.1:8443:443/tcp@loadbalancer'],
      agents: '1',
    });
    expect(k3dCreateArgs({ ...request, apiPort: 16445 })).toEqual([
      'cluster',
      'create',
      'my-app',
      '--api-port',
      '127.0.0.1:16445',
      '--servers',
      '1',
      '--agents',
      '1',
      '--port',
      '8080:30080@server:0',
      '--port',
      '127.0.0.1:8443:443@loadbalancer',
      '--kubeconfig-update-default=false',
      '--kubeconfig-switch-context=false',
    ]);
  });
});
