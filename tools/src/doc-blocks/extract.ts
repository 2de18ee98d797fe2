/**
 * The shell blocks of README.md and docs/*.md, each with what its doc-test marker says about
 * running it (tools/test/documented-commands.test.ts runs them; issue 23).
 *
 * A shell block is a fenced code block opened with exactly ```sh, indented or not (a list
 * item's is). ```ts, ```yaml, ```bash and a bare ``` are not shell blocks. A block runs unless
 * an HTML comment on the line(s) before its fence says otherwise; blank lines may lie between
 * the comment and the fence, nothing else:
 *
 *   <!-- doc-test: skip: <reason> -->     not run here, for the reason given (required)
 *   <!-- doc-test: containers: <id> -->   run by `npm run test:containers` as block <id>
 *                                         (deploy/containers/readme-blocks.ts lists the ids)
 *   <!-- doc-test: stops-after <N>s -->   runs until interrupted (a watch that follows for
 *                                         ever): SIGINT after N seconds; it passes if it was
 *                                         still running then, or exited 0, and printed a line
 *
 * A comment that mentions doc-test but is none of these, a skip without a reason, a marker
 * that no shell block follows and two markers for one block all throw, naming file:line: a
 * typo must never skip a block silently.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export type BlockMark =
  | { kind: 'run'; stopAfterSeconds?: number }
  | { kind: 'skip'; reason: string }
  | { kind: 'containers'; id: string };

export interface ShellBlock {
  /** As given, e.g. `docs/operations.md`. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  mark: BlockMark;
}

export class DocMarkerError extends Error {
  constructor(file: string, line: number, problem: string) {
    super(`${file}:${line}: ${problem}`);
    this.name = 'DocMarkerError';
  }
}

const MARKER_FORMS =
  '<!-- doc-test: skip: <reason> -->, <!-- doc-test: containers: <id> --> or ' +
  '<!-- doc-test: stops-after <N>s -->';

/** Up to 3 spaces at the top level, more inside a list item; backticks or tildes, 3 or more. */
const FENCE = /^( *)(`{3,}|~{3,})(.*)$/;
/** Misspellings count as markers too, so that they are refused rather than ignored. */
const MENTIONS_DOC_TEST = /doc[-_ ]?test/i;

/** What a marker comment's text (between `<!--` and `-->`) asks for. */
function parseMarker(text: string, file: string, line: number): BlockMark {
  const body = /^doc-test:\s*(.*)$/.exec(text.replace(/\s+/g, ' ').trim())?.[1];
  const refuse = (why: string) => new DocMarkerError(file, line, `${why}; write ${MARKER_FORMS}`);
  if (body === undefined) throw refuse(`not a doc-test marker: <!--${text}-->`);
  const skip = /^skip:\s*(.*)$/.exec(body);
  if (skip) {
    if (!skip[1]) throw refuse('a skip needs its reason');
    return { kind: 'skip', reason: skip[1] };
  }
  const containers = /^containers:\s*([a-z0-9][a-z0-9-]*)$/.exec(body);
  if (containers?.[1]) return { kind: 'containers', id: containers[1] };
  const stops = /^stops-after ([1-9][0-9]*)s$/.exec(body);
  if (stops?.[1]) return { kind: 'run', stopAfterSeconds: Number(stops[1]) };
  throw refuse(`unknown doc-test marker "${body}"`);
}

/** A fence line: its indentation, character, length and info string (`sh` of ```sh). */
function fenceLine(
  text: string,
): { indent: number; char: string; length: number; info: string } | null {
  const m = FENCE.exec(text);
  const [indent, run, info] = [m?.[1], m?.[2], m?.[3]?.trim()];
  if (indent === undefined || !run || info === undefined) return null;
  // CommonMark: a backtick fence's info string holds no backtick (```a``` is inline code).
  if (run[0] === '`' && info.includes('`')) return null;
  return { indent: indent.length, char: run[0] ?? '`', length: run.length, info };
}

interface OpenFence {
  line: number;
  indent: number;
  char: string;
  length: number;
  shell: boolean;
  code: string[];
}

/** The ```sh blocks of one Markdown text, in document order, with their marks. */
export function shellBlocks(markdown: string, file: string): ShellBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: ShellBlock[] = [];
  let fence: OpenFence | null = null;
  let pending: { mark: BlockMark; line: number } | null = null;

  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] ?? '';
    const lineNo = i + 1;
    if (fence) {
      const close = fenceLine(text);
      if (close?.char === fence.char && close.length >= fence.length && close.info === '') {
        if (fence.shell) {
          blocks.push({
            file,
            line: fence.line,
            code: fence.code.join('\n'),
            mark: pending?.mark ?? { kind: 'run' },
          });
        }
        fence = null;
        pending = null;
      } else if (fence.shell) {
        // A list item's block is indented as its fence is: its code is not.
        fence.code.push(text.replace(new RegExp(`^ {0,${fence.indent}}`), ''));
      }
      continue;
    }

    const open = fenceLine(text);
    if (open) {
      const shell = open.char === '`' && open.length === 3 && open.info === 'sh';
      if (pending && !shell) {
        throw new DocMarkerError(
          file,
          pending.line,
          `the doc-test marker is followed by a ${open.char.repeat(open.length)}${open.info} block, not a ${'```'}sh block`,
        );
      }
      fence = { line: lineNo, ...open, shell, code: [] };
      continue;
    }

    const trimmed = text.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('<!--')) {
      // A comment may span lines; it ends at the first `-->`.
      let comment = trimmed.slice(4);
      let end = i;
      while (!comment.includes('-->') && end + 1 < lines.length) {
        end += 1;
        comment += `\n${lines[end] ?? ''}`;
      }
      const close = comment.indexOf('-->');
      if (close < 0) throw new DocMarkerError(file, lineNo, 'an HTML comment is never closed');
      const inner = comment.slice(0, close);
      const after = comment.slice(close + 3).trim();
      if (MENTIONS_DOC_TEST.test(inner)) {
        if (pending) {
          throw new DocMarkerError(
            file,
            lineNo,
            `a second doc-test marker (after line ${pending.line})`,
          );
        }
        if (after !== '') {
          throw new DocMarkerError(file, lineNo, 'text after a doc-test marker on its line');
        }
        pending = { mark: parseMarker(inner, file, lineNo), line: lineNo };
        i = end;
        continue;
      }
      i = end;
    }
    if (pending) {
      throw new DocMarkerError(
        file,
        pending.line,
        `the doc-test marker is not directly before a ${'```'}sh block (line ${lineNo} comes between)`,
      );
    }
  }
  if (fence) throw new DocMarkerError(file, fence.line, 'a code block that is never closed');
  if (pending)
    throw new DocMarkerError(file, pending.line, 'a doc-test marker at the end of the file');
  return blocks;
}

/** README.md and every docs/*.md, in that order, blocks in document order. */
export function documentedShellBlocks(root: string): ShellBlock[] {
  const docs = readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md') && statSync(path.join(root, 'docs', name)).isFile())
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs].flatMap((file) =>
    shellBlocks(readFileSync(path.join(root, file), 'utf8'), file),
  );
}
