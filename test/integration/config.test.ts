// `tunnel config` through the real CLI (bin/tunnel.js → dist/), in an isolated TUNNEL_HOME: what a user
// types, what they see, and what lands in the settings file.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliEnv, makeCliEnv, runCli } from './cli-helpers.js';

const envs: CliEnv[] = [];
afterEach(() => {
  for (const cli of envs.splice(0)) fs.rmSync(cli.home, { recursive: true, force: true });
});

function newCli(): { cli: CliEnv; file: string } {
  const cli = makeCliEnv();
  envs.push(cli);
  return { cli, file: path.join(cli.env.TUNNEL_HOME!, 'settings', 'settings.json') };
}

describe('tunnel config', () => {
  it('sets, gets, lists and unsets per-host values; get prints only the values', async () => {
    const { cli, file } = newCli();
    expect(
      await runCli(cli, ['config', 'set', 'devserver', 'map', '8080:18080', '3000:13000']),
    ).toMatchObject({
      code: 0,
      stdout: 'devserver: map = 8080:18080 3000:13000\n',
    });
    expect((await runCli(cli, ['config', 'set', 'dev.example.com', 'hold-timeout', '90000'])).code).toBe(0);
    expect((await runCli(cli, ['config', 'set', 'devserver', 'switchContext', 'true'])).code).toBe(0);

    expect(await runCli(cli, ['config', 'get', 'devserver', 'map'])).toMatchObject({
      code: 0,
      stdout: '8080:18080\n3000:13000\n',
    });
    expect((await runCli(cli, ['config', 'get', 'dev.example.com', 'holdTimeout'])).stdout).toBe('1m30s\n');

    const list = await runCli(cli, ['config', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n').map((line) => line.split(/\s+/))).toEqual([
      ['dev.example.com', 'holdTimeout', '1m30s'],
      ['devserver', 'map', '8080:18080', '3000:13000'],
      ['devserver', 'switchContext', 'true'],
      [''],
    ]);
    const json = await runCli(cli, ['config', 'list', 'devserver', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ map: ['8080:18080', '3000:13000'], switchContext: true });

    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);

    expect(await runCli(cli, ['config', 'unset', 'devserver', 'map'])).toMatchObject({
      code: 0,
      stdout: 'devserver: map unset\n',
    });
    const gone = await runCli(cli, ['config', 'get', 'devserver', 'map']);
    expect(gone).toMatchObject({ code: 1, stdout: '' });
    expect(gone.stderr).toContain('map is not set for devserver');
    expect((await runCli(cli, ['config', 'unset', 'dev.example.com'])).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({
      hosts: { devserver: { switchContext: true } },
    });
  });

  it('rejects an unknown key (listing the valid ones) and a bad value, exit code 2, file unchanged', async () => {
    const { cli, file } = newCli();
    await runCli(cli, ['config', 'set', 'devserver', 'bind', '::1']);
    const before = fs.readFileSync(file, 'utf8');

    const key = await runCli(cli, ['config', 'set', 'devserver', 'colour', 'blue']);
    expect(key.code).toBe(2);
    expect(key.stderr).toContain('unknown setting "colour"');
    expect(key.stderr).toContain('cluster, map, bind, holdTimeout, rediscoverInterval');

    const bind = await runCli(cli, ['config', 'set', 'devserver', 'bind', 'banana']);
    expect(bind.code).toBe(2);
    expect(bind.stderr).toContain('setting bind "banana" for devserver: not an IP address');
    expect(bind.stderr).toContain('hint: For example: tunnel config set devserver bind 127.0.0.1');

    const duration = await runCli(cli, ['config', 'set', 'devserver', 'holdTimeout', 'soon']);
    expect(duration.code).toBe(2);
    expect(duration.stderr).toContain('not a duration');

    // The value sits next to its key, and a bare number is said to be milliseconds.
    const bare = await runCli(cli, ['config', 'set', 'devserver', 'holdTimeout', '5']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain(
      'error: setting holdTimeout "5" for devserver: 5 means 5ms (a bare number is milliseconds); it must be from 100ms to 24h',
    );

    const twoValues = await runCli(cli, ['config', 'set', 'devserver', 'bind', '::1', '127.0.0.1']);
    expect(twoValues.code).toBe(2);
    expect(twoValues.stderr).toContain('bind takes one value, got 2');

    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });

  it('reports a settings file that is not JSON with its path and leaves it alone', async () => {
    const { cli, file } = newCli();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"hosts": {');
    for (const args of [
      ['config', 'list'],
      ['config', 'set', 'devserver', 'bind', '::1'],
    ]) {
      const result = await runCli(cli, args);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`error: ${file} is not valid JSON`);
      expect(result.stderr).toContain('tunnel left it unchanged');
      // An expected error with a hint, not a crash report.
      expect(result.stderr).not.toContain('this is a bug in tunnel');
    }
    expect(fs.readFileSync(file, 'utf8')).toBe('{"hosts": {');
  });

  it('names the file, host and key of a hand-edited bad value, and unset repairs it', async () => {
    const { cli, file } = newCli();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ hosts: { devserver: { bind: 'banana', colour: 'blue' } } }));

    const list = await runCli(cli, ['config', 'list']);
    expect(list.code).toBe(1);
    expect(list.stderr).toContain(`${file}: setting bind "banana" for devserver: not an IP address`);
    expect(list.stderr).toContain('tunnel config unset devserver bind');

    expect((await runCli(cli, ['config', 'unset', 'devserver', 'bind'])).code).toBe(0);
    const unknown = await runCli(cli, ['config', 'get', 'devserver', 'cluster']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('host "devserver" has an unknown setting "colour"');
    expect(unknown.stderr).toContain('tunnel config unset devserver colour');

    expect(await runCli(cli, ['config', 'unset', 'devserver', 'colour'])).toMatchObject({
      code: 0,
      stdout: 'devserver: colour unset\n',
    });
    expect(await runCli(cli, ['config', 'list'])).toMatchObject({ code: 0, stdout: '' });
  });
});
