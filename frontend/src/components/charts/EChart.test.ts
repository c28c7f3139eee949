import { flushPromises, mount } from '@vue/test-utils'
import { beforeEach, describe, expect, it, vi } from 'vitest'

import { i18n, setLocale } from '@/i18n'

import EChart from './EChart.vue'

const chart = { setOption: vi.fn(), resize: vi.fn(), dispose: vi.fn() }
const init = vi.fn((..._args: unknown[]) => chart)

vi.mock('./echarts', () => ({ init: (...args: unknown[]) => init(...args) }))

// jsdom draws nothing: each test says whether this "browser" has a 2D canvas.
function canvasWorks(works: boolean): void {
  vi.restoreAllMocks()
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() =>
    works ? ({} as CanvasRenderingContext2D) : null,
  )
}

beforeEach(() => {
  canvasWorks(true)
  setLocale('en')
  init.mockClear()
  Object.values(chart).forEach((fn) => fn.mockClear())
})

function mountChart(option: Record<string, unknown> = { series: [] }) {
  return mount(EChart, {
    props: { option, label: 'Bar chart of grades: F 1, A 2.', height: '10rem' },
    global: { plugins: [i18n] },
    attachTo: document.body,
  })
}

describe('a chart', () => {
  it('leaves the drawing to the table when the browser has no canvas', async () => {
    canvasWorks(false)
    const wrapper = mountChart()
    await flushPromises()

    expect(init).not.toHaveBeenCalled()
    expect(wrapper.emitted('unavailable')).toHaveLength(1)
    wrapper.unmount()
  })

  it('is an image with its summary, drawn by ECharts once the library has loaded', async () => {
    const wrapper = mountChart({ series: [{ type: 'bar' }] })
    expect(wrapper.text()).toContain('Loading the chart…')

    await flushPromises()

    const image = wrapper.get('[role="img"]')
    expect(image.attributes('aria-label')).toBe('Bar chart of grades: F 1, A 2.')
    expect(init).toHaveBeenCalledWith(image.element, undefined, { renderer: 'canvas' })
    expect(chart.setOption).toHaveBeenCalledWith({ series: [{ type: 'bar' }] })
    expect(wrapper.text()).not.toContain('Loading the chart…')
    wrapper.unmount()
  })

  it('redraws when the data change, follows the window size, and is disposed on unmount', async () => {
    const wrapper = mountChart()
    await flushPromises()

    await wrapper.setProps({ option: { series: [{ type: 'scatter' }] } })
    expect(chart.setOption).toHaveBeenLastCalledWith({ series: [{ type: 'scatter' }] }, { notMerge: true })

    // jsdom has no ResizeObserver: the chart listens to the window instead.
    window.dispatchEvent(new Event('resize'))
    expect(chart.resize).toHaveBeenCalledOnce()

    wrapper.unmount()
    expect(chart.dispose).toHaveBeenCalledOnce()
    window.dispatchEvent(new Event('resize'))
    expect(chart.resize).toHaveBeenCalledOnce()
  })

  it('follows its container with a ResizeObserver where there is one', async () => {
    const observed: Element[] = []
    let callback: () => void = () => undefined
    const disconnect = vi.fn()
    vi.stubGlobal(
      'ResizeObserver',
      class {
        constructor(fn: () => void) {
          callback = fn
        }
        observe(element: Element) {
          observed.push(element)
        }
        disconnect = disconnect
      },
    )
    const wrapper = mountChart()
    await flushPromises()

    expect(observed).toEqual([wrapper.get('[role="img"]').element])
    callback()
    expect(chart.resize).toHaveBeenCalledOnce()
    wrapper.unmount()
    expect(disconnect).toHaveBeenCalledOnce()
  })

  it('says so and lets the table speak when the chart cannot be drawn', async () => {
    init.mockImplementationOnce(() => {
      throw new Error('no canvas')
    })
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const wrapper = mountChart()
    await flushPromises()

    expect(wrapper.text()).toContain('The chart could not be drawn. The table below has the same data.')
    expect(wrapper.emitted('unavailable')).toHaveLength(1)
    wrapper.unmount()
  })
})
