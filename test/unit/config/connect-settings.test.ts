// `connect`'s layering of flags over saved settings, and --save, on a commander command shaped like the
// real one: its --bind and --context-name carry defaults that must neither hide a setting nor be saved.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { addSettingsOptions, givenFlags, resolveConnectOptions } from '../../../src/cli/connect-settings.js';
import { collect } from '../../../src/cli/options.js';
import { SettingsStore } from '../../../src/config/settings.js';

const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) fs.rmSync(home, { recursive: true, force: true });
});

function tempEnv(): NodeJS.ProcessEnv {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-connect-settings-'));
  homes.push(home);
  return { HOME: home, TUNNEL_HOME: path.join(home, 'state'), KUBECONFIG: path.join(home, 'kubeconfig') };
}

/** Parses a connect command line the way main.ts would and returns the connect Command. */
function parseConnect(args: string[]): Command {
  const program = new Command('tunnel').exitOverride().option('--ssh-config <file>');
  const connect = program
    .command('connect')
    .argument('<host>')
    .option('--cluster <name>', '', collect, [])
    .option('--map <remote:local>', '', collect, [])
    .option('--bind <address>', '', '127.0.0.1')
    .option('--kubeconfig <file>')
    .option('--no-kubeconfig')
    .option('--switch-context')
    .option('--context-name <template>', '', 'k3d-{cluster}@{host}')
    .option('--accept-new-host-key')
    .action(() => {});
  addSettingsOptions(connect);
  program.parse(['connect', ...args], { from: 'user' });
  return connect;
}

describe('givenFlags', () => {
  it('keeps what was typed and drops what commander defaulted', async () => {
    expect(givenFlags(parseConnect(['devserver']))).toEqual({});
    expect(
      givenFlags(parseConnect(['devserver', '--bind', '::1', '--hold-timeout', '45s', '--save'])),
    ).toEqual({
      bind: '::1',
      holdTimeout: '45s',
      save: true,
    });
    expect(givenFlags(parseConnect(['devserver', '--no-kubeconfig'])).kubeconfig).toBe(false);
  });
});

describe('resolveConnectOptions', () => {
  it('layers typed flags over saved settings over the defaults', async () => {
    const env = tempEnv();
    (await SettingsStore.open(env)).update('devserver', {
      bind: '::1',
      holdTimeout: '1m',
      contextName: '{cluster}-dev',
    });
    const { options, saved } = await resolveConnectOptions(
      'devserver',
      parseConnect(['devserver', '--hold-timeout', '5s']),
      env,
    );
    expect(options).toMatchObject({
      bindAddress: '::1',
      contextTemplate: '{cluster}-dev',
      holdTimeoutMs: 5000,
      rediscoverIntervalMs: 30_000,
    });
    expect(saved).toEqual([]);
    // Without --save nothing is written.
    expect((await SettingsStore.open(env)).host('devserver')).toEqual({
      bind: '::1',
      holdTimeout: '1m',
      contextName: '{cluster}-dev',
    });
  });

  it('--save keeps exactly the flags given on this command line, merged into the host settings', async () => {
    const env = tempEnv();
    (await SettingsStore.open(env)).update('dev.example.com', { bind: '::1' });
    const command = parseConnect([
      'dev.example.com',
      '--map',
      '8080:18080',
      '--map',
      '3000:13000',
      '--rediscover-interval',
      '90000',
      '--kubeconfig',
      'rel.yaml',
      '--accept-new-host-key',
      '--save',
    ]);
    const { options, saved, settingsFile } = await resolveConnectOptions('dev.example.com', command, env);
    expect(saved).toEqual(['map', 'rediscoverInterval', 'kubeconfig']);
    expect(options.acceptNewHostKey).toBe(true);
    expect((await SettingsStore.open(env)).host('dev.example.com')).toEqual({
      map: ['8080:18080', '3000:13000'],
      bind: '::1',
      rediscoverInterval: '1m30s',
      kubeconfig: path.resolve('rel.yaml'),
    });
    expect(settingsFile).toBe(path.join(env.TUNNEL_HOME!, 'settings', 'settings.json'));
  });

  it('--save with nothing to save writes nothing; a bad flag is never saved', async () => {
    const env = tempEnv();
    expect(
      (await resolveConnectOptions('devserver', parseConnect(['devserver', '--save']), env)).saved,
    ).toEqual([]);
    expect(fs.existsSync(path.join(env.TUNNEL_HOME!, 'settings', 'settings.json'))).toBe(false);
    await expect(
      resolveConnectOptions('devserver', parseConnect(['devserver', '--bind', 'banana', '--save']), env),
    ).rejects.toThrow(/--bind banana/);
    expect((await SettingsStore.open(env)).host('devserver')).toEqual({});
  });

  it('accepts plain flags too, and --no-kubeconfig is saved as none', async () => {
    const env = tempEnv();
    const { options, saved } = await resolveConnectOptions(
      'h',
      { kubeconfig: false, switchContext: true, save: true },
      env,
    );
    expect(options.kubeconfig).toEqual({ kind: 'none' });
    expect(saved).toEqual(['kubeconfig', 'switchContext']);
    expect((await SettingsStore.open(env)).host('h')).toEqual({ kubeconfig: 'none', switchContext: true });
  });
});
