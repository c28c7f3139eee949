/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url'

import { gzipSync } from 'node:zlib'

import vue from '@vitejs/plugin-vue'
import { defineConfig, type Plugin } from 'vite'

// The gateway of the dev stack: the API (/v1) and the teacher BFF (/bff) live on one origin there,
// so the dev server proxies both and the app keeps talking to its own origin only.
const GATEWAY = process.env.HULEEDU_GATEWAY_URL ?? 'http://127.0.0.1:8000'

/** The budget for the JavaScript a first visit loads, gzipped; printed, not enforced. */
const INITIAL_JS_BUDGET_KB = 250

/**
 * Prints the gzipped size of the initial JS: the entry chunk and every chunk it imports statically
 * (lazy pages, loaded on navigation, are not counted). Vite's own report lists each chunk.
 */
function initialJsReport(): Plugin {
  return {
    name: 'huleedu-initial-js-report',
    apply: 'build',
    writeBundle(_options, bundle) {
      const chunks = new Map(
        Object.values(bundle)
          .filter((item) => item.type === 'chunk')
          .map((chunk) => [chunk.fileName, chunk]),
      )
      const initial = new Set<string>()
      const visit = (fileName: string): void => {
        const chunk = chunks.get(fileName)
        if (chunk === undefined || initial.has(fileName)) return
        initial.add(fileName)
        chunk.imports.forEach(visit)
      }
      for (const chunk of chunks.values()) if (chunk.isEntry) visit(chunk.fileName)
      const bytes = [...initial].reduce((sum, name) => sum + gzipSync(chunks.get(name)?.code ?? '').length, 0)
      const kb = (bytes / 1000).toFixed(1)
      const verdict = bytes / 1000 <= INITIAL_JS_BUDGET_KB ? 'within' : 'OVER'
      process.stdout.write(
        `initial JS: ${kb} kB gzipped in ${initial.size} chunk(s), ${verdict} the ${INITIAL_JS_BUDGET_KB} kB budget\n`,
      )
    },
  }
}

export default defineConfig({
  plugins: [vue(), initialJsReport()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  define: {
    // vue-i18n: Composition API only, so the legacy API is left out of the bundle.
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: {
      '/v1': { target: GATEWAY, changeOrigin: false },
      '/bff': { target: GATEWAY, changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Vite prints every chunk with its gzipped size; the initial JS is the `index-*.js` entry.
    reportCompressedSize: true,
    // ECharts is one lazy chunk of about 540 kB (180 kB gzipped), loaded when a chart first draws,
    // never on the first page; the budget that matters, the initial JS, is checked above.
    chunkSizeWarningLimit: 600,
    sourcemap: false,
    rollupOptions: {
      onwarn(warning, warn) {
        // zod ships comments Rollup cannot place as annotations; harmless, and not ours to fix.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/node_modules/zod/')) return
        warn(warning)
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
    unstubGlobals: true,
  },
})
