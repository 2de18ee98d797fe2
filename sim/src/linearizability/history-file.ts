import { readFile, writeFile } from 'node:fs/promises';
import { type HistoryOperation, InvalidHistoryError, parseHistory } from './history';

/** Reads and validates a history written by `writeHistoryFile` (or by hand, or by Porcupine users). */
export async function readHistoryFile(path: string): Promise<HistoryOperation[]> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidHistoryError(`${path} is not valid JSON: ${reason}`, [reason]);
  }
  return parseHistory(json, path);
}

/** One operation per line: large histories stay greppable and diff well. */
export async function writeHistoryFile(
  path: string,
  history: readonly HistoryOperation[],
): Promise<void> {
  const valid = parseHistory(history);
  const lines = valid.map((op) => `  ${JSON.stringify(op)}`);
  const text = lines.length === 0 ? '[]\n' : `[\n${lines.join(',\n')}\n]\n`;
  await writeFile(path, text, 'utf8');
}
