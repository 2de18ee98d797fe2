import { parseMessage, type Message } from '@paxos/shared';
import type { SentEnvelope } from '../checkers/limits-checker';
import { InvariantViolation } from '../checkers/violation';
import type { QueuedSend } from './sim-data-api';

/** A queued row as a message for the network, with the row's text (what a claim returns). */
export interface QueuedMessage {
  to: string;
  message: Message;
  payload: string;
}

/**
 * One commit's queued rows read back as messages, each distinct payload parsed once: a message
 * sent to several destinations (a p2a to each acceptor) is one text, so one message.
 */
export class QueuedMessages {
  private readonly jsonByPayload = new Map<string, unknown>();
  private readonly messageByPayload = new Map<string, Message>();

  constructor(private readonly processId: string) {}

  /**
   * The rows as the role sent them, for the checkers: the JSON as it is, not yet held to the
   * message schema, so that a checker can say what is wrong with a message (an unstorable
   * string) before the schema refuses it.
   */
  asSent(sends: readonly QueuedSend[]): SentEnvelope[] {
    return sends.map((send) => ({
      to: send.dst,
      message: this.jsonOf(send.payload) as Message,
      payload: send.payload,
    }));
  }

  /** The rows as messages, for the network; a row that is not a message is a violation. */
  asMessages(sends: readonly QueuedSend[]): QueuedMessage[] {
    return sends.map((send) => ({
      to: send.dst,
      message: this.messageOf(send.payload),
      payload: send.payload,
    }));
  }

  private jsonOf(payload: string): unknown {
    if (!this.jsonByPayload.has(payload)) this.jsonByPayload.set(payload, JSON.parse(payload));
    return this.jsonByPayload.get(payload);
  }

  private messageOf(payload: string): Message {
    let message = this.messageByPayload.get(payload);
    if (message === undefined) {
      const parsed = parseMessage(this.jsonOf(payload));
      if (!parsed.ok) {
        // The receiving shell would dead-letter it: a protocol message lost to the dead letters.
        throw new InvariantViolation(
          'innocent-dead-letter',
          `${this.processId} queued a message its receiver must refuse: ${parsed.reason}`,
        );
      }
      message = parsed.message;
      this.messageByPayload.set(payload, message);
    }
    return message;
  }
}
