// How the CLI writes durations, sizes and times (pure).

/** A duration as people say it: `4s`, `3m12s`, `2h05m`, `3d4h`; a zero remainder is left out (`2h`). */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const seconds = Math.floor(Math.max(0, ms) / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return withRemainder(`${minutes}m`, seconds % 60, 's', 2);
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return withRemainder(`${hours}h`, minutes % 60, 'm', 2);
  return withRemainder(`${Math.floor(hours / 24)}d`, hours % 24, 'h', 1);
}

function withRemainder(head: string, remainder: number, unit: string, digits: number): string {
  return remainder === 0 ? head : `${head}${String(remainder).padStart(digits, '0')}${unit}`;
}

const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

/** Bytes in binary units with one decimal: `0 B`, `512 B`, `1.2 KiB`, `3.4 MiB`, `1.1 GiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.floor(bytes || 0))} B`;
  let value = bytes / 1024;
  let unit = 0;
  // Compare the rounded value, so 1023.97 KiB reads as 1.0 MiB rather than 1024.0 KiB.
  while (Number(value.toFixed(1)) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

/** A wall-clock time on this machine, HH:MM:SS. */
export function formatClock(time: Date): string {
  return [time.getHours(), time.getMinutes(), time.getSeconds()]
    .map((part) => String(part).padStart(2, '0'))
    .join(':');
}
