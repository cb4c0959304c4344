// A full disk in the middle of a write leaves no truncated backup and no partial file: the backup is
// retried at the next change, and the user's file is as it was.
import { mkdtempSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { atomicWrite, backupOnce, type FileOps } from '../../src/atomic-file.js';

let dir: string;
let target: string;
beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tunnel-atomic-'));
  target = path.join(dir, 'config');
  await fs.writeFile(target, 'original\n');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Real fs, except that writes stop with ENOSPC after `room` bytes (what a full disk does). */
function fullDisk(room: number): FileOps {
  const open: FileOps['open'] = async (...args: Parameters<typeof fs.open>) => {
    const handle = await fs.open(...args);
    const writeFile = async (data: string | Uint8Array) => {
      const bytes = Buffer.from(data);
      await handle.write(bytes.subarray(0, room));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    return Object.assign(handle, { writeFile });
  };
  return { ...fs, open };
}

const original = Buffer.from('apiVersion: v1\nclusters: []\n'.repeat(200));

describe('backupOnce', () => {
  it('leaves no backup at all when the disk fills up, and makes a whole one next time', async () => {
    await expect(backupOnce(target, original, fullDisk(100))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await fs.readdir(dir)).toEqual(['config']);
    expect(await backupOnce(target, original)).toBe(`${target}.tunnel-backup`);
    expect((await fs.readFile(`${target}.tunnel-backup`)).equals(original)).toBe(true);
    expect((await fs.stat(`${target}.tunnel-backup`)).mode & 0o777).toBe(0o600);
  });

  it('writes nothing when a backup exists, so a nearly full disk does not fail the change', async () => {
    await fs.writeFile(`${target}.tunnel-backup`, 'first\n');
    expect(await backupOnce(target, original, fullDisk(0))).toBeUndefined();
    expect(await fs.readFile(`${target}.tunnel-backup`, 'utf8')).toBe('first\n');
    expect((await fs.readdir(dir)).sort()).toEqual(['config', 'config.tunnel-backup']);
  });

  it('never overwrites an existing backup', async () => {
    await fs.writeFile(`${target}.tunnel-backup`, 'first\n');
    expect(await backupOnce(target, original)).toBeUndefined();
    expect(await fs.readFile(`${target}.tunnel-backup`, 'utf8')).toBe('first\n');
    expect((await fs.readdir(dir)).sort()).toEqual(['config', 'config.tunnel-backup']);
  });
});

describe('atomicWrite', () => {
  it('leaves the file as it was and no temp file when the disk fills up', async () => {
    await expect(atomicWrite(target, 'x'.repeat(10_000), fullDisk(10))).rejects.toMatchObject({
      code: 'ENOSPC',
    });
    expect(await fs.readFile(target, 'utf8')).toBe('original\n');
    expect(await fs.readdir(dir)).toEqual(['config']);
  });
});
