/**
 * Turns Neurelo's `{{ name }}` placeholders into positional parameters (`$1`, `$2`, ...), the
 * way a parameterised query needs them: values never become SQL text, so they cannot inject.
 * One variable used twice maps to one parameter. Text inside string literals, quoted
 * identifiers, dollar-quoted bodies and comments is copied untouched.
 */
export interface PositionalSql {
  sql: string;
  /** The variable of each parameter, in parameter order. */
  parameters: string[];
}

const PLACEHOLDER = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/;

export function toPositionalParameters(template: string): PositionalSql {
  const parameters: string[] = [];
  let sql = '';
  let i = 0;
  while (i < template.length) {
    const rest = template.slice(i);
    const verbatim = verbatimLength(template, i);
    if (verbatim > 0) {
      sql += template.slice(i, i + verbatim);
      i += verbatim;
      continue;
    }
    const placeholder = PLACEHOLDER.exec(rest);
    if (placeholder) {
      const name = placeholder[1]!;
      let index = parameters.indexOf(name);
      if (index === -1) index = parameters.push(name) - 1;
      sql += `$${index + 1}`;
      i += placeholder[0].length;
      continue;
    }
    sql += template[i];
    i += 1;
  }
  return { sql, parameters };
}

/** The length of a literal, quoted identifier or comment starting at `i` (0 if none starts there). */
function verbatimLength(text: string, i: number): number {
  const rest = text.slice(i);
  if (rest.startsWith('--')) {
    const end = text.indexOf('\n', i);
    return (end === -1 ? text.length : end) - i;
  }
  if (rest.startsWith('/*')) {
    const end = text.indexOf('*/', i + 2);
    return (end === -1 ? text.length : end + 2) - i;
  }
  const dollar = /^\$[A-Za-z_]*\$/.exec(rest);
  if (dollar) {
    const end = text.indexOf(dollar[0], i + dollar[0].length);
    return (end === -1 ? text.length : end + dollar[0].length) - i;
  }
  const quote = rest[0];
  if (quote === "'" || quote === '"') {
    // A doubled quote inside is an escaped quote, not the end.
    let j = i + 1;
    while (j < text.length) {
      if (text[j] === quote) {
        if (text[j + 1] === quote) j += 2;
        else return j + 1 - i;
      } else j += 1;
    }
    return text.length - i;
  }
  return 0;
}
