// `docker context inspect [NAME…] [--format T]` for the docker stand-in, as docker/cli resolves it
// (cli/command/cli.go resolveContextName): DOCKER_HOST set → the "default" context, whose endpoint is
// DOCKER_HOST as opts.ParseHost normalises it (a tcp address without a port gets 2375); else DOCKER_CONTEXT,
// else config.json's currentContext, read from the context store. It never contacts the engine.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderTemplate } from './docker-render.mjs';
import { goJson } from './go-format.mjs';
import { DEFAULT_DOCKER_HOST } from './world.mjs';

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function currentName(env, home) {
  if (env.DOCKER_HOST) return 'default';
  return (
    env.DOCKER_CONTEXT || readJson(path.join(home, '.docker', 'config.json'))?.currentContext || 'default'
  );
}

function normalised(host) {
  return /^tcp:\/\/(\[[^\]]*\]|[^:/]*)$/.test(host) ? `${host}:2375` : host;
}

function contextData(name, env, home) {
  if (name === 'default') {
    return {
      Name: 'default',
      Metadata: {},
      Endpoints: {
        docker: { Host: normalised(env.DOCKER_HOST || DEFAULT_DOCKER_HOST), SkipTLSVerify: false },
      },
      TLSMaterial: {},
      Storage: { MetadataPath: '<IN MEMORY>', TLSPath: '<IN MEMORY>' },
    };
  }
  const id = crypto.createHash('sha256').update(name).digest('hex');
  const metaDir = path.join(home, '.docker', 'contexts', 'meta', id);
  const meta = readJson(path.join(metaDir, 'meta.json'));
  if (!meta) return undefined;
  return {
    Name: name,
    Metadata: meta.Metadata ?? {},
    Endpoints: meta.Endpoints ?? {},
    TLSMaterial: {},
    Storage: { MetadataPath: metaDir, TLSPath: path.join(home, '.docker', 'contexts', 'tls', id) },
  };
}

export function context(argv, { print, printError }, env = process.env) {
  const [sub, ...rest] = argv;
  if (sub !== 'inspect') {
    printError(`docker: 'context ${sub ?? ''}' is not a docker command.\nSee 'docker --help'\n`);
    return 1;
  }
  const home = env.HOME ?? os.homedir();
  let format;
  const names = [];
  for (let index = 0; index < rest.length; index++) {
    const word = rest[index];
    if (word === '--format' || word === '-f') format = rest[++index];
    else if (word.startsWith('--format=')) format = word.slice('--format='.length);
    else names.push(word);
  }
  const found = [];
  for (const name of names.length > 0 ? names : [currentName(env, home)]) {
    const data = contextData(name, env, home);
    if (!data) {
      printError(
        `context "${name}": context not found: open ${path.join(home, '.docker', 'contexts', 'meta')}: no such file or directory\n`,
      );
      return 1;
    }
    found.push(data);
  }
  if (format && format !== 'json') print(found.map((data) => `${renderTemplate(format, data)}\n`).join(''));
  else print(`${goJson(found, '', '    ')}\n`);
  return 0;
}
