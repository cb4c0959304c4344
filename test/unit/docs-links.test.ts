// The README is the front door (at most 400 lines), and every relative link in it and in docs/ leads to a
// file in this repository (and to a heading there, when it names one). Source comments that name a
// Markdown file name one that is here too.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(import.meta.dirname, '../..');

function markdownFiles(): string[] {
  const docs = fs
    .readdirSync(path.join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join('docs', name));
  return ['README.md', ...docs].sort();
}

/** The text outside fenced code blocks and inline code, where a link is a link. */
function prose(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Relative link targets: `[text](target)`, without web addresses and mail links. */
function relativeLinks(markdown: string): string[] {
  const links = [...prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1]!);
  return links.filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to dashes. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(markdown: string): Set<string> {
  const headings = [...markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6} (.+)$/gm)];
  return new Set(headings.map((match) => slug(match[1]!)));
}

/** What is wrong with `target` as written in `file`, or undefined when it resolves. */
function problem(file: string, target: string): string | undefined {
  const [pathPart, anchor] = target.split('#') as [string, string | undefined];
  const resolved =
    pathPart === '' ? path.join(ROOT, file) : path.resolve(path.dirname(path.join(ROOT, file)), pathPart);
  if (path.relative(ROOT, resolved).startsWith('..')) return 'points outside the repository';
  if (!fs.existsSync(resolved)) return 'no such file in the repository';
  if (anchor && resolved.endsWith('.md') && !anchors(fs.readFileSync(resolved, 'utf8')).has(anchor)) {
    return `no heading #${anchor} in ${path.relative(ROOT, resolved)}`;
  }
  return undefined;
}

describe('the documentation', () => {
  it('keeps the README a front door: at most 400 lines', () => {
    const lines = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n').length;
    expect(lines).toBeLessThanOrEqual(400);
  });

  it('has only relative links that resolve to a file (and heading) in the repository', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const file of markdownFiles()) {
      for (const target of relativeLinks(fs.readFileSync(path.join(ROOT, file), 'utf8'))) {
        checked++;
        const why = problem(file, target);
        if (why) broken.push(`${file}: (${target}) ${why}`);
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });

  it('finds the links it checks, and skips code and web addresses', () => {
    const text = '[a](docs/a.md) `[b](b.md)` [c](https://x.org/c.md)\n```\n[d](d.md)\n```\n[e](#quick-start)';
    expect(relativeLinks(text)).toEqual(['docs/a.md', '#quick-start']);
    expect(slug('`tunnel connect <host>`')).toBe('tunnel-connect-host');
  });

  it('names, in source comments, only Markdown files that are in the repository', () => {
    const missing: string[] = [];
    for (const dir of ['src', 'test', 'scripts', 'bin']) {
      for (const name of fs.readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })) {
        if (
          !/\.(ts|mts|mjs|js)$/.test(name) ||
          name.startsWith('fixtures') ||
          name.endsWith('docs-links.test.ts')
        )
          continue;
        const text = fs.readFileSync(path.join(ROOT, dir, name), 'utf8');
        for (const match of text.matchAll(/(?<![\w/.-])((?:[\w.-]+\/)*[\w-]+\.md)\b/g)) {
          const mentioned = match[1]!;
          const here = [path.join(ROOT, mentioned), path.join(ROOT, dir, path.dirname(name), mentioned)];
          if (!here.some((candidate) => fs.existsSync(candidate)))
            missing.push(`${dir}/${name}: ${mentioned}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
