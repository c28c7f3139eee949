/** The whole app mounted in jsdom against a fake gateway built from the contract's examples. */
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { vi } from 'vitest'
import { createMemoryHistory, type Router } from 'vue-router'

import { apiClient } from '@/api'
import App from '@/App.vue'
import { i18n, setLocale } from '@/i18n'
import { createAppRouter } from '@/router'
import { useAuthStore } from '@/stores/auth'

import { contractExample } from './contract'
import { installDialogMethods } from './dialog'
import { errorBody, fakeFetch, json, tokens, type RecordedCall } from './http'

export type Route = (call: RecordedCall) => Response | Promise<Response>

export const BATCH_ID = '00000000-0000-0000-0000-000000000001'

/** Answers the app's calls: the routes given first, then the contract's examples. */
export function fakeGateway(routes: Record<string, Route> = {}) {
  const profile = { ...contractExample<Record<string, unknown>>('UserProfile'), locale: 'en-GB' }
  const defaults: Record<string, Route> = {
    'POST /v1/auth/login': () => json(200, tokens(1)),
    'POST /v1/auth/refresh': () => json(200, tokens(2)),
    'POST /v1/auth/logout': () => new Response(null, { status: 204 }),
    'GET /v1/me': () => json(200, profile),
    'GET /bff/v1/teacher/dashboard': () => json(200, contractExample('TeacherDashboard')),
    [`GET /bff/v1/teacher/batches/${BATCH_ID}`]: () => json(200, contractExample('BatchResultsView')),
  }
  const all = { ...defaults, ...routes }
  const fake = fakeFetch((call) => {
    // By the path with its query, else by the path alone (a page of a list: `?limit&before`).
    const route = all[`${call.method} ${call.path}`] ?? all[`${call.method} ${call.path.split('?')[0]}`]
    if (route) return route(call)
    return json(404, errorBody('NOT_FOUND', `No route ${call.path}`))
  })
  vi.stubGlobal('fetch', fake.fetch)
  return fake
}

export interface MountedApp {
  wrapper: VueWrapper
  router: Router
  pinia: ReturnType<typeof createPinia>
}

export async function mountApp(path = '/', options: { signedIn?: boolean } = {}): Promise<MountedApp> {
  // Every command that cannot be undone asks in a modal <dialog> first.
  installDialogMethods()
  setLocale('en')
  const pinia = createPinia()
  const router = createAppRouter(pinia, createMemoryHistory())
  apiClient.onSessionEnded = () => {
    useAuthStore(pinia).sessionEnded()
    void router.push({ name: 'sign-in', query: { redirect: router.currentRoute.value.fullPath } })
  }
  if (options.signedIn !== false) await useAuthStore(pinia).signIn('demo@huleedu.local', 'password')
  await router.push(path)
  await router.isReady()
  const wrapper = mount(App, { global: { plugins: [pinia, router, i18n] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, router, pinia }
}

export async function unmountApp(app: MountedApp | undefined): Promise<void> {
  app?.wrapper.unmount()
  await apiClient.logout()
  setLocale('en')
  document.body.innerHTML = ''
}
