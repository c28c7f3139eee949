import { afterEach, describe, expect, it, vi } from 'vitest'
import { z } from 'zod'

import { errorBody, fakeFetch, flush, json, manualTimers, tokens, type RecordedCall } from '@/testing/http'
import { fakeXhr } from '@/testing/xhr'

import { ApiClient, isAllowedPath } from './client'
import { ApiError } from './errors'

const Thing = z.object({ ok: z.boolean() })
const VIEW = '/bff/v1/teacher/dashboard'

/** A gateway that signs in, refreshes in order (refresh-n gives tokens n+1) and answers the view. */
function gateway(view: (call: RecordedCall) => Response = () => json(200, { ok: true })) {
  let issued = 1
  return fakeFetch((call) => {
    if (call.path === '/v1/auth/login') return json(200, tokens(issued))
    if (call.path === '/v1/auth/refresh') {
      const presented = (call.body as { refresh_token: string }).refresh_token
      if (presented !== `refresh-${issued}`) return json(401, errorBody('REFRESH_TOKEN_REUSED', 'Sign in again.'))
      issued += 1
      return json(200, tokens(issued))
    }
    if (call.path === '/v1/auth/logout') return new Response(null, { status: 204 })
    return view(call)
  })
}

function bearer(call: RecordedCall | undefined): string | null {
  return call?.headers.get('Authorization') ?? null
}

async function signedIn(fake: ReturnType<typeof fakeFetch>, timers = manualTimers()) {
  const client = new ApiClient({ fetch: fake.fetch, ...timers })
  await client.login('teacher@school.se', 'secret')
  return client
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('ApiClient sign-in', () => {
  it('posts the credentials and sends the access token as a bearer from then on', async () => {
    const fake = gateway()
    const client = await signedIn(fake)

    await expect(client.get(VIEW, Thing)).resolves.toEqual({ ok: true })

    expect(fake.calls[0]).toMatchObject({
      path: '/v1/auth/login',
      method: 'POST',
      body: { email: 'teacher@school.se', password: 'secret' },
    })
    expect(bearer(fake.calls[0])).toBeNull()
    expect(bearer(fake.calls[1])).toBe('Bearer access-1')
    expect(client.signedIn).toBe(true)
  })

  it('turns a refused sign-in into an ApiError with the platform message', async () => {
    const fake = fakeFetch(() =>
      json(401, errorBody('INVALID_CREDENTIALS', 'Wrong email or password.', 'class_management_service')),
    )
    const client = new ApiClient({ fetch: fake.fetch })

    const error = await client.login('teacher@school.se', 'wrong').catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({
      status: 401,
      code: 'INVALID_CREDENTIALS',
      message: 'Wrong email or password.',
      service: 'class_management_service',
      correlationId: 'corr-1',
      messageKey: undefined,
    })
    expect(client.signedIn).toBe(false)
  })

  it('reads Retry-After from a locked account', async () => {
    const fake = fakeFetch(() => json(429, errorBody('RATE_LIMITED', 'Too many attempts.'), { 'Retry-After': '42' }))
    const client = new ApiClient({ fetch: fake.fetch })

    await expect(client.login('a@b.se', 'x')).rejects.toMatchObject({ status: 429, retryAfterSeconds: 42 })
  })

  it('keeps tokens out of web storage', async () => {
    const setItem = vi.spyOn(Storage.prototype, 'setItem')
    const fake = gateway()
    const timers = manualTimers()
    const client = await signedIn(fake, timers)
    await client.refresh()
    await client.get(VIEW, Thing)

    expect(setItem).not.toHaveBeenCalled()
    // eslint-disable-next-line no-restricted-properties -- checking that it stays empty
    expect(window.localStorage.length).toBe(0)
    // eslint-disable-next-line no-restricted-properties -- checking that it stays empty
    expect(window.sessionStorage.length).toBe(0)
    expect(document.cookie).toBe('')
  })
})

describe('ApiClient errors', () => {
  it('gives the error body of a failed request: code, message, correlation id', async () => {
    const fake = gateway(() => json(503, errorBody('SERVICE_UNAVAILABLE', 'Results are unavailable.', 'bff')))
    const client = await signedIn(fake)

    await expect(client.get(VIEW, Thing)).rejects.toMatchObject({
      name: 'ApiError',
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
      message: 'Results are unavailable.',
      correlationId: 'corr-1',
    })
  })

  it('describes an answer without an error body by its status, with a message key to translate', async () => {
    const fake = gateway(() => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }))
    const client = await signedIn(fake)

    await expect(client.get(VIEW, Thing)).rejects.toMatchObject({
      status: 502,
      code: 'UNEXPECTED_STATUS',
      messageKey: 'errors.unexpectedStatus',
    })
  })

  it('reports a network failure as NETWORK_ERROR', async () => {
    const fake = gateway(() => {
      throw new TypeError('Failed to fetch')
    })
    const client = await signedIn(fake)

    await expect(client.get(VIEW, Thing)).rejects.toMatchObject({ status: 0, code: 'NETWORK_ERROR', messageKey: 'errors.network' })
  })

  it('refuses an answer outside the contract', async () => {
    const fake = gateway(() => json(200, { ok: 'yes' }))
    const client = await signedIn(fake)

    const error = await client.get(VIEW, Thing).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'INVALID_RESPONSE', messageKey: 'errors.invalidResponse' })
    expect((error as ApiError).message).toContain('ok')
  })

  it('talks only to its own API paths on the same origin', async () => {
    const fake = gateway()
    const client = await signedIn(fake)

    for (const path of ['https://evil.example/v1/me', '//evil.example/bff/v1/teacher/x', '/v1/admin/users', '/internal/v1/x', '/bff/v1/teacher/../../v1/x', '/v1/batches/../admin', '/v1/batchesX']) {
      await expect(client.get(path, Thing)).rejects.toThrow(/Refusing/)
    }
    expect(fake.calls).toHaveLength(1) // the sign-in only
    expect(isAllowedPath('/v1/me')).toBe(true)
    expect(isAllowedPath('/bff/v1/teacher/batches/1?x=1')).toBe(true)
    expect(isAllowedPath('/v1/auth/refresh')).toBe(true)
    expect(isAllowedPath('/v1/batches/1/essays')).toBe(true)
    expect(isAllowedPath('/v1/classes?limit=5')).toBe(true)
    expect(isAllowedPath('/v1/account')).toBe(true)
    expect(isAllowedPath('/v1/account/x')).toBe(false)
  })

  it('sends a command without a response body and throws its error body', async () => {
    const fake = gateway((call) =>
      call.path === '/v1/students/1' ? new Response(null, { status: 204 }) : json(409, errorBody('CONFLICT', 'In use.')),
    )
    const client = await signedIn(fake)

    await expect(client.requestNoContent('/v1/students/1', { method: 'DELETE' })).resolves.toBeUndefined()
    await expect(client.requestNoContent('/v1/classes/1', { method: 'DELETE' })).rejects.toMatchObject({ status: 409, code: 'CONFLICT' })
    expect(fake.calls[1]).toMatchObject({ method: 'DELETE', path: '/v1/students/1' })
  })

  it('sends nothing once signed out, and says the session has ended', async () => {
    const fake = gateway()
    const client = await signedIn(fake)
    await client.logout()

    await expect(client.get(VIEW, Thing)).rejects.toMatchObject({ code: 'SESSION_ENDED' })
    expect(fake.calls.map((call) => call.path)).toEqual(['/v1/auth/login', '/v1/auth/logout'])
    expect(fake.calls[1]?.body).toEqual({ refresh_token: 'refresh-1' })
  })

  it('signs out locally even when the gateway cannot be reached', async () => {
    let down = false
    const fake = gateway()
    const flaky = fakeFetch((call) => {
      if (down) throw new TypeError('Failed to fetch')
      return fake.fetch(call.path, { method: call.method, body: JSON.stringify(call.body) })
    })
    const client = await signedIn(flaky)
    down = true

    await expect(client.logout()).resolves.toBeUndefined()
    expect(client.signedIn).toBe(false)
  })
})

describe('ApiClient token renewal', () => {
  it('refreshes once on 401 TOKEN_EXPIRED and retries with the new token', async () => {
    const fake = gateway((call) =>
      bearer(call) === 'Bearer access-1' ? json(401, errorBody('TOKEN_EXPIRED', 'Expired.')) : json(200, { ok: true }),
    )
    const client = await signedIn(fake)

    await expect(client.get(VIEW, Thing)).resolves.toEqual({ ok: true })

    expect(fake.calls.map((call) => call.path)).toEqual(['/v1/auth/login', VIEW, '/v1/auth/refresh', VIEW])
    expect(fake.calls[2]?.body).toEqual({ refresh_token: 'refresh-1' })
    expect(bearer(fake.calls[3])).toBe('Bearer access-2')
  })

  it('refreshes only once for concurrent requests that all find the token expired', async () => {
    const fake = gateway((call) =>
      bearer(call) === 'Bearer access-1' ? json(401, errorBody('TOKEN_EXPIRED', 'Expired.')) : json(200, { ok: true }),
    )
    const client = await signedIn(fake)

    await Promise.all([client.get(VIEW, Thing), client.get(VIEW, Thing), client.get(VIEW, Thing)])

    expect(fake.calls.filter((call) => call.path === '/v1/auth/refresh')).toHaveLength(1)
    expect(client.signedIn).toBe(true)
  })

  it('retries a request only once', async () => {
    const fake = gateway(() => json(401, errorBody('TOKEN_EXPIRED', 'Expired.')))
    const ended = vi.fn()
    const client = await signedIn(fake)
    client.onSessionEnded = ended

    await expect(client.get(VIEW, Thing)).rejects.toMatchObject({ code: 'SESSION_ENDED' })
    expect(fake.calls.filter((call) => call.path === VIEW)).toHaveLength(2)
    expect(ended).toHaveBeenCalledTimes(1)
  })

  it('ends the session when the refresh is refused', async () => {
    const fake = fakeFetch((call) => {
      if (call.path === '/v1/auth/login') return json(200, tokens(1))
      if (call.path === '/v1/auth/refresh') return json(401, errorBody('REFRESH_TOKEN_REUSED', 'Sign in again.'))
      return json(401, errorBody('TOKEN_EXPIRED', 'Expired.'))
    })
    const ended = vi.fn()
    const client = await signedIn(fake)
    client.onSessionEnded = ended

    await expect(client.get(VIEW, Thing)).rejects.toMatchObject({ code: 'SESSION_ENDED', messageKey: 'errors.sessionEnded' })
    expect(ended).toHaveBeenCalledTimes(1)
    expect(client.signedIn).toBe(false)
  })

  it('ends the session at once on any other 401 (a revoked token), without a refresh', async () => {
    const fake = gateway(() => json(401, errorBody('TOKEN_REVOKED', 'Signed out elsewhere.')))
    const ended = vi.fn()
    const client = await signedIn(fake)
    client.onSessionEnded = ended

    await expect(client.get(VIEW, Thing)).rejects.toMatchObject({ code: 'SESSION_ENDED' })
    expect(fake.calls.some((call) => call.path === '/v1/auth/refresh')).toBe(false)
    expect(ended).toHaveBeenCalledTimes(1)
  })

  it('keeps the session when a refresh fails for want of a network', async () => {
    let offline = false
    const inner = gateway((call) =>
      bearer(call) === 'Bearer access-1' ? json(401, errorBody('TOKEN_EXPIRED', 'Expired.')) : json(200, { ok: true }),
    )
    const fake = fakeFetch((call) => {
      if (offline && call.path === '/v1/auth/refresh') throw new TypeError('Failed to fetch')
      return inner.fetch(call.path, { method: call.method, headers: call.headers, body: JSON.stringify(call.body) })
    })
    const client = await signedIn(fake)
    offline = true

    await expect(client.get(VIEW, Thing)).rejects.toMatchObject({ code: 'NETWORK_ERROR' })
    expect(client.signedIn).toBe(true)
    offline = false
    await expect(client.get(VIEW, Thing)).resolves.toEqual({ ok: true })
  })

  it('renews a minute before expiry with a timer', async () => {
    const fake = gateway()
    const timers = manualTimers()
    const client = await signedIn(fake, timers)

    expect(timers.pending).toHaveLength(1)
    expect(timers.pending[0]?.at).toBe(timers.now() + 840_000)
    timers.advance(840_000)
    await vi.waitFor(() => expect(fake.calls.map((call) => call.path)).toContain('/v1/auth/refresh'))
    await vi.waitFor(() => expect(timers.pending).toHaveLength(1)) // the next renewal is planned

    await client.get(VIEW, Thing)
    expect(bearer(fake.calls.at(-1))).toBe('Bearer access-2')
  })

  it('renews before a request when the token is about to expire (a sleeping tab)', async () => {
    const fake = gateway()
    let now = 0
    const timers = manualTimers()
    // The renewal timer never runs (a suspended tab); the clock moves on regardless.
    const client = new ApiClient({ fetch: fake.fetch, now: () => now, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout })
    await client.login('teacher@school.se', 'secret')
    now = 850_000

    await client.get(VIEW, Thing)

    expect(fake.calls.map((call) => call.path)).toEqual(['/v1/auth/login', '/v1/auth/refresh', VIEW])
    expect(bearer(fake.calls.at(-1))).toBe('Bearer access-2')
  })

  it('renews at four fifths of a short token lifetime', async () => {
    const fake = fakeFetch(() => json(200, tokens(1, 100)))
    const timers = manualTimers()
    const client = new ApiClient({ fetch: fake.fetch, ...timers })
    await client.login('teacher@school.se', 'secret')

    expect(timers.pending[0]?.at).toBe(timers.now() + 80_000)
  })
})

describe('ApiClient uploads (XMLHttpRequest)', () => {
  const UPLOAD = '/v1/batches/1/essays'
  const Uploaded = z.object({ accepted: z.number() })

  function form(): FormData {
    const body = new FormData()
    body.append('files', new File(['one two three'], 'a.txt', { type: 'text/plain' }))
    body.append('files', new File(['four five'], 'b.md'))
    return body
  }

  async function uploadClient(timers = manualTimers()) {
    const fake = gateway()
    const xhr = fakeXhr()
    const client = new ApiClient({ fetch: fake.fetch, xhr: xhr.create, ...timers })
    await client.login('teacher@school.se', 'secret')
    return { client, xhr, fake }
  }

  it('posts the form with the bearer token, reports the bytes sent and parses the answer', async () => {
    const { client, xhr } = await uploadClient()
    const progress = vi.fn()

    const result = client.upload(UPLOAD, form(), Uploaded, { onProgress: progress })
    await vi.waitFor(() => expect(xhr.calls).toHaveLength(1))
    const call = xhr.calls[0]!
    call.xhr.progress(10, 22)
    call.xhr.progress(22, 22)
    call.xhr.respond(200, { accepted: 2 })

    await expect(result).resolves.toEqual({ accepted: 2 })
    expect(call).toMatchObject({ method: 'POST', path: UPLOAD })
    expect(call.headers.get('Authorization')).toBe('Bearer access-1')
    expect(call.headers.get('Accept')).toBe('application/json')
    expect(call.body).toBeInstanceOf(FormData)
    expect((call.body as FormData).getAll('files').map((file) => (file as File).name)).toEqual(['a.txt', 'b.md'])
    expect(progress.mock.calls).toEqual([[{ loaded: 10, total: 22 }], [{ loaded: 22, total: 22 }]])
  })

  it('turns an error answer into an ApiError with the platform message (413 over a limit)', async () => {
    const { client, xhr } = await uploadClient()

    const result = client.upload(UPLOAD, form(), Uploaded)
    await vi.waitFor(() => expect(xhr.calls).toHaveLength(1))
    xhr.calls[0]!.xhr.respond(413, errorBody('PAYLOAD_TOO_LARGE', 'Too many files in one upload: at most 50.'), {
      'Content-Type': 'application/json',
      'Retry-After': '7',
    })

    await expect(result).rejects.toMatchObject({
      name: 'ApiError',
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      message: 'Too many files in one upload: at most 50.',
      correlationId: 'corr-1',
      retryAfterSeconds: 7,
    })
  })

  it('describes an answer without an error body by its status, and refuses one outside the contract', async () => {
    const { client, xhr } = await uploadClient()

    const failed = client.upload(UPLOAD, form(), Uploaded)
    await vi.waitFor(() => expect(xhr.calls).toHaveLength(1))
    xhr.calls[0]!.xhr.respond(502, '<html>Bad gateway</html>', { 'Content-Type': 'text/html' })
    await expect(failed).rejects.toMatchObject({ status: 502, code: 'UNEXPECTED_STATUS', messageKey: 'errors.unexpectedStatus' })

    const odd = client.upload(UPLOAD, form(), Uploaded)
    await vi.waitFor(() => expect(xhr.calls).toHaveLength(2))
    xhr.calls[1]!.xhr.respond(200, { accepted: 'two' })
    await expect(odd).rejects.toMatchObject({ code: 'INVALID_RESPONSE' })
  })

  it('renews once on 401 TOKEN_EXPIRED and sends the form again with the new token', async () => {
    const { client, xhr, fake } = await uploadClient()

    const result = client.upload(UPLOAD, form(), Uploaded)
    await vi.waitFor(() => expect(xhr.calls).toHaveLength(1))
    xhr.calls[0]!.xhr.respond(401, errorBody('TOKEN_EXPIRED', 'Expired.'))
    await vi.waitFor(() => expect(xhr.calls).toHaveLength(2))
    xhr.calls[1]!.xhr.respond(200, { accepted: 2 })

    await expect(result).resolves.toEqual({ accepted: 2 })
    expect(fake.calls.map((call) => call.path)).toEqual(['/v1/auth/login', '/v1/auth/refresh'])
    expect(xhr.calls[1]!.headers.get('Authorization')).toBe('Bearer access-2')
    expect((xhr.calls[1]!.body as FormData).getAll('files')).toHaveLength(2)
  })

  it('retries only once, and ends the session on any other 401', async () => {
    const { client, xhr } = await uploadClient()
    const ended = vi.fn()
    client.onSessionEnded = ended

    const result = client.upload(UPLOAD, form(), Uploaded)
    await vi.waitFor(() => expect(xhr.calls).toHaveLength(1))
    xhr.calls[0]!.xhr.respond(401, errorBody('TOKEN_EXPIRED', 'Expired.'))
    await vi.waitFor(() => expect(xhr.calls).toHaveLength(2))
    xhr.calls[1]!.xhr.respond(401, errorBody('TOKEN_REVOKED', 'Signed out elsewhere.'))

    await expect(result).rejects.toMatchObject({ code: 'SESSION_ENDED' })
    expect(ended).toHaveBeenCalledTimes(1)
    expect(client.signedIn).toBe(false)
  })

  it('renews before sending when the token is about to expire (a sleeping tab)', async () => {
    const fake = gateway()
    const xhr = fakeXhr()
    let now = 0
    const timers = manualTimers()
    const client = new ApiClient({ fetch: fake.fetch, xhr: xhr.create, now: () => now, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout })
    await client.login('teacher@school.se', 'secret')
    now = 850_000

    const result = client.upload(UPLOAD, form(), Uploaded)
    await vi.waitFor(() => expect(xhr.calls).toHaveLength(1))
    xhr.calls[0]!.xhr.respond(200, { accepted: 2 })

    await expect(result).resolves.toEqual({ accepted: 2 })
    expect(fake.calls.map((call) => call.path)).toEqual(['/v1/auth/login', '/v1/auth/refresh'])
    expect(xhr.calls[0]!.headers.get('Authorization')).toBe('Bearer access-2')
  })

  it('aborts with its signal, rejecting with an AbortError as fetch does', async () => {
    const { client, xhr } = await uploadClient()
    const abort = new AbortController()

    const result = client.upload(UPLOAD, form(), Uploaded, { signal: abort.signal })
    await vi.waitFor(() => expect(xhr.calls).toHaveLength(1))
    abort.abort()

    await expect(result).rejects.toMatchObject({ name: 'AbortError' })
    expect(xhr.calls[0]!.xhr.aborted).toBe(true)

    await expect(client.upload(UPLOAD, form(), Uploaded, { signal: abort.signal })).rejects.toMatchObject({ name: 'AbortError' })
    await flush()
    expect(xhr.calls).toHaveLength(1) // an already aborted signal sends nothing
  })

  it('reports a request that never reached the server as NETWORK_ERROR', async () => {
    const { client, xhr } = await uploadClient()

    const result = client.upload(UPLOAD, form(), Uploaded)
    await vi.waitFor(() => expect(xhr.calls).toHaveLength(1))
    xhr.calls[0]!.xhr.fail()

    await expect(result).rejects.toMatchObject({ status: 0, code: 'NETWORK_ERROR', messageKey: 'errors.network' })
    expect(client.signedIn).toBe(true)
  })

  it('uploads only to its own API paths', async () => {
    const { client, xhr } = await uploadClient()

    for (const path of ['https://evil.example/v1/batches/1/essays', '/internal/v1/batches/1/essays', '/v1/batches/../admin']) {
      await expect(client.upload(path, form(), Uploaded)).rejects.toThrow(/Refusing/)
    }
    expect(xhr.calls).toHaveLength(0)
  })
})
