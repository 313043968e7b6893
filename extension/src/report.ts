/**
 * The read-only report of one run, in JupyterLab's main area: the DUT, stand
 * and process, then every module and case with its measurements and limits,
 * messages, charts and artifacts. A run that is still going is refreshed
 * until it ends.
 */

import {
  Clipboard,
  MainAreaWidget,
  Notification,
  ToolbarButton
} from '@jupyterlab/apputils';
import { copyIcon, downloadIcon, fileIcon, refreshIcon } from '@jupyterlab/ui-components';
import { Poll } from '@lumino/polling';
import { Widget } from '@lumino/widgets';

import {
  fetchHardpyJson,
  fetchReport,
  fetchUnitReport,
  ICase,
  IMeasurement,
  IModule,
  IReportView
} from './api';
import { elapsed, fieldList, generatedKey, h, localTime, plain, statusBadge } from './dom';

/** Seconds between refreshes of a report whose run is going. */
export const REPORT_LIVE_INTERVAL = 2;

/** The report's content: fetched from the server, redrawn on refresh. */
export class ReportContent extends Widget {
  constructor(readonly runId: string) {
    super();
    this.addClass('hl-Report');
    this.node.dataset.runId = runId;
    this.node.append(h('div', { class: 'hl-Report-loading' }, 'Loading the report…'));
    this._poll = new Poll({
      factory: () => this.refresh(),
      frequency: { interval: REPORT_LIVE_INTERVAL * 1000, backoff: false },
      name: `hardlab:report:${runId}`,
      standby: () => (this._live && this.isVisible ? 'when-hidden' : true)
    });
    void this.refresh();
  }

  /** The report as last fetched (null before the first answer). */
  get view(): IReportView | null {
    return this._view;
  }

  /** Fetch the report again and redraw it. */
  async refresh(): Promise<void> {
    try {
      const view = await fetchReport(this.runId);
      this._view = view;
      this._live = view.run.status === 'run';
      this._render(view);
    } catch (error) {
      this._live = false;
      this.node.replaceChildren(
        h(
          'div',
          { class: 'hl-Report-error', attrs: { role: 'alert' } },
          error instanceof Error ? error.message : String(error)
        )
      );
    }
    this.onUpdated?.(this);
  }

  /** Called after each refresh (the main-area widget updates its title). */
  onUpdated: ((content: ReportContent) => void) | null = null;

  dispose(): void {
    if (!this.isDisposed) {
      this._poll.dispose();
      super.dispose();
    }
  }

  private _render(view: IReportView): void {
    const { run, report } = view;
    const now = new Date();
    const duration =
      run.status === 'run' ? `${elapsed(run.started_at, now)} so far` : run.duration_text;
    const summary = fieldList(
      {
        serial_number: run.serial_number,
        part_number: run.part_number,
        DUT: run.dut_name,
        stand: [run.stand, run.stand_location].filter(Boolean).join(', '),
        started: localTime(run.started_at),
        stopped: localTime(run.stopped_at),
        duration,
        user: run.user,
        process: run.process,
        batch_serial_number: run.batch_serial_number,
        error_code: run.error_code,
        caused_DUT_failure: report.caused_dut_failure,
        cases:
          run.cases_passed === null
            ? null
            : `${run.cases_passed} passed, ${run.cases_failed ?? 0} failed, ` +
              `${run.cases_skipped ?? 0} skipped`
      },
      'hl-Fields hl-Report-summary'
    );
    const details = h('div', { class: 'hl-Report-details' });
    for (const [title, record] of [
      ['DUT', report.dut],
      ['Test stand', report.test_stand],
      ['Process', report.process],
      ['Run artifacts', report.artifact]
    ] as [string, Record<string, unknown>][]) {
      const list = fieldList(record);
      if (list) {
        details.append(h('section', {}, h('h3', {}, title), list));
      }
    }
    this.node.replaceChildren(
      h(
        'header',
        { class: 'hl-Report-header' },
        h('h1', {}, report.name || run.name || 'Test run', ' ', statusBadge(run.status)),
        h('div', { class: 'hl-Report-id' }, 'Run ', h('code', {}, run.id))
      ),
      this._planError(run),
      summary ?? '',
      details,
      ...report.modules.map(module => this._module(module))
    );
    if (report.modules.length === 0 && !run.plan_error) {
      this.node.append(h('p', { class: 'hl-Report-empty' }, 'No case has been stored for this run yet.'));
    }
  }

  /** Why a plan could not run: the brief text, pytest's whole text folded below. */
  private _planError(run: IReportView['run']): HTMLElement | string {
    if (!run.plan_error) {
      return '';
    }
    return h(
      'section',
      { class: 'hl-Report-planError', attrs: { role: 'alert' } },
      h('h2', {}, 'NOT RUN: the plan could not run; no case was tested'),
      h('pre', { class: 'hl-Case-failure' }, run.plan_error_brief || run.plan_error),
      h(
        'details',
        { class: 'hl-Crash' },
        h('summary', { class: 'hl-Dim' }, "pytest's text"),
        h('pre', { class: 'hl-Case-assertion' }, run.plan_error)
      )
    );
  }

  private _module(module: IModule): HTMLElement {
    const section = h(
      'section',
      { class: 'hl-Module', attrs: { 'data-module-id': module.id } },
      h(
        'h2',
        {},
        statusBadge(module.status),
        ' ',
        module.name,
        ' ',
        h('span', { class: 'hl-Dim' }, module.id),
        module.duration_text ? h('span', { class: 'hl-Dim hl-Right' }, module.duration_text) : null
      )
    );
    const artifacts = fieldList(module.artifact);
    if (artifacts) {
      section.append(h('div', { class: 'hl-Artifacts' }, h('h4', {}, 'Module artifacts'), artifacts));
    }
    for (const item of module.cases) {
      section.append(this._case(item));
    }
    return section;
  }

  private _case(item: ICase): HTMLElement {
    const head = h(
      'div',
      { class: 'hl-Case-head' },
      statusBadge(item.status),
      h('span', { class: 'hl-Case-name', title: item.title }, item.name),
      h('span', { class: 'hl-Dim' }, item.id),
      item.attempt > 1 ? h('span', { class: 'hl-Dim' }, `attempt ${item.attempt}`) : null,
      item.group !== 'main' ? h('span', { class: 'hl-Dim' }, item.group) : null,
      h('span', { class: 'hl-Dim hl-Right' }, item.duration_text)
    );
    const body = h('div', { class: 'hl-Case-body' });
    // Operators read the assertion's message; pytest's crash text is folded below it.
    if (item.failure_text) {
      body.append(h('pre', { class: 'hl-Case-failure' }, item.failure_text));
    }
    if (item.assertion_msg && item.assertion_msg !== item.failure_text) {
      const crash = h('pre', { class: 'hl-Case-assertion' }, item.assertion_msg);
      body.append(
        item.failure_text
          ? h(
              'details',
              { class: 'hl-Crash' },
              h('summary', { class: 'hl-Dim' }, "pytest's text"),
              crash
            )
          : crash
      );
    }
    const messages = Object.entries(item.messages);
    if (messages.length) {
      body.append(
        h(
          'ul',
          { class: 'hl-Messages' },
          ...messages.map(([key, value]) =>
            h(
              'li',
              {},
              generatedKey(key) ? null : h('span', { class: 'hl-Dim' }, `${key}: `),
              plain(value)
            )
          )
        )
      );
    }
    if (item.measurements.length) {
      body.append(this._measurements(item.measurements));
    }
    if (item.chart) {
      const source = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(item.chart.svg)}`;
      // As an image, the SVG can show nothing but itself.
      const image = h('img', {
        class: 'hl-Chart',
        attrs: { src: source, alt: item.chart.title || 'chart' }
      });
      body.append(image);
    }
    const artifacts = fieldList(item.artifact);
    if (artifacts) {
      body.append(h('div', { class: 'hl-Artifacts' }, h('h4', {}, 'Artifacts'), artifacts));
    }
    return h(
      'div',
      { class: `hl-Case hl-Case-${item.status}`, attrs: { 'data-case-id': item.id } },
      head,
      body.childElementCount ? body : null
    );
  }

  private _measurements(measurements: IMeasurement[]): HTMLTableElement {
    const rows = measurements.map(m =>
      h(
        'tr',
        { class: m.result === false ? 'hl-Measurement-fail' : '' },
        h('td', {}, m.name ?? ''),
        h('td', { class: 'hl-Value' }, m.value_text),
        h('td', {}, m.limits_text),
        h(
          'td',
          { class: 'hl-Result' },
          m.result === null ? '—' : m.result ? '✓ pass' : '✗ fail'
        )
      )
    );
    return h(
      'table',
      { class: 'hl-Measurements' },
      h(
        'thead',
        {},
        h('tr', {}, h('th', {}, 'Measurement'), h('th', {}, 'Value'), h('th', {}, 'Limits'), h('th', {}, 'Result'))
      ),
      h('tbody', {}, ...rows)
    );
  }

  private _view: IReportView | null = null;
  private _live = false;
  private _poll: Poll;
}

/** Copy a run id to the clipboard, and say so. */
export function copyRunId(runId: string): void {
  Clipboard.copyToSystem(runId);
  Notification.success(`Copied run id ${runId}`, { autoClose: 3000 });
}

/** Download a run as a HardPy JSON report file, `<run id>.json`. */
export async function exportHardpyJson(runId: string): Promise<void> {
  try {
    const text = await fetchHardpyJson(runId);
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const link = h('a', { attrs: { href: url, download: `${runId}.json` } });
    document.body.append(link);
    link.click();
    link.remove();
    // the download has its own copy once click() has returned
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (error) {
    Notification.error(
      `Cannot export run ${runId}: ${error instanceof Error ? error.message : error}`
    );
  }
}

/** Open a run's unit report (self-contained HTML: it loads nothing) in a browser tab. */
export async function openUnitReport(runId: string): Promise<void> {
  // opened during the click, so no popup blocker stops it; filled when the page arrives
  const tab = window.open('', '_blank');
  try {
    const page = await fetchUnitReport(runId);
    const url = URL.createObjectURL(new Blob([page], { type: 'text/html' }));
    if (tab) {
      tab.location.href = url;
    } else {
      window.open(url, '_blank');
    }
    // the tab has its own copy once it has loaded
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (error) {
    tab?.close();
    Notification.error(
      `Cannot open the report of run ${runId}: ${error instanceof Error ? error.message : error}`
    );
  }
}

/** A report in a main-area tab: "Copy run id", "Export HardPy JSON", "Unit report", "Refresh". */
export function createReportWidget(runId: string): MainAreaWidget<ReportContent> {
  const content = new ReportContent(runId);
  const widget = new MainAreaWidget({ content });
  widget.id = `hardlab-report-${runId}`;
  widget.addClass('hl-ReportWidget');
  widget.title.label = `Run ${runId.slice(0, 8)}`;
  widget.title.caption = `hardlab run ${runId}`;
  widget.title.closable = true;
  content.onUpdated = updated => {
    const run = updated.view?.run;
    if (run) {
      const who = run.serial_number || run.name || runId.slice(0, 8);
      widget.title.label = `${who} · ${run.status === 'run' ? 'running' : run.status}`;
    }
  };
  widget.toolbar.addItem(
    'copy-run-id',
    new ToolbarButton({
      icon: copyIcon,
      label: 'Copy run id',
      tooltip: 'Copy the run id to the clipboard',
      onClick: () => copyRunId(runId)
    })
  );
  widget.toolbar.addItem(
    'export-hardpy-json',
    new ToolbarButton({
      icon: downloadIcon,
      label: 'Export HardPy JSON',
      tooltip: 'Download the run as a HardPy JSON report',
      onClick: () => void exportHardpyJson(runId)
    })
  );
  widget.toolbar.addItem(
    'unit-report',
    new ToolbarButton({
      icon: fileIcon,
      label: 'Unit report',
      tooltip: 'Open the unit report (one HTML file that prints well)',
      onClick: () => void openUnitReport(runId)
    })
  );
  widget.toolbar.addItem(
    'refresh',
    new ToolbarButton({
      icon: refreshIcon,
      label: 'Refresh',
      tooltip: 'Fetch the report again',
      onClick: () => void content.refresh()
    })
  );
  return widget;
}
