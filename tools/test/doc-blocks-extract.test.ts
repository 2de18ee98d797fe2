import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DocMarkerError,
  documentedShellBlocks,
  shellBlocks,
  type BlockMark,
} from '../src/doc-blocks/extract';

const REPO = path.resolve(__dirname, '..', '..');
const md = (...lines: string[]) => lines.join('\n');
const marks = (text: string): BlockMark[] => shellBlocks(text, 'x.md').map((b) => b.mark);

describe('shellBlocks', () => {
  it('takes only ```sh fences, in document order, with the line of each fence', () => {
    const text = md(
      '# Title', //                 1
      '```sh', //                   2
      'npm ci', //                  3
      'npm start', //               4
      '```', //                     5
      '```ts', //                   6
      "console.log('no')", //       7
      '```', //                     8
      '```bash', //                 9
      'echo no', //                10
      '```', //                    11
      '```', //                    12
      'echo no', //                13
      '```', //                    14
      '```sh', //                  15
      'npm run fleet -- up', //    16
      '```', //                    17
    );
    expect(shellBlocks(text, 'README.md')).toEqual([
      { file: 'README.md', line: 2, code: 'npm ci\nnpm start', mark: { kind: 'run' } },
      { file: 'README.md', line: 15, code: 'npm run fleet -- up', mark: { kind: 'run' } },
    ]);
  });

  it("strips a list item's indentation from its block", () => {
    const text = md(
      '1. Start it:',
      '',
      '   ```sh',
      '   docker compose up -d',
      '     --build',
      '   ```',
    );
    expect(shellBlocks(text, 'x.md')).toEqual([
      { file: 'x.md', line: 3, code: 'docker compose up -d\n  --build', mark: { kind: 'run' } },
    ]);
  });

  it('ignores a ```sh fence inside a longer fence of another language', () => {
    const text = md('````md', '```sh', 'echo no', '```', '````', '~~~sh', 'echo no', '~~~');
    expect(shellBlocks(text, 'x.md')).toEqual([]);
  });

  it.each<[string, BlockMark]>([
    [
      '<!-- doc-test: skip: needs a Kubernetes cluster -->',
      { kind: 'skip', reason: 'needs a Kubernetes cluster' },
    ],
    [
      '<!-- doc-test: containers: compose-quick-start -->',
      { kind: 'containers', id: 'compose-quick-start' },
    ],
    ['<!-- doc-test: stops-after 5s -->', { kind: 'run', stopAfterSeconds: 5 }],
    ['<!--doc-test:skip:recursive-->', { kind: 'skip', reason: 'recursive' }],
    [
      '<!-- doc-test: skip: too long for the test\n     (9 minutes) -->',
      { kind: 'skip', reason: 'too long for the test (9 minutes)' },
    ],
  ])('reads %s', (marker, mark) => {
    expect(marks(md('Text.', '', marker, '', '```sh', 'echo', '```'))).toEqual([mark]);
  });

  it('marks only the block right after the marker', () => {
    const text = md('<!-- doc-test: skip: why -->', '```sh', 'a', '```', '```sh', 'b', '```');
    expect(marks(text)).toEqual([{ kind: 'skip', reason: 'why' }, { kind: 'run' }]);
  });

  it('leaves other comments alone', () => {
    const text = md('<!-- prettier-ignore -->', '```sh', 'a', '```');
    expect(marks(text)).toEqual([{ kind: 'run' }]);
  });

  it.each([
    [
      'a typo in the kind',
      md('<!-- doc-test: skipp: x -->', '```sh', 'a', '```'),
      /x\.md:1: unknown doc-test marker "skipp: x"/,
    ],
    [
      'a misspelt prefix',
      md('<!-- doctest: skip: x -->', '```sh', 'a', '```'),
      /x\.md:1: not a doc-test marker/,
    ],
    [
      'a skip without a reason',
      md('<!-- doc-test: skip: -->', '```sh', 'a', '```'),
      /x\.md:1: a skip needs its reason/,
    ],
    [
      'a skip without its colon',
      md('<!-- doc-test: skip -->', '```sh', 'a', '```'),
      /x\.md:1: unknown doc-test marker "skip"/,
    ],
    [
      'a stop without its unit',
      md('<!-- doc-test: stops-after 5 -->', '```sh', 'a', '```'),
      /x\.md:1: unknown/,
    ],
    [
      'a stop after 0 s',
      md('<!-- doc-test: stops-after 0s -->', '```sh', 'a', '```'),
      /x\.md:1: unknown/,
    ],
    [
      'a containers id with spaces',
      md('<!-- doc-test: containers: quick start -->', '```sh', 'a', '```'),
      /x\.md:1: unknown/,
    ],
    [
      'text between marker and block',
      md('<!-- doc-test: skip: x -->', 'Then:', '```sh', 'a', '```'),
      /x\.md:1: .*not directly before .*line 2 comes between/,
    ],
    [
      'another comment between',
      md('<!-- doc-test: skip: x -->', '<!-- note -->', '```sh', 'a', '```'),
      /x\.md:1: .*not directly before/,
    ],
    [
      'a marker before a ts block',
      md('<!-- doc-test: skip: x -->', '```ts', 'a', '```'),
      /x\.md:1: .*followed by a ```ts block/,
    ],
    [
      'two markers',
      md('<!-- doc-test: skip: x -->', '<!-- doc-test: skip: y -->', '```sh', 'a', '```'),
      /x\.md:2: a second doc-test marker/,
    ],
    [
      'a marker at the end',
      md('Text.', '<!-- doc-test: skip: x -->', ''),
      /x\.md:2: a doc-test marker at the end/,
    ],
    [
      'text after a marker',
      md('<!-- doc-test: skip: x --> and more', '```sh', 'a', '```'),
      /x\.md:1: text after/,
    ],
    ['an unclosed block', md('Text.', '```sh', 'a'), /x\.md:2: a code block that is never closed/],
  ])('refuses %s, naming file:line', (_what, text, message) => {
    expect(() => shellBlocks(text, 'x.md')).toThrow(DocMarkerError);
    expect(() => shellBlocks(text, 'x.md')).toThrow(message);
  });
});

describe('documentedShellBlocks', () => {
  it('reads README.md, then docs/*.md by name', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'doc-blocks-'));
    try {
      mkdirSync(path.join(root, 'docs', 'soak.md'), { recursive: true });
      const block = (code: string) => md('```sh', code, '```');
      writeFileSync(path.join(root, 'README.md'), block('readme'));
      writeFileSync(path.join(root, 'docs', 'b.md'), block('b'));
      writeFileSync(path.join(root, 'docs', 'a.md'), md('Text.', '', block('a')));
      writeFileSync(path.join(root, 'docs', 'c.txt'), block('not markdown'));
      expect(documentedShellBlocks(root).map((b) => [b.file, b.line, b.code])).toEqual([
        ['README.md', 1, 'readme'],
        ['docs/a.md', 3, 'a'],
        ['docs/b.md', 1, 'b'],
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("reads this repository's docs: every marker well formed", () => {
    const blocks = documentedShellBlocks(REPO);
    expect(blocks[0]).toMatchObject({ file: 'README.md', mark: { kind: 'run' } });
    expect(blocks[0]?.code).toMatch(/^npm ci$/m);
  });
});
