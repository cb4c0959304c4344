// The name of a saved session's file: one per ssh alias, and never the same file for two aliases.
// OpenSSH matches `Host` patterns case-sensitively (readconf.c: match_pattern(host, arg) on the alias as
// typed; only `Match host` and the resolved HostName are lowercased), so `DevServer` and `devserver`
// can be two different hosts. A Mac's default APFS volume is case-insensitive: file names that differ
// only in case are one file there, and one session would overwrite the other. So the name has no
// uppercase letter at all: encodeURIComponent (any alias as one safe name), its %XX escapes in
// lowercase hex, and each uppercase letter as `^` + the letter (`^` is always escaped by
// encodeURIComponent, so it cannot come from the alias): `DevServer` → `^dev^server.json`.

const SUFFIX = '.json';

/** The file name of `alias`'s record: injective, and distinct from every other even ignoring case. */
export function sessionFileName(alias: string): string {
  const encoded = encodeURIComponent(alias).replace(/%[0-9A-F]{2}|[A-Z]/g, (match) =>
    match.length === 3 ? match.toLowerCase() : `^${match.toLowerCase()}`,
  );
  return `${encoded}${SUFFIX}`;
}

/** The name releases before this one used (kept to find, migrate and forget their records). */
export function legacySessionFileName(alias: string): string {
  return `${encodeURIComponent(alias)}${SUFFIX}`;
}

/** Whether a directory entry is a session record (not a `.invalid` one moved aside, not a temp file). */
export const isSessionFile = (name: string): boolean => name.endsWith(SUFFIX);
