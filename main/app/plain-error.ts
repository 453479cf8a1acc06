/**
 * An error whose message is one plain sentence written for the person using the app: safe to show and to
 * send to the page, because it never holds a path, a patient's details or a stack trace. Anything else that
 * fails inside the API reaches the page as the generic "something went wrong" sentence.
 */
export class PlainError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PlainError';
  }
}

/** What the page is told when something failed that is not the person's to fix. */
export const SOMETHING_WENT_WRONG = 'Something went wrong inside ClearDisc. Please try again.';
