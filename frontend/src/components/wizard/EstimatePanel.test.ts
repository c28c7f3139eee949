import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'

import { ApiError } from '@/api/errors'
import { AssessmentEstimate } from '@/api/schemas/assessments'
import { createAppI18n } from '@/i18n'
import { contractExample } from '@/testing/contract'

import EstimatePanel from './EstimatePanel.vue'

function estimate(change: Partial<AssessmentEstimate> = {}): AssessmentEstimate {
  return { ...AssessmentEstimate.parse(contractExample('AssessmentEstimate')), ...change }
}

function render(props: { estimate: AssessmentEstimate | null; loading?: boolean; error?: ApiError | null }, locale: 'en' | 'sv' = 'en') {
  return mount(EstimatePanel, {
    props: { loading: false, error: null, ...props },
    global: { plugins: [createAppI18n(locale)] },
  })
}

describe('the estimate', () => {
  it('reads long runs in hours and minutes, and shows fractions of a cent', () => {
    const wrapper = render({
      estimate: estimate({
        cost_usd: { minimum: 0.0041, typical: 0.0062, maximum: 1.5 },
        duration_seconds: { minimum: 600, typical: 3900, maximum: 86_400 },
      }),
    })

    const duration = wrapper.get('[data-figure="duration"]').text()
    expect(duration).toContain('1 h 5 min')
    expect(duration).toContain('between 10 min and 24 h')
    const cost = wrapper.get('[data-figure="cost"]').text()
    expect(cost).toContain('$0.0062')
    expect(cost).toContain('between $0.0041 and $1.50')
    expect(cost).toContain('What the provider charges at its list prices, in US dollars.')
  })

  it('explains every figure in Swedish too', () => {
    const wrapper = render({ estimate: estimate() }, 'sv')
    const help = wrapper.findAll('.estimate__help').map((line) => line.text())
    expect(help).toHaveLength(6)
    expect(help.every((line) => line.length > 20)).toBe(true)
    expect(wrapper.get('[data-figure="comparisons"]').text()).toContain('mellan 54 och 90')
    expect(wrapper.text()).toContain('Hur siffrorna har räknats fram')
  })

  it('warns that a provider without a key would be refused', () => {
    const wrapper = render({ estimate: estimate({ provider_configured: false }) })
    expect(wrapper.get('[role="alert"]').text()).toContain('no API key on this server')
  })

  it('says it is estimating, or why it could not', () => {
    expect(render({ estimate: null, loading: true }).text()).toContain('Estimating…')
    const refused = render({ estimate: null, error: new ApiError({ status: 409, code: 'CONFLICT', message: 'A batch needs at least 2 essays.' }) })
    expect(refused.get('[role="alert"]').text()).toContain('A batch needs at least 2 essays.')
    expect(refused.emitted('retry')).toBeUndefined()
    void refused.get('[role="alert"] button').trigger('click')
    expect(refused.emitted('retry')).toHaveLength(1)
  })
})
