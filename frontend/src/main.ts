import './styles/main.css'

import { createPinia } from 'pinia'
import { createApp } from 'vue'

import { apiClient } from '@/api'
import App from '@/App.vue'
import { i18n, setLocale, currentLocale } from '@/i18n'
import { createAppRouter } from '@/router'
import { useAuthStore } from '@/stores/auth'

const pinia = createPinia()
const router = createAppRouter(pinia)

// A session that ends on its own (refresh refused, signed out elsewhere) lands on the sign-in page,
// which says why and brings the teacher back here afterwards.
apiClient.onSessionEnded = () => {
  useAuthStore(pinia).sessionEnded()
  const here = router.currentRoute.value
  if (!here.meta.public) void router.push({ name: 'sign-in', query: { redirect: here.fullPath } })
}

setLocale(currentLocale())
createApp(App).use(pinia).use(router).use(i18n).mount('#app')
