// A session's defaults are defined once (config/defaults.ts): what `config get` shows, what the resolver
// applies, and what the listeners and the control protocol fall back to are the same values.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as defaults from '../../../src/config/defaults.js';
import { formatDuration } from '../../../src/config/duration.js';
import { resolveSessionOptions } from '../../../src/config/resolve.js';
import { KEY_SPECS } from '../../../src/config/setting-keys.js';

const SRC = new URL('../../../src/', import.meta.url).pathname;

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(file);
    return file.endsWith('.ts') ? [file] : [];
  });
}

describe('session defaults', () => {
  it('are defined in config/defaults.ts and nowhere else', () => {
    const names = Object.keys(defaults);
    const definitions = sources(SRC).flatMap((file) => {
      const text = fs.readFileSync(file, 'utf8');
      return names
        .filter((name) => new RegExp(`\\bconst ${name}\\b`).test(text))
        .map((name) => `${path.relative(SRC, file)}: ${name}`);
    });
    expect(definitions.sort()).toEqual(names.map((name) => `config/defaults.ts: ${name}`).sort());
  });

  it('are what the resolver applies and what `config get` names as the fallback', () => {
    const options = resolveSessionOptions('devserver', {}, { HOME: '/home/dev' });
    expect(options.bindAddress).toBe(defaults.DEFAULT_BIND_ADDRESS);
    expect(options.contextTemplate).toBe(defaults.DEFAULT_CONTEXT_TEMPLATE);
    expect(options.holdTimeoutMs).toBe(defaults.DEFAULT_HOLD_TIMEOUT_MS);
    expect(options.rediscoverIntervalMs).toBe(defaults.DEFAULT_REDISCOVER_INTERVAL_MS);
    expect(KEY_SPECS.bind.fallback).toBe(defaults.DEFAULT_BIND_ADDRESS);
    expect(KEY_SPECS.contextName.fallback).toBe(defaults.DEFAULT_CONTEXT_TEMPLATE);
    expect(KEY_SPECS.holdTimeout.fallback).toBe(formatDuration(defaults.DEFAULT_HOLD_TIMEOUT_MS));
    expect(KEY_SPECS.rediscoverInterval.fallback).toBe(
      formatDuration(defaults.DEFAULT_REDISCOVER_INTERVAL_MS),
    );
  });
});
