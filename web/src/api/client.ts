// The one place the UI talks HTTP to the API: same-origin cookies, CSRF on unsafe
// methods, and the `{"error": {...}}` envelope turned into ApiError.

const CSRF_COOKIE = "swarmdeck_csrf";
const CSRF_HEADER = "x-csrf-token";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly details: unknown;
  /** Seconds to wait before trying again, from `Retry-After` on a 429; null otherwise. */
  readonly retryAfter: number | null;

  constructor(
    status: number,
    type: string,
    message: string,
    details?: unknown,
    retryAfter: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.type = type;
    this.details = details;
    this.retryAfter = retryAfter;
  }

  get isUnauthorized(): boolean {
    return this.status === 401;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

/** Read a cookie the server meant JS to read (the CSRF token); HttpOnly ones are invisible. */
export function readCookie(name: string): string | null {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  /** Extra request headers (the gateway's `x-swarmdeck-*` tags). */
  headers?: Record<string, string>;
}

function retryAfterSeconds(response: Response): number | null {
  const header = response.headers.get("retry-after");
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(header); // Retry-After may also be an HTTP date.
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

async function toApiError(response: Response): Promise<ApiError> {
  const retryAfter = retryAfterSeconds(response);
  let payload: unknown = null;
  try {
    payload = await response.json();
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): fall back to the status line.
  }
  const error =
    payload && typeof payload === "object" && "error" in payload
      ? (payload as { error: unknown }).error
      : null;
  if (error && typeof error === "object") {
    const { type, message, details } = error as Record<string, unknown>;
    return new ApiError(
      response.status,
      typeof type === "string" ? type : "error",
      typeof message === "string" ? message : response.statusText,
      details,
      retryAfter,
    );
  }
  return new ApiError(
    response.status,
    "http_error",
    `${response.status} ${response.statusText}`,
    undefined,
    retryAfter,
  );
}

/**
 * The server's message for a failed call, made readable (`body.password: ...` becomes
 * `Password: ...`); a refusal says so first, so "Not allowed: ..." is never mistaken for a bug.
 */
export function describeError(error: unknown, fallback = "Something went wrong."): string {
  if (isApiError(error)) {
    const raw = error.message.replace(/^body\./, "");
    const message = raw ? raw.charAt(0).toUpperCase() + raw.slice(1) : fallback;
    return error.status === 403 ? `Not allowed: ${message}` : message;
  }
  return error instanceof Error && error.message ? error.message : fallback;
}

/** Call the API and return the parsed JSON body (undefined for 204). */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  return (await apiResponse<T>(path, options)).data;
}

/** `api`, keeping the response headers too (the gateway reports its cache outcome in one). */
export async function apiResponse<T>(
  path: string,
  options: RequestOptions = {},
): Promise<{ data: T; headers: Headers }> {
  const method = (options.method ?? (options.body === undefined ? "GET" : "POST")).toUpperCase();
  const headers: Record<string, string> = { accept: "application/json", ...options.headers };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (!SAFE_METHODS.has(method)) {
    const csrf = readCookie(CSRF_COOKIE);
    if (csrf) headers[CSRF_HEADER] = csrf;
  }

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new ApiError(0, "network_error", "Cannot reach the SwarmDeck server.");
  }

  if (!response.ok) throw await toApiError(response);
  if (response.status === 204) return { data: undefined as T, headers: response.headers };
  const text = await response.text();
  return { data: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
}
