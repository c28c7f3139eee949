/**
 * The one way the app talks to the platform: same-origin `fetch` to the gateway's sign-in routes
 * (`/v1/auth/*`, `/v1/me`) and the teacher BFF (`/bff/v1/teacher/*`), nothing else.
 *
 * Tokens live in this object's memory only, never in localStorage, sessionStorage or a cookie: a
 * script injected into the page cannot read a token from storage that holds none, and the gateway
 * offers no httpOnly-cookie session to use instead (its refresh route takes the token in the JSON
 * body). The price is that a reload, or a second tab, starts signed out. See README.md.
 *
 * The access token is renewed shortly before it expires (a timer, and a check before every request)
 * and once more when a request is refused with 401 `TOKEN_EXPIRED`. Uploads go through
 * XMLHttpRequest instead of fetch, because only it reports how much of a request body has been sent;
 * they get the same token, renewal, allow-list and error handling. Renewals are single-flight:
 * each refresh token works once, and presenting a used one ends the whole session at the gateway,
 * so two concurrent refreshes would sign the teacher out.
 */
import type { z } from 'zod'

import {
  ApiError,
  errorFromResponse,
  invalidResponseError,
  networkError,
  sessionEndedError,
} from './errors'
import { TokenResponse } from './schemas'

/**
 * Where the app may send a request: the same origin, these prefixes. Screens read composed views
 * from the BFF; commands (create a batch, upload, confirm names, start, cancel, edit classes and
 * assignments, erase a student, delete the account) go to the gateway's public teacher API, which
 * forwards them to the service that owns the data and checks ownership there
 * (docs/decisions/0005-dashboard-reads-bff-writes-gateway.md).
 */
const ALLOWED_PATHS = [
  /^\/v1\/auth\/[a-z]+$/,
  /^\/v1\/me$/,
  // The account itself: deleting it (DELETE /v1/account with the password).
  /^\/v1\/account$/,
  /^\/v1\/(batches|classes|students|assignments|models)(\/[^?#]*)?(\?[^#]*)?$/,
  /^\/bff\/v1\/teacher\/[^?#]*(\?[^#]*)?$/,
]

export function isAllowedPath(path: string): boolean {
  if (!path.startsWith('/') || path.startsWith('//') || path.includes('\\') || /\/\.\.?(\/|$|\?)/.test(path)) {
    return false
  }
  return ALLOWED_PATHS.some((pattern) => pattern.test(path))
}

interface Session {
  accessToken: string
  refreshToken: string
  /** Client clock, ms: when the access token expires (from `expires_in`, so clock skew does not matter). */
  expiresAt: number
  /** Client clock, ms: when to renew it ahead of expiry. */
  renewAt: number
}

type Timer = ReturnType<typeof setTimeout>

export interface ApiClientOptions {
  fetch?: typeof fetch
  /** Makes the XMLHttpRequest of an upload (tests give a fake). */
  xhr?: () => XMLHttpRequest
  now?: () => number
  setTimeout?: (callback: () => void, ms: number) => Timer
  clearTimeout?: (timer: Timer) => void
  /** Renew this many seconds before expiry, at most a fifth of the token's lifetime (default 60). */
  renewBeforeExpirySeconds?: number
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  body?: unknown
  headers?: Record<string, string>
  signal?: AbortSignal
}

/** How much of an upload's request body the browser has sent; `total` is null when it cannot tell. */
export interface UploadProgress {
  loaded: number
  total: number | null
}

export interface UploadOptions {
  method?: 'POST' | 'PUT'
  headers?: Record<string, string>
  signal?: AbortSignal
  /** Called as the body goes out; a retry after a token renewal starts again from zero. */
  onProgress?: (progress: UploadProgress) => void
}

export class ApiClient {
  /** Called once when the session ends without the teacher signing out (refresh refused, token revoked). */
  onSessionEnded: ((error: ApiError) => void) | null = null

  private session: Session | null = null
  private renewal: Promise<Session> | null = null
  private renewTimer: Timer | null = null
  private readonly fetchImpl: typeof fetch
  private readonly makeXhr: () => XMLHttpRequest
  private readonly now: () => number
  private readonly setTimer: (callback: () => void, ms: number) => Timer
  private readonly clearTimer: (timer: Timer) => void
  private readonly renewBeforeMs: number

  constructor(options: ApiClientOptions = {}) {
    // Bound to globalThis: a bare `fetch` reference called as a method throws "Illegal invocation".
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
    this.makeXhr = options.xhr ?? (() => new XMLHttpRequest())
    this.now = options.now ?? (() => Date.now())
    this.setTimer = options.setTimeout ?? ((callback, ms) => setTimeout(callback, ms))
    this.clearTimer = options.clearTimeout ?? ((timer) => clearTimeout(timer))
    this.renewBeforeMs = (options.renewBeforeExpirySeconds ?? 60) * 1000
  }

  get signedIn(): boolean {
    return this.session !== null
  }

  /** Signs in; throws the gateway's error (401 wrong credentials, 429 locked) as an ApiError. */
  async login(email: string, password: string): Promise<void> {
    const tokens = await this.exchange('/v1/auth/login', { email, password })
    this.startSession(tokens)
  }

  /** Ends the session here at once and at the gateway if it answers; never throws. */
  async logout(): Promise<void> {
    const session = this.session
    this.endSession()
    if (session === null) return
    try {
      await this.send('/v1/auth/logout', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: session.refreshToken }),
      })
    } catch {
      // The tokens are gone from memory either way; the refresh token expires on its own.
    }
  }

  /** A JSON answer, parsed with its contract's schema. */
  async request<S extends z.ZodType>(path: string, schema: S, options: RequestOptions = {}): Promise<z.output<S>> {
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers }
    let body: string | undefined
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json'
      body = JSON.stringify(options.body)
    }
    const response = await this.authorizedFetch(path, {
      method: options.method ?? 'GET',
      headers,
      body,
      signal: options.signal,
    })
    return parseJson(path, response, schema)
  }

  /** A command whose success has no body (204): throws the error body otherwise. */
  async requestNoContent(path: string, options: RequestOptions = {}): Promise<void> {
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers }
    let body: string | undefined
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json'
      body = JSON.stringify(options.body)
    }
    await this.authorizedFetch(path, { method: options.method ?? 'POST', headers, body, signal: options.signal })
  }

  get<S extends z.ZodType>(path: string, schema: S, signal?: AbortSignal): Promise<z.output<S>> {
    return this.request(path, schema, { signal })
  }

  /**
   * A request with the bearer token, the raw answer when it is a 2xx (a download, an event stream).
   * Renews the token first when it is about to expire, and once more on 401 `TOKEN_EXPIRED`.
   * Any other failure is thrown as an ApiError.
   */
  async authorizedFetch(path: string, init: RequestInit = {}): Promise<Response> {
    return this.sendAuthorized((token) => this.send(path, withToken(init, token)))
  }

  /**
   * Sends a multipart form (files) with XMLHttpRequest, reporting the bytes sent to `onProgress`,
   * and parses the answer with its contract's schema. Same token handling and errors as
   * `authorizedFetch`; an aborted upload rejects with an `AbortError` DOMException, as fetch does.
   */
  async upload<S extends z.ZodType>(
    path: string,
    form: FormData,
    schema: S,
    options: UploadOptions = {},
  ): Promise<z.output<S>> {
    const response = await this.sendAuthorized((token) => this.sendXhr(path, form, token, options))
    return parseJson(path, response, schema)
  }

  /** Renews the access token now (single-flight); exposed for tests and for a "stay signed in" action. */
  async refresh(): Promise<void> {
    await this.renew(this.requireSession())
  }

  // --- internals ---------------------------------------------------------------------------------

  /**
   * Sends with the current access token (renewed first when about to expire); on 401
   * `TOKEN_EXPIRED` renews once and sends again. Any other 401 ends the session; any other failure
   * is thrown as an ApiError.
   */
  private async sendAuthorized(sendWith: (accessToken: string) => Promise<Response>): Promise<Response> {
    let session = await this.currentSession()
    let response = await sendWith(session.accessToken)
    if (response.status === 401) {
      const refusal = await errorFromResponse(response)
      if (refusal.code !== 'TOKEN_EXPIRED') throw this.sessionLost(refusal)
      session = await this.renew(session)
      response = await sendWith(session.accessToken)
      if (response.status === 401) throw this.sessionLost(await errorFromResponse(response))
    }
    if (!response.ok) throw await errorFromResponse(response)
    return response
  }

  /** One XMLHttpRequest, its answer as a fetch `Response` so that the error and JSON handling are shared. */
  private sendXhr(path: string, body: FormData, accessToken: string, options: UploadOptions): Promise<Response> {
    if (!isAllowedPath(path)) {
      return Promise.reject(new Error(`Refusing to call ${path}: not one of the app's own API paths`))
    }
    const signal = options.signal
    if (signal?.aborted) return Promise.reject(abortError())
    return new Promise<Response>((resolve, reject) => {
      const xhr = this.makeXhr()
      const onAbortSignal = () => xhr.abort()
      const settle = (outcome: () => void) => {
        signal?.removeEventListener('abort', onAbortSignal)
        outcome()
      }
      xhr.open(options.method ?? 'POST', path)
      xhr.setRequestHeader('Accept', 'application/json')
      for (const [name, value] of Object.entries(options.headers ?? {})) xhr.setRequestHeader(name, value)
      xhr.setRequestHeader('Authorization', `Bearer ${accessToken}`)
      xhr.responseType = 'text'
      if (options.onProgress) {
        const report = options.onProgress
        xhr.upload.onprogress = (event) => report({ loaded: event.loaded, total: event.lengthComputable ? event.total : null })
      }
      xhr.onload = () =>
        settle(() => {
          const response = responseOf(xhr)
          if (response) resolve(response)
          else reject(networkError(new TypeError(`XMLHttpRequest answered status ${xhr.status}`)))
        })
      const failed = () => settle(() => reject(networkError(new TypeError('XMLHttpRequest failed'))))
      xhr.onerror = failed
      xhr.ontimeout = failed
      xhr.onabort = () => settle(() => reject(abortError()))
      signal?.addEventListener('abort', onAbortSignal, { once: true })
      xhr.send(body)
    })
  }

  private async send(path: string, init: RequestInit): Promise<Response> {
    if (!isAllowedPath(path)) throw new Error(`Refusing to call ${path}: not one of the app's own API paths`)
    try {
      return await this.fetchImpl(path, { ...init, credentials: 'same-origin' })
    } catch (cause) {
      if (cause instanceof DOMException && cause.name === 'AbortError') throw cause
      throw networkError(cause)
    }
  }

  private async exchange(path: string, body: unknown): Promise<TokenResponse> {
    const response = await this.send(path, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    })
    if (!response.ok) throw await errorFromResponse(response)
    return parseJson(path, response, TokenResponse)
  }

  private requireSession(): Session {
    if (this.session === null) throw sessionEndedError()
    return this.session
  }

  private async currentSession(): Promise<Session> {
    const session = this.renewal ? await this.renewal : this.requireSession()
    return this.now() >= session.renewAt ? this.renew(session) : session
  }

  private renew(stale: Session): Promise<Session> {
    if (this.renewal) return this.renewal
    if (this.session === null) return Promise.reject(sessionEndedError())
    // Already renewed since this caller read it: use the newer one.
    if (this.session !== stale) return Promise.resolve(this.session)
    const renewal = (async () => {
      try {
        const tokens = await this.exchange('/v1/auth/refresh', { refresh_token: stale.refreshToken })
        if (this.session !== stale) throw sessionEndedError() // signed out meanwhile
        return this.startSession(tokens)
      } catch (error) {
        // A refusal (401 REFRESH_TOKEN_*) ends the session; a network failure, a 429 or a 5xx leaves
        // it for the next attempt.
        if (error instanceof ApiError && isRefusal(error) && this.session === stale) throw this.sessionLost(error)
        throw error
      } finally {
        this.renewal = null
      }
    })()
    this.renewal = renewal
    return renewal
  }

  private startSession(tokens: TokenResponse): Session {
    const issued = this.now()
    const lifetimeMs = tokens.expires_in * 1000
    const session: Session = {
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      expiresAt: issued + lifetimeMs,
      renewAt: issued + lifetimeMs - Math.min(this.renewBeforeMs, lifetimeMs / 5),
    }
    this.session = session
    this.scheduleRenewal(session)
    return session
  }

  private scheduleRenewal(session: Session): void {
    if (this.renewTimer !== null) this.clearTimer(this.renewTimer)
    this.renewTimer = this.setTimer(
      () => {
        this.renewTimer = null
        if (this.session === session) this.renew(session).catch(() => undefined)
      },
      Math.max(0, session.renewAt - this.now()),
    )
  }

  private endSession(): void {
    this.session = null
    if (this.renewTimer !== null) this.clearTimer(this.renewTimer)
    this.renewTimer = null
  }

  /** The session is over (refresh refused, token revoked): forget it and tell the app, once. */
  private sessionLost(reason: ApiError): ApiError {
    const error = sessionEndedError(reason)
    if (this.session !== null) {
      this.endSession()
      this.onSessionEnded?.(error)
    }
    return error
  }
}

function isRefusal(error: ApiError): boolean {
  return error.code !== 'SESSION_ENDED' && error.status >= 400 && error.status < 500 && ![408, 429].includes(error.status)
}

function abortError(): DOMException {
  return new DOMException('The upload was aborted.', 'AbortError')
}

/** An XMLHttpRequest's answer as a `Response`; null when it has no HTTP status (never reached a server). */
function responseOf(xhr: XMLHttpRequest): Response | null {
  if (xhr.status < 200 || xhr.status > 599) return null
  const headers = new Headers()
  for (const line of xhr.getAllResponseHeaders().trim().split(/[\r\n]+/)) {
    const separator = line.indexOf(':')
    if (separator > 0) headers.append(line.slice(0, separator).trim(), line.slice(separator + 1).trim())
  }
  const empty = [204, 205, 304].includes(xhr.status) || xhr.responseText === ''
  return new Response(empty ? null : xhr.responseText, { status: xhr.status, statusText: xhr.statusText, headers })
}

function withToken(init: RequestInit, token: string): RequestInit {
  const headers = new Headers(init.headers)
  headers.set('Authorization', `Bearer ${token}`)
  return { ...init, headers }
}

async function parseJson<S extends z.ZodType>(path: string, response: Response, schema: S): Promise<z.output<S>> {
  let body: unknown
  try {
    body = await response.json()
  } catch {
    throw invalidResponseError(path, 'not JSON')
  }
  const parsed = schema.safeParse(body)
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ')
    throw invalidResponseError(path, issues)
  }
  return parsed.data
}
