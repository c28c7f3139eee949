/**
 * The app's pages. History mode: the BFF answers `index.html` for any page path, so a deep link
 * works (after signing in again: tokens do not survive a reload).
 */
import type { Pinia } from 'pinia'
import { createRouter, createWebHistory, type RouteRecordRaw, type Router, type RouterHistory } from 'vue-router'

import { useAuthStore } from '@/stores/auth'
import DashboardView from '@/views/DashboardView.vue'
import SignInView from '@/views/SignInView.vue'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without signing in. */
    public?: boolean
    /** The i18n key of the page's title. */
    titleKey?: string
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/sign-in', name: 'sign-in', component: SignInView, meta: { public: true, titleKey: 'signIn.title' } },
  { path: '/', name: 'dashboard', component: DashboardView, meta: { titleKey: 'dashboard.title' } },
  {
    path: '/batches/:batchId',
    name: 'batch',
    // Its own chunk: the sign-in page and the dashboard load without it.
    component: () => import('@/views/BatchView.vue'),
    props: true,
  },
  // --- results: the essay page (issue 18) ---
  {
    path: '/batches/:batchId/essays/:essayId',
    name: 'essay',
    component: () => import('@/views/EssayView.vue'),
    props: true,
  },
  // --- end results ---
  // --- moderation (issue 24): the batch's teacher and the colleagues they invited ---
  {
    path: '/batches/:batchId/moderate',
    name: 'moderate',
    component: () => import('@/views/ModerationView.vue'),
    props: true,
    meta: { titleKey: 'moderation.title' },
  },
  {
    path: '/batches/:batchId/moderation-report',
    name: 'moderation-report',
    component: () => import('@/views/ModerationReportView.vue'),
    props: true,
    meta: { titleKey: 'moderationReport.title' },
  },
  // --- admin: classes, assignments and the account (issues 18 and 23); each its own chunk ---
  {
    path: '/classes',
    name: 'classes',
    component: () => import('@/views/ClassesView.vue'),
    meta: { titleKey: 'classes.title' },
  },
  {
    path: '/classes/:classId',
    name: 'class',
    component: () => import('@/views/ClassView.vue'),
    props: true,
    meta: { titleKey: 'classes.title' },
  },
  {
    path: '/assignments',
    name: 'assignments',
    component: () => import('@/views/AssignmentsView.vue'),
    meta: { titleKey: 'assignments.title' },
  },
  {
    path: '/assignments/new',
    name: 'assignment-new',
    component: () => import('@/views/AssignmentView.vue'),
    meta: { titleKey: 'assignmentPage.newTitle' },
  },
  {
    path: '/assignments/:assignmentId',
    name: 'assignment',
    component: () => import('@/views/AssignmentView.vue'),
    props: true,
    meta: { titleKey: 'assignments.title' },
  },
  {
    path: '/account',
    name: 'account',
    component: () => import('@/views/AccountView.vue'),
    meta: { titleKey: 'accountPage.title' },
  },
  {
    path: '/account/access-log',
    name: 'access-log',
    component: () => import('@/views/AccessLogView.vue'),
    meta: { titleKey: 'accessLog.title' },
  },
  {
    path: '/account/password',
    name: 'account-password',
    component: () => import('@/views/AccountPasswordView.vue'),
    meta: { titleKey: 'password.title' },
  },
  // --- end admin ---
  // --- wizard: the new batch, and the setup of a draft resumed (issue 18); one chunk for both ---
  {
    path: '/batches/new',
    name: 'new-batch',
    component: () => import('@/views/NewBatchView.vue'),
    meta: { titleKey: 'wizard.title' },
  },
  {
    path: '/batches/:batchId/setup',
    name: 'batch-setup',
    component: () => import('@/views/NewBatchView.vue'),
    props: true,
    meta: { titleKey: 'wizard.title' },
  },
  // --- end wizard ---
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/views/NotFoundView.vue'),
    meta: { public: true, titleKey: 'app.notFoundTitle' },
  },
]

export function createAppRouter(pinia: Pinia, history: RouterHistory = createWebHistory()): Router {
  const router = createRouter({ history, routes })
  router.beforeEach((to) => {
    const auth = useAuthStore(pinia)
    if (!to.meta.public && !auth.signedIn) {
      return { name: 'sign-in', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
    }
    if (to.name === 'sign-in' && auth.signedIn) return { name: 'dashboard' }
    return true
  })
  return router
}

/** Where to go after signing in: the page asked for, if it is one of the app's own. */
export function redirectTarget(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') ? value : '/'
}
