// Shapes shared by the SSH layer and its users. The SSH layer owns one ssh2 Client per Connection
// and never reconnects by itself (the supervisor does).
import type { Duplex, Readable } from 'node:stream';

export type StrictHostKeyChecking = 'yes' | 'no' | 'accept-new' | 'ask';

/** One host as OpenSSH resolved it (`ssh -G`). Values mean exactly what they mean to OpenSSH. */
export interface SshTarget {
  /** What the user typed: the alias from ~/.ssh/config, or user@host. */
  alias: string;
  hostName: string;
  user: string;
  port: number;
  /** `~` and %-tokens already expanded; default files included even when absent (as ssh -G lists them). */
  identityFiles: string[];
  identitiesOnly: boolean;
  /** Taken from `identityagent` when set ("none" disables), else SSH_AUTH_SOCK. */
  identityAgent: string | undefined;
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  strictHostKeyChecking: StrictHostKeyChecking;
  hashKnownHosts: boolean;
  /** CheckHostIP (OpenSSH's default since 8.5: no); see host-ip.ts. */
  checkHostIp?: boolean;
  hostKeyAlias: string | undefined;
  /** HostKeyAlgorithms as `ssh -G` prints it (order kept, certificate types included); unset = OpenSSH's default. */
  hostKeyAlgorithms?: string[];
  /** undefined = OpenSSH's "none" (the TCP default). */
  connectTimeoutSeconds: number | undefined;
  serverAliveIntervalSeconds: number;
  serverAliveCountMax: number;
  /** Raw ProxyJump value (`user@host:port,host2`), undefined when unset or "none". */
  proxyJump: string | undefined;
  /** Raw ProxyCommand (tokens unexpanded); run through `sh -c` and used as the transport when set. */
  proxyCommand: string | undefined;
  /** CertificateFile entries, expanded (a `-cert.pub` beside an IdentityFile is found by ssh2-limits.ts). */
  certificateFiles: string[];
  /** ProxyUseFdpass: the ProxyCommand passes a connected fd instead of relaying bytes (OpenSSH only). */
  proxyUseFdpass: boolean;
  /** GSSAPIAuthentication (Kerberos); OpenSSH only. */
  gssapiAuthentication: boolean;
  /** Auth methods in the order to try; OpenSSH's default when the config names none. */
  preferredAuthentications: string[];
  kbdInteractiveAuthentication: boolean;
  passwordAuthentication: boolean;
  /** NumberOfPasswordPrompts (default 3): password attempts before giving up. */
  numberOfPasswordPrompts: number;
  /** BatchMode: never ask a question (no passphrase, password or code prompts). */
  batchMode: boolean;
  /** Algorithm lists exactly as `ssh -G` prints them (OpenSSH's defaults when the config is silent). */
  kexAlgorithms?: string[];
  ciphers?: string[];
  macs?: string[];
  pubkeyAcceptedAlgorithms?: string[];
}

/** Which implementation carries a connection, and why when it was not the user's explicit choice. */
export interface TransportInfo {
  kind: 'ssh2' | 'openssh';
  /** Why auto chose OpenSSH (e.g. "CertificateFile ~/.ssh/id_ed25519-cert.pub"); undefined for ssh2 or an explicit choice. */
  reason: string | undefined;
}

/** A question asked during login: a password, a one-time code, a keyboard-interactive prompt. */
export interface LoginQuestion {
  /** The text to show, as the server or OpenSSH wrote it (escaped before it reaches a terminal). */
  prompt: string;
  /** false = the answer is typed hidden (passwords, codes). */
  echo: boolean;
  /** keyboard-interactive's name/instruction lines, shown before the prompt when non-empty. */
  instructions?: string;
}

/** Answers a login question; undefined when nobody can answer (no terminal, unattended reconnect). */
export type AskSecret = (question: LoginQuestion) => Promise<string | undefined>;

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** null when the remote process died from a signal or the exit status was not reported. */
  code: number | null;
  signal: string | undefined;
  /** Set when stdout or stderr passed ExecOptions.maxOutputBytes: the rest was read and dropped. */
  truncated?: boolean;
}

export interface ExecOptions {
  /** Keep at most this many bytes of stdout and of stderr (the rest is drained, `truncated` set); default 16 MiB. */
  maxOutputBytes?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Bytes written to the remote command's stdin, then EOF. A Readable is piped with backpressure (never
   * buffered whole) and EOF follows its end; an error on it fails the exec. The caller owns the stream.
   */
  stdin?: string | Buffer | Readable;
  /** Called with each chunk as it arrives (progress of a long command); the result still holds it all. */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

/** Why a connection ended; `closed` resolves with this exactly once. */
export interface CloseReason {
  /** 'keepalive' = dead link detected; 'remote' = server closed; 'local' = we closed it; 'error' = other. */
  kind: 'keepalive' | 'remote' | 'local' | 'error';
  message: string;
}

/** What the rest of the program sees of an SSH connection. */
export interface SshConnection {
  readonly target: SshTarget;
  /** argv is shell-quoted word by word before it reaches the remote shell. */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Runs a script through `sh -c` (the script is one quoted word). */
  execShell(script: string, options?: ExecOptions): Promise<ExecResult>;
  /** Opens a direct-tcpip channel to host:port as seen from the dev server. */
  forwardOut(host: string, port: number, source?: { address: string; port: number }): Promise<Duplex>;
  readonly closed: Promise<CloseReason>;
  /** The server's IP address as this machine's TCP socket sees it; undefined through a proxy or jump host. */
  readonly remoteAddress?: string | undefined;
  /** Which transport carries this connection (undefined = ssh2, for fakes and older callers). */
  readonly transport?: TransportInfo;
  close(): void;
}

/** An open connection that can prove its link at the SSH level (what openConnection returns). */
export interface SshLink extends SshConnection {
  /**
   * One `keepalive@openssh.com` request: true once the server answers it (any answer), false when the
   * connection is gone. No channel and no shell on the server. Never rejects; the caller bounds the wait.
   */
  ping(): Promise<boolean>;
  /** Bytes read from the server's socket so far (every channel and SSH message): data arriving = alive. */
  readonly bytesReceived: number;
}
