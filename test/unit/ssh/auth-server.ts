// An in-process ssh2 Server that authenticates like sshd with AuthenticationMethods: each list is a
// sequence of methods, a method finished early in a list answers with partial success and the next
// methods of the lists still possible. It checks keys (with their signatures), a password and
// keyboard-interactive answers, and records every request so tests can assert what the client did.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { AuthContext, AuthenticationType, Connection, ParsedKey, Prompt } from 'ssh2';
import ssh2 from 'ssh2';
import type { AskSecret, LoginQuestion, SshTarget } from '../../../src/ssh/types.js';
import { sshTarget } from '../../builders.js';

export interface AuthServerOptions {
  /** AuthenticationMethods, e.g. [['publickey', 'keyboard-interactive']] or [['password']]. */
  methods: string[][];
  authorizedKeys?: Buffer[];
  password?: string;
  /** keyboard-interactive: one request with these prompts; the answers must equal `answers`. */
  keyboard?: { name?: string; instructions?: string; prompts: Prompt[]; answers: string[] };
}

export interface AuthServer {
  port: number;
  knownHostsLine: string;
  /** Every request: "none", "publickey?" (query), "publickey", "password", "keyboard-interactive". */
  requests: string[];
  /** What the keyboard-interactive answers were, in order (to prove what the client sent). */
  answers: string[][];
  stop(): Promise<void>;
}

export function makeKey(dir: string, name: string): string {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
  return file;
}

export function publicBlob(file: string): Buffer {
  return Buffer.from(fs.readFileSync(`${file}.pub`, 'utf8').split(' ')[1] ?? '', 'base64');
}

function nextMethods(lists: string[][], done: string[]): AuthenticationType[] {
  const open = lists.filter((list) => done.every((method, index) => list[index] === method));
  return [
    ...new Set(open.map((list) => list[done.length]).filter((m) => m !== undefined)),
  ] as AuthenticationType[];
}

function checkKey(ctx: AuthContext, options: AuthServerOptions): 'query' | boolean {
  if (ctx.method !== 'publickey') return false;
  const known = (options.authorizedKeys ?? []).some((blob) => blob.equals(ctx.key.data));
  if (!known) return false;
  if (!ctx.signature || !ctx.blob) return 'query';
  const key = ssh2.utils.parseKey(ctx.key.data) as ParsedKey;
  return key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true;
}

type Requests = Pick<AuthServer, 'requests' | 'answers'>;

function authenticate(connection: Connection, options: AuthServerOptions, seen: Requests): void {
  const done: string[] = [];
  connection.on('authentication', (ctx) => {
    const allowed = nextMethods(options.methods, done);
    const succeed = () => {
      done.push(ctx.method);
      if (
        options.methods.some((list) => list.length === done.length && nextMethods([list], done).length === 0)
      )
        ctx.accept();
      else ctx.reject(nextMethods(options.methods, done), true);
    };
    const fail = () => ctx.reject(allowed);
    const key = checkKey(ctx, options);
    seen.requests.push(ctx.method === 'publickey' && key === 'query' ? 'publickey?' : ctx.method);
    if (!allowed.includes(ctx.method)) return fail();
    if (ctx.method === 'publickey') return key === 'query' ? ctx.accept() : key ? succeed() : fail();
    if (ctx.method === 'password') return ctx.password === options.password ? succeed() : fail();
    if (ctx.method === 'keyboard-interactive' && options.keyboard) {
      const { prompts, answers, name, instructions } = options.keyboard;
      return ctx.prompt(prompts, name ?? '', instructions ?? '', (given) => {
        seen.answers.push(given);
        return JSON.stringify(given) === JSON.stringify(answers) ? succeed() : fail();
      });
    }
    fail();
  });
  connection.on('error', () => {});
}

export async function startAuthServer(dir: string, options: AuthServerOptions): Promise<AuthServer> {
  const hostKey = makeKey(dir, `host-${Math.random().toString(36).slice(2)}`);
  const seen: Requests = { requests: [], answers: [] };
  const connections = new Set<Connection>();
  const server = new ssh2.Server({ hostKeys: [fs.readFileSync(hostKey)] }, (connection) => {
    connections.add(connection);
    connection.on('close', () => connections.delete(connection));
    authenticate(connection, options, seen);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const hostPub = fs.readFileSync(`${hostKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
  return {
    port,
    knownHostsLine: `[127.0.0.1]:${port} ${hostPub}`,
    ...seen,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const connection of connections) connection.end();
        server.close(() => resolve());
      }),
  };
}

/**
 * Starts a server and a target for it whose known_hosts holds exactly its host key (written under
 * `dir`); `onStop` collects its stop for the suite's afterEach. `overrides` set the keys and agent.
 */
export async function serveTarget(input: {
  dir: string;
  options: AuthServerOptions;
  onStop: (stop: () => Promise<void>) => void;
  overrides?: Partial<SshTarget>;
}): Promise<{ server: AuthServer; target: SshTarget }> {
  const server = await startAuthServer(input.dir, input.options);
  input.onStop(() => server.stop());
  const knownHosts = path.join(input.dir, `known_hosts_${server.port}`);
  fs.writeFileSync(knownHosts, `${server.knownHostsLine}\n`);
  const target = sshTarget({
    hostName: '127.0.0.1',
    port: server.port,
    user: 'me',
    identitiesOnly: true,
    userKnownHostsFiles: [knownHosts],
    ...input.overrides,
  });
  return { server, target };
}

/** Answers from a list and records every question (the answers themselves are the test's). */
export function answering(answers: Array<string | undefined>) {
  const asked: LoginQuestion[] = [];
  const askSecret: AskSecret = async (question) => {
    asked.push(question);
    return answers.shift();
  };
  return { asked, askSecret };
}
