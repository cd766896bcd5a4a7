import type { IncomingMessage } from 'node:http';

/** An answer in LINE's error format: `{message, details?}` with the status and headers given. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: { message: string; property: string }[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export type Route = (req: {
  params: [string, string];
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  query: URLSearchParams;
}) => unknown | Promise<unknown>;

export const invalid = (property: string, message: string) =>
  new HttpError(400, 'The request body has 1 error(s)', [{ message, property }]);

/** A route's answer with a status other than 200 (LINE's 202 for audiences and narrowcasts). */
export class Answer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}
