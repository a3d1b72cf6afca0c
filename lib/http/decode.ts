// Percent-decoding of URL parts that never throws a URIError: a malformed escape (`%ZZ`, an overlong UTF-8
// sequence such as `%C0%AE`, a lone surrogate) is the client's mistake and answers 400.
import { badRequest } from '../errors/errors.js';

/** Decodes one path segment; a malformed escape is a 400 naming where it was. */
export function decodePathSegment(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw badRequest(`malformed percent-encoding in the ${what} path segment ${JSON.stringify(raw.slice(0, 40))}`, [{ at: what, message: 'not valid percent-encoded UTF-8' }], 'malformed_path');
  }
}
