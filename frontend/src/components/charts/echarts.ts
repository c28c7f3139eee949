/**
 * ECharts with only the parts the charts use (tree-shaken), loaded on demand by `EChart.vue`:
 * nothing imports this module statically, so ECharts stays out of the pages' initial JavaScript.
 */
import { BarChart, CustomChart, ScatterChart } from 'echarts/charts'
import { GridComponent, MarkAreaComponent, TooltipComponent } from 'echarts/components'
import { init, use } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'

use([BarChart, CustomChart, ScatterChart, GridComponent, MarkAreaComponent, TooltipComponent, CanvasRenderer])

export { init }
