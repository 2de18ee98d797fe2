/** One server-sent event (the WHATWG "event stream" format). */
export interface SseEvent {
  event: string;
  data: string;
  id: string | null;
}

/** Events longer than this are a broken stream, not something to keep buffering. */
export const SSE_EVENT_CHARS_MAX = 1_048_576;

/**
 * An incremental parser of an event stream: feed it text as it arrives, get whole events.
 * Lines end in \n, \r\n or \r; a blank line ends an event; a line starting with ':' is a
 * comment (servers send them to keep a connection alive).
 */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | null = null;
  private dataChars = 0;

  push(text: string): SseEvent[] {
    this.buffer += text;
    const out: SseEvent[] = [];
    for (;;) {
      const end = this.buffer.search(/\r\n|\r|\n/);
      // A lone \r at the end may be the first half of \r\n: wait for the next chunk.
      if (end < 0 || (end === this.buffer.length - 1 && this.buffer[end] === '\r')) break;
      const line = this.buffer.slice(0, end);
      const eolChars = this.buffer.startsWith('\r\n', end) ? 2 : 1;
      this.buffer = this.buffer.slice(end + eolChars);
      const event = this.line(line);
      if (event) out.push(event);
    }
    if (this.buffer.length + this.dataChars > SSE_EVENT_CHARS_MAX) {
      throw new Error(`an event of the stream is over ${SSE_EVENT_CHARS_MAX} characters`);
    }
    return out;
  }

  private line(line: string): SseEvent | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') {
      this.data.push(value);
      this.dataChars += value.length;
    } else if (field === 'id' && !value.includes('\0')) this.id = value;
    return null;
  }

  private dispatch(): SseEvent | null {
    const hasData = this.data.length > 0;
    const event = { event: this.event || 'message', data: this.data.join('\n'), id: this.id };
    this.event = '';
    this.data = [];
    this.dataChars = 0;
    this.id = null;
    return hasData || event.id !== null ? event : null;
  }
}
