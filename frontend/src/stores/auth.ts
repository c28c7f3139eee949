/** Who is signed in: the profile from /v1/me. The tokens themselves stay inside the API client. */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'

import { api, apiClient } from '@/api'
import type { UserProfile } from '@/api/schemas'
import { localeFromTag, setLocale } from '@/i18n'

/** Why the sign-in page is shown, for its notice. */
export type SignedOutReason = 'signedOut' | 'sessionEnded' | 'accountDeleted' | null

export const useAuthStore = defineStore('auth', () => {
  const profile = shallowRef<UserProfile | null>(null)
  const signedOutReason = ref<SignedOutReason>(null)
  const signedIn = computed(() => profile.value !== null)

  async function signIn(email: string, password: string): Promise<void> {
    await apiClient.login(email, password)
    let me: UserProfile
    try {
      me = await api.me()
    } catch (error) {
      await apiClient.logout()
      throw error
    }
    profile.value = me
    signedOutReason.value = null
    setLocale(localeFromTag(me.locale))
  }

  async function signOut(reason: 'signedOut' | 'accountDeleted' = 'signedOut'): Promise<void> {
    await apiClient.logout()
    profile.value = null
    signedOutReason.value = reason
  }

  /** The API client lost the session (refresh refused, token revoked). */
  function sessionEnded(): void {
    profile.value = null
    signedOutReason.value = 'sessionEnded'
  }

  return { profile, signedIn, signedOutReason, signIn, signOut, sessionEnded }
})
