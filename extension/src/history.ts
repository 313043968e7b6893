/**
 * The Test runs panel's history view: first-pass yield by day and the trend
 * of a chosen measurement with its limits, drawn as inline SVG.
 *
 * The numbers come from `GET /hardlab/api/history`, which asks the store the
 * questions `hardlab.history()` asks (`first_pass_yield(by="day")`,
 * `trend(measurement)`), so the panel and a notebook agree.
 */

import { fetchHistory, IHistory, IHistoryQuery, ITrendPoint, IYieldDay } from './api';
import { h, localTime } from './dom';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The periods the history covers, in days (0: all of it). */
export const PERIODS: { days: number; label: string }[] = [
  { days: 7, label: 'Last 7 days' },
  { days: 30, label: 'Last 30 days' },
  { days: 90, label: 'Last 90 days' },
  { days: 0, label: 'All time' }
];

type Attrs = Record<string, string | number>;

/** An SVG element with attributes and children (text becomes a text node, never markup). */
function s(tag: string, attrs: Attrs = {}, ...children: (Node | string | null)[]): SVGElement {
  const element = document.createElementNS(SVG_NS, tag) as SVGElement;
  for (const [name, value] of Object.entries(attrs)) {
    element.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child !== null) {
      element.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
  }
  return element;
}

/** A chart label (axis ticks, dates) at `x`, `y`. */
function label(x: number, y: number, text: string, anchor = 'end'): SVGElement {
  return s('text', { x, y, 'text-anchor': anchor, class: 'hl-Chart-label' }, text);
}

function percent(ratio: number | null): string {
  return ratio === null ? '–' : `${(ratio * 100).toFixed(ratio === 1 || ratio === 0 ? 0 : 1)}%`;
}

/** A number as a short label (3 significant digits, no trailing zeros). */
export function shortNumber(value: number): string {
  if (value === 0) {
    return '0';
  }
  const tiny = Math.abs(value) < 1e-3;
  const text = Math.abs(value) >= 1e5 || tiny ? value.toExponential(2) : value.toPrecision(3);
  return String(Number(text));
}

/** First-pass yield per day: one bar per day, its first-pass share green, the rest red. */
export function yieldChart(days: IYieldDay[]): SVGElement {
  const width = 300;
  const height = 130;
  const left = 30;
  const right = 6;
  const top = 8;
  const bottom = 22;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const svg = s('svg', {
    viewBox: `0 0 ${width} ${height}`,
    class: 'hl-Chart hl-YieldChart',
    role: 'img',
    'aria-label': 'First-pass yield by day'
  });
  for (const level of [0, 0.5, 1]) {
    const y = top + plotH * (1 - level);
    svg.append(
      s('line', { x1: left, x2: left + plotW, y1: y, y2: y, class: 'hl-Chart-grid' }),
      label(left - 4, y + 3, `${level * 100}%`)
    );
  }
  const slot = plotW / Math.max(days.length, 1);
  const barW = Math.max(1, Math.min(24, slot * 0.7));
  days.forEach((day, index) => {
    const x = left + slot * index + (slot - barW) / 2;
    const share = day.units ? day.first_pass / day.units : 0;
    const passH = plotH * share;
    const bar = s(
      'g',
      { class: 'hl-YieldBar', 'data-day': day.day },
      s(
        'title',
        {},
        `${day.day}: ${day.first_pass} of ${day.units} unit${day.units === 1 ? '' : 's'} ` +
          `passed first time (${percent(day.first_pass_yield)})`
      ),
      s('rect', { x, y: top, width: barW, height: plotH - passH, class: 'hl-YieldBar-fail' }),
      s('rect', {
        x,
        y: top + plotH - passH,
        width: barW,
        height: passH,
        class: 'hl-YieldBar-pass'
      })
    );
    svg.append(bar);
  });
  if (days.length) {
    const first = days[0].day;
    const last = days[days.length - 1].day;
    svg.append(label(left, height - 6, first, 'start'));
    if (last !== first) {
      svg.append(label(left + plotW, height - 6, last));
    }
  }
  return svg;
}

/** The limit in force at each point as a step line (a limit that changed shows where). */
function stepPath(
  points: (number | null)[],
  x: (index: number) => number,
  y: (value: number) => number
): string {
  let path = '';
  let drawing = false;
  points.forEach((value, index) => {
    if (value === null) {
      drawing = false;
      return;
    }
    const x0 = x(index) - (index === 0 ? 0 : (x(index) - x(index - 1)) / 2);
    const x1 = index === points.length - 1 ? x(index) : x(index) + (x(index + 1) - x(index)) / 2;
    const level = y(value).toFixed(1);
    path += `${drawing ? 'L' : 'M'}${x0.toFixed(1)} ${level}L${x1.toFixed(1)} ${level}`;
    drawing = true;
  });
  return path;
}

/** A measurement's values, oldest to newest, failed ones marked, its limits as dashed steps. */
export function trendChart(points: ITrendPoint[], unit: string | null): SVGElement {
  const width = 300;
  const height = 170;
  const left = 40;
  const right = 6;
  const top = 8;
  const bottom = 22;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const svg = s('svg', {
    viewBox: `0 0 ${width} ${height}`,
    class: 'hl-Chart hl-TrendChart',
    role: 'img',
    'aria-label': 'Measurement trend'
  });
  const seen = points.flatMap(point =>
    [point.value, point.lower, point.upper].filter(
      (v): v is number => v !== null && Number.isFinite(v)
    )
  );
  let low = Math.min(...seen);
  let high = Math.max(...seen);
  if (low === high) {
    low -= Math.abs(low) * 0.1 || 1;
    high += Math.abs(high) * 0.1 || 1;
  }
  const pad = (high - low) * 0.08;
  low -= pad;
  high += pad;
  const x = (index: number) =>
    left + (points.length === 1 ? plotW / 2 : (plotW * index) / (points.length - 1));
  const y = (value: number) => top + plotH * (1 - (value - low) / (high - low));
  for (const value of [low + pad, high - pad]) {
    svg.append(
      s('line', { x1: left, x2: left + plotW, y1: y(value), y2: y(value), class: 'hl-Chart-grid' }),
      label(left - 4, y(value) + 3, shortNumber(value))
    );
  }
  for (const [which, name] of [
    ['lower', 'lower limit'],
    ['upper', 'upper limit']
  ] as const) {
    const path = stepPath(
      points.map(point => point[which]),
      x,
      y
    );
    if (path) {
      const line = s('path', { d: path, class: `hl-Trend-limit hl-Trend-${which}` });
      line.append(s('title', {}, name));
      svg.append(line);
    }
  }
  svg.append(
    s('polyline', {
      points: points
        .map((point, index) => `${x(index).toFixed(1)},${y(point.value).toFixed(1)}`)
        .join(' '),
      class: 'hl-Trend-line'
    })
  );
  const suffix = unit ? ` ${unit}` : '';
  points.forEach((point, index) => {
    const failed = point.result === false;
    const limits =
      point.lower !== null || point.upper !== null
        ? ` (limits ${point.lower ?? '–∞'} .. ${point.upper ?? '∞'})`
        : '';
    svg.append(
      s(
        'circle',
        {
          cx: x(index).toFixed(1),
          cy: y(point.value).toFixed(1),
          r: failed ? 3 : 2,
          class: failed ? 'hl-Trend-point hl-Trend-failed' : 'hl-Trend-point',
          'data-run-id': point.run_id
        },
        s(
          'title',
          {},
          `${point.serial_number || 'no serial number'} · ${localTime(point.started_at)}: ` +
            `${shortNumber(point.value)}${suffix}${limits}${failed ? ' — failed' : ''}`
        )
      )
    );
  });
  if (points.length) {
    const date = (point: ITrendPoint) => localTime(point.started_at).slice(0, 10);
    svg.append(label(left, height - 6, date(points[0]), 'start'));
    if (points.length > 1) {
      svg.append(label(left + plotW, height - 6, date(points[points.length - 1])));
    }
  }
  return svg;
}

/** The history view: period and measurement choosers, the yield chart, the trend chart. */
export class HistoryView {
  constructor() {
    this.node = h('div', { class: 'hl-History', attrs: { 'aria-label': 'History' } });
    this._period = h('select', {
      class: 'hl-Filter',
      attrs: { 'aria-label': 'Period', 'data-history': 'period' }
    });
    for (const { days, label } of PERIODS) {
      this._period.append(h('option', { attrs: { value: String(days) } }, label));
    }
    this._period.value = '30';
    this._period.addEventListener('change', () => void this.refresh());
    this._measurement = h('select', {
      class: 'hl-Filter',
      attrs: { 'aria-label': 'Measurement', 'data-history': 'measurement' }
    });
    this._measurement.addEventListener('change', () => void this.refresh());
    this._yield = h('section', { class: 'hl-History-yield' });
    this._trend = h('section', { class: 'hl-History-trend' });
    this.node.append(
      h('div', { class: 'hl-RunsPanel-filters' }, this._period, this._measurement),
      this._yield,
      this._trend
    );
  }

  readonly node: HTMLDivElement;

  /** The part number and stand the panel's filters chose. */
  scope: { part_number: string; stand: string } = { part_number: '', stand: '' };

  /** The last answer (for tests and the panel). */
  get history(): IHistory | null {
    return this._history;
  }

  /** Fetch the history for the panel's filters and the chosen period and measurement. */
  async refresh(): Promise<void> {
    const days = Number(this._period.value);
    const query: IHistoryQuery = {
      part_number: this.scope.part_number,
      stand: this.scope.stand,
      since: days ? new Date(Date.now() - days * 86_400_000).toISOString() : '',
      measurement: this._measurement.value
    };
    const request = ++this._request;
    this.node.classList.add('hl-mod-loading');
    try {
      const history = await fetchHistory(query);
      if (request !== this._request) {
        return;
      }
      this._history = history;
      this._render(history, query.measurement);
    } catch (error) {
      if (request === this._request) {
        const message = error instanceof Error ? error.message : String(error);
        this._yield.replaceChildren(
          h('div', { class: 'hl-RunList-error', attrs: { role: 'alert' } }, message)
        );
        this._trend.replaceChildren();
      }
    } finally {
      if (request === this._request) {
        this.node.classList.remove('hl-mod-loading');
      }
    }
  }

  private _render(history: IHistory, chosen: string): void {
    const names = history.measurements.map(entry => entry.name);
    let measurement = chosen;
    if (!measurement && names.length) {
      // the first measurement by name, so the view shows a trend at once
      measurement = names[0];
    }
    this._measurement.replaceChildren(
      h(
        'option',
        { attrs: { value: '' } },
        names.length ? 'Measurement: choose' : 'No numeric measurements'
      ),
      ...history.measurements.map(entry => {
        const unit = entry.unit ? ` [${entry.unit}]` : '';
        return h('option', { attrs: { value: entry.name } }, `${entry.name}${unit} (${entry.n})`);
      })
    );
    if (measurement && !names.includes(measurement)) {
      this._measurement.append(h('option', { attrs: { value: measurement } }, measurement));
    }
    this._measurement.value = measurement;
    this._renderYield(history.yield);
    if (measurement !== chosen) {
      void this.refresh(); // fetch the trend of the measurement chosen for the operator
      return;
    }
    this._renderTrend(history);
  }

  private _renderYield(days: IYieldDay[]): void {
    const units = days.reduce((sum, day) => sum + day.units, 0);
    const first = days.reduce((sum, day) => sum + day.first_pass, 0);
    const heading = h('h3', {}, 'First-pass yield by day');
    if (!units) {
      this._yield.replaceChildren(
        heading,
        h('div', { class: 'hl-RunList-empty' }, 'No finished runs in this period.')
      );
      return;
    }
    this._yield.replaceChildren(
      heading,
      h(
        'div',
        { class: 'hl-History-summary' },
        `${percent(first / units)} first time: ${first} of ${units} unit${units === 1 ? '' : 's'}`
      ),
      yieldChart(days)
    );
  }

  private _renderTrend(history: IHistory): void {
    const trend = history.trend;
    if (!trend) {
      this._trend.replaceChildren();
      return;
    }
    const heading = h('h3', {}, `Trend: ${trend.name}${trend.unit ? ` [${trend.unit}]` : ''}`);
    if (!trend.points.length) {
      this._trend.replaceChildren(
        heading,
        h('div', { class: 'hl-RunList-empty' }, `No values of ${trend.name} in this period.`)
      );
      return;
    }
    const failed = trend.points.filter(point => point.result === false).length;
    const some = trend.total > trend.points.length;
    const shown = some ? `the newest ${trend.points.length} of ${trend.total}` : `${trend.total}`;
    this._trend.replaceChildren(
      heading,
      h(
        'div',
        { class: 'hl-History-summary' },
        `${shown} value${trend.total === 1 ? '' : 's'}, ${failed} failed`
      ),
      trendChart(trend.points, trend.unit),
      h(
        'div',
        { class: 'hl-History-legend' },
        h('span', { class: 'hl-Legend-value' }, 'value'),
        h('span', { class: 'hl-Legend-failed' }, 'failed'),
        h('span', { class: 'hl-Legend-limit' }, 'limits')
      )
    );
  }

  private _history: IHistory | null = null;
  private _request = 0;
  private _period: HTMLSelectElement;
  private _measurement: HTMLSelectElement;
  private _yield: HTMLElement;
  private _trend: HTMLElement;
}
