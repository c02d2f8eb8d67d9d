/**
 * The server's REST API as the page uses it: same origin, the API key (kept in memory only) as a
 * Bearer header, and the server's error JSON turned into an {@link ApiError} with its message.
 */

/** An error answer of the server: `status`, the error `code` and the server's own message. */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status
   * @param {string} code the server's error code
   * @param {string} message what the server said
   */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Holds the API key in memory only. */
export const auth = { key: '' };

/** Headers of every request: the key, when there is one. */
function headers(extra = {}) {
  return auth.key ? { ...extra, authorization: `Bearer ${auth.key}` } : extra;
}

/** The server's error, or a plain one when the answer is not the server's JSON. */
async function errorOf(res) {
  try {
    const body = await res.json();
    if (body?.error?.message) return new ApiError(res.status, body.error.code ?? 'error', body.error.message);
  } catch {
    // not JSON: fall through
  }
  return new ApiError(res.status, 'http_error', `The server answered ${res.status} ${res.statusText}.`);
}

/** GET `path` as JSON. */
export async function getJson(path) {
  const res = await fetch(path, { headers: headers() });
  if (!res.ok) throw await errorOf(res);
  return res.json();
}

/** POST `body` (an object as JSON, or FormData) to `path`; the response when it is 2xx. */
export async function post(path, body) {
  const isForm = body instanceof FormData;
  const res = await fetch(path, {
    method: 'POST',
    headers: headers(isForm ? {} : { 'content-type': 'application/json' }),
    body: isForm ? body : JSON.stringify(body),
  });
  if (!res.ok) throw await errorOf(res);
  return res;
}
