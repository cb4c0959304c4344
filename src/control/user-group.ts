// A group-writable directory is harmless when its group is the user's private group (Debian's and
// Ubuntu's default: umask 002, a group of one per user). Debian's OpenSSH patch "Allow harmless
// group-writability" accepts the same for StrictModes. Only on Linux, and only on positive proof from
// /etc/group and /etc/passwd: elsewhere (macOS's staff group has every user) the directory is refused.
import fs from 'node:fs';
import os from 'node:os';

export interface Account {
  uid: number;
  /** The primary group. */
  gid: number;
  name: string;
}

/** True when group `gid` is `account`'s private group: its primary group, named after it, nobody else in it. */
export function isPrivateGroup(
  gid: number,
  account: Account,
  files: { group: string; passwd: string },
): boolean {
  if (gid !== account.gid) return false;
  const entry = files.group
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields.length >= 4 && fields[2] === String(gid));
  if (!entry || entry[0] !== account.name) return false;
  const members = entry[3]!.split(',').filter((member) => member.trim() !== '');
  if (members.some((member) => member.trim() !== account.name)) return false;
  // Nobody else may have it as their primary group either.
  return files.passwd
    .split('\n')
    .map((line) => line.split(':'))
    .filter((fields) => fields.length >= 4 && fields[3] === String(gid))
    .every((fields) => fields[2] === String(account.uid));
}

/** Whether a directory writable by its group (not by others) is safe for `uid`: its group is theirs alone. */
export function groupWriteIsHarmless(stats: { gid: number }, uid: number): boolean {
  if (process.platform !== 'linux' || typeof process.getgid !== 'function') return false;
  try {
    const account = { uid, gid: process.getgid(), name: os.userInfo().username };
    const files = {
      group: fs.readFileSync('/etc/group', 'utf8'),
      passwd: fs.readFileSync('/etc/passwd', 'utf8'),
    };
    return isPrivateGroup(stats.gid, account, files);
  } catch {
    return false;
  }
}
