/**
 * The "Test runs" side panel: recent runs from the configured store, filtered
 * and searched by serial number, refreshed every few seconds while a run is
 * going; and their history (first-pass yield by day, a measurement's trend).
 */

import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import {
  fetchFilters,
  fetchRuns,
  IFilterValues,
  IRunFilters,
  IRunPage,
  IRunSummary
} from './api';
import { elapsed, h, localTime, statusBadge, statusLabel } from './dom';
import { HistoryView } from './history';

/** Runs fetched per page ("Load more" fetches the next one). */
export const PAGE_SIZE = 50;
/** Seconds between refreshes while a listed run is going. */
export const LIVE_INTERVAL = 2;
/** Seconds between refreshes otherwise (new runs from other stands appear). */
export const IDLE_INTERVAL = 15;
/** Milliseconds the serial number search waits for the typing to stop. */
export const SEARCH_DELAY = 300;

/** The run fields the panel filters by with a drop-down. */
type SelectName = 'part_number' | 'status' | 'stand';

const FILTERS: { name: SelectName; label: string; short: string }[] = [
  { name: 'part_number', label: 'Part number', short: 'Part' },
  { name: 'status', label: 'Status', short: 'Status' },
  { name: 'stand', label: 'Stand', short: 'Stand' }
];

/** The "Test runs" panel. Emits `runOpened` with a run id when a run is clicked. */
export class RunsPanel extends Widget {
  constructor() {
    super();
    this.id = 'hardlab-runs';
    this.addClass('hl-RunsPanel');
    this.title.caption = 'Test runs (hardlab)';

    const refreshButton = h(
      'button',
      { class: 'hl-Button', title: 'Refresh the list', attrs: { type: 'button' } },
      'Refresh'
    );
    refreshButton.addEventListener('click', () => void this.refresh());
    const header = h(
      'div',
      { class: 'hl-RunsPanel-header' },
      h('h2', {}, 'Test runs'),
      refreshButton
    );

    // Runs | History: the list, or what the runs add up to
    const views = h('div', { class: 'hl-RunsPanel-views', attrs: { role: 'tablist' } });
    for (const [view, label] of [
      ['runs', 'Runs'],
      ['history', 'History']
    ] as const) {
      const button = h(
        'button',
        {
          class: 'hl-ViewButton',
          attrs: {
            type: 'button',
            role: 'tab',
            'data-view': view,
            'aria-selected': String(view === 'runs')
          }
        },
        label
      );
      button.addEventListener('click', () => this.showView(view));
      this._viewButtons[view] = button;
      views.append(button);
    }

    const form = h('div', { class: 'hl-RunsPanel-filters' });
    this._search = h('input', {
      class: 'hl-Search',
      attrs: {
        type: 'search',
        placeholder: 'Serial number',
        'aria-label': 'Serial number',
        title: 'Runs of this serial number (the whole number, as a scanner types it)',
        'data-filter': 'serial_number'
      }
    });
    const search = () => {
      window.clearTimeout(this._searchTimer);
      const value = this._search.value.trim();
      if (value === this._filters.serial_number) {
        return;
      }
      this._filters.serial_number = value;
      this._loaded = PAGE_SIZE;
      void this.refresh();
    };
    this._search.addEventListener('input', () => {
      window.clearTimeout(this._searchTimer);
      this._searchTimer = window.setTimeout(search, SEARCH_DELAY);
    });
    this._search.addEventListener('keydown', event => {
      if (event.key === 'Enter') {
        search();
      }
    });
    form.append(this._search);
    for (const { name, label, short } of FILTERS) {
      const select = h('select', {
        class: 'hl-Filter',
        attrs: { 'aria-label': label, 'data-filter': name }
      });
      select.append(h('option', { attrs: { value: '' } }, `${short}: any`));
      select.addEventListener('change', () => {
        this._filters[name] = select.value;
        this._loaded = PAGE_SIZE;
        void this.refresh();
        if (this._view === 'history') {
          void this._refreshHistory();
        }
      });
      this._selects[name] = select;
      form.append(select);
    }

    this._list = h('ul', { class: 'hl-RunList', attrs: { role: 'list' } });
    this._list.addEventListener('click', event => this._onActivate(event));
    this._list.addEventListener('keydown', event => {
      if (event.key === 'Enter' || event.key === ' ') {
        this._onActivate(event);
      }
    });
    this._status = h('div', { class: 'hl-RunsPanel-status' });
    this._more = h(
      'button',
      { class: 'hl-Button hl-RunsPanel-more', attrs: { type: 'button' } },
      'Load more'
    );
    this._more.addEventListener('click', () => {
      this._loaded += PAGE_SIZE;
      void this.refresh();
    });
    const footer = h('div', { class: 'hl-RunsPanel-footer' }, this._status, this._more);
    this._store = h('div', { class: 'hl-RunsPanel-store' });

    this._runsView = h('div', { class: 'hl-RunsPanel-runs' }, this._list, footer);
    this._history = new HistoryView();
    this._history.node.hidden = true;
    this.node.append(header, views, form, this._runsView, this._history.node, this._store);

    this._poll = new Poll<void, Error, 'standby'>({
      factory: () => this.refresh(),
      frequency: { interval: IDLE_INTERVAL * 1000, backoff: false, max: 60_000 },
      name: 'hardlab:runs',
      standby: () => (this.isVisible ? 'when-hidden' : true)
    });
  }

  /** Emitted with a run's id when the user opens it. */
  get runOpened(): ISignal<this, string> {
    return this._runOpened;
  }

  /** The view shown: the run list or the history. */
  get view(): 'runs' | 'history' {
    return this._view;
  }

  /** Show the run list or the history (fetched for the part number and stand chosen). */
  showView(view: 'runs' | 'history'): void {
    this._view = view;
    for (const [name, button] of Object.entries(this._viewButtons)) {
      button.setAttribute('aria-selected', String(name === view));
      button.classList.toggle('hl-mod-selected', name === view);
    }
    this._runsView.hidden = view !== 'runs';
    this._history.node.hidden = view !== 'history';
    // the history counts units, not runs: the status and serial filters do not apply
    this._search.hidden = view !== 'runs';
    this._selects.status.hidden = view !== 'runs';
    if (view === 'history') {
      void this._refreshHistory();
    }
  }

  /** The runs listed now, newest first. */
  get runs(): readonly IRunSummary[] {
    return this._page?.runs ?? [];
  }

  /** Fetch the filter values and the loaded pages again. */
  async refresh(): Promise<void> {
    const filters = { ...this._filters };
    const request = ++this._request;
    this.addClass('hl-mod-loading');
    try {
      const [page, values] = await Promise.all([
        fetchRuns(filters, Math.min(this._loaded, 500)),
        this._page?.live ? Promise.resolve(this._values) : fetchFilters()
      ]);
      if (request !== this._request) {
        return; // a newer refresh (another filter) has started: its answer counts
      }
      this._error = null;
      this._values = values;
      this._page = page;
      this._render();
      this._poll.frequency = {
        interval: (page.live ? LIVE_INTERVAL : IDLE_INTERVAL) * 1000,
        backoff: false,
        max: 60_000
      };
    } catch (error) {
      if (request === this._request) {
        this._error = error instanceof Error ? error.message : String(error);
        this._render();
      }
    } finally {
      if (request === this._request) {
        this.removeClass('hl-mod-loading');
      }
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    window.clearTimeout(this._searchTimer);
    this._poll.dispose();
    Signal.clearData(this);
    super.dispose();
  }

  protected onAfterShow(): void {
    void this._poll.refresh();
  }

  private _refreshHistory(): Promise<void> {
    this._history.scope = { part_number: this._filters.part_number, stand: this._filters.stand };
    return this._history.refresh();
  }

  private _onActivate(event: Event): void {
    const item = (event.target as HTMLElement).closest<HTMLElement>('[data-run-id]');
    if (item && this._list.contains(item)) {
      event.preventDefault();
      this._runOpened.emit(item.dataset.runId as string);
    }
  }

  private _renderFilters(values: IFilterValues | null): void {
    const choices: Record<SelectName, string[]> = {
      part_number: values?.part_number ?? [],
      stand: values?.stand ?? [],
      status: values?.statuses ?? []
    };
    for (const { name, short } of FILTERS) {
      const select = this._selects[name];
      const chosen = this._filters[name];
      const options = [...choices[name]];
      if (chosen && !options.includes(chosen)) {
        options.unshift(chosen);
      }
      const current = Array.from(select.options)
        .slice(1)
        .map(option => option.value);
      if (current.join('\n') !== options.join('\n')) {
        select.replaceChildren(h('option', { attrs: { value: '' } }, `${short}: any`));
        for (const value of options) {
          const text = name === 'status' ? statusLabel(value) : value;
          select.append(h('option', { attrs: { value } }, text));
        }
      }
      select.value = chosen;
    }
  }

  private _render(): void {
    this._renderFilters(this._values);
    const page = this._page;
    if (this._error) {
      this._list.replaceChildren(
        h('li', { class: 'hl-RunList-error', attrs: { role: 'alert' } }, this._error)
      );
      this._status.textContent = '';
      this._more.hidden = true;
      return;
    }
    if (!page) {
      return;
    }
    const now = new Date();
    this._list.replaceChildren(...page.runs.map(run => this._item(run, now)));
    if (page.runs.length === 0) {
      const { serial_number: serial, ...others } = this._filters;
      const filtered = Object.values(others).some(Boolean);
      let text = filtered
        ? 'No runs match these filters.'
        : 'No runs yet. Run a plan (hardlab run, %hardpy run or hardlab.run) and it appears here.';
      if (serial) {
        text = `No runs of serial number “${serial}”${filtered ? ' match these filters' : ''}.`;
      }
      this._list.append(h('li', { class: 'hl-RunList-empty' }, text));
    }
    this._status.textContent = page.total
      ? `${page.runs.length} of ${page.total} run${page.total === 1 ? '' : 's'}`
      : '';
    this._more.hidden = page.runs.length >= page.total || page.runs.length >= 500;
    this._store.textContent = page.store.url ? `Store: ${page.store.url}` : '';
    this._store.title = page.store.exists
      ? 'The run store this panel reads'
      : 'The run store this panel reads (no run stored yet)';
  }

  private _item(run: IRunSummary, now: Date): HTMLLIElement {
    const dut = [run.serial_number || 'no serial number', run.part_number]
      .filter(Boolean)
      .join(' · ');
    const duration = run.status === 'run' ? `${elapsed(run.started_at, now)} so far` : run.duration_text;
    const counts =
      run.cases_passed !== null
        ? `${run.cases_passed} passed, ${run.cases_failed ?? 0} failed` +
          (run.cases_skipped ? `, ${run.cases_skipped} skipped` : '')
        : '';
    return h(
      'li',
      {
        class: `hl-RunItem hl-RunItem-${run.status}`,
        title: `${run.name ?? 'run'} ${run.id}${counts ? `\n${counts}` : ''}`,
        attrs: { 'data-run-id': run.id, role: 'button', tabindex: '0' }
      },
      h('div', { class: 'hl-RunItem-top' }, statusBadge(run.status), h('span', { class: 'hl-RunItem-dut' }, dut)),
      h(
        'div',
        { class: 'hl-RunItem-meta' },
        h('span', { class: 'hl-RunItem-plan' }, run.name || 'no plan name'),
        h('span', { class: 'hl-RunItem-stand' }, run.stand || 'no stand'),
        h('span', { class: 'hl-RunItem-time' }, localTime(run.started_at)),
        h('span', { class: 'hl-RunItem-duration' }, duration)
      )
    );
  }

  private _filters: IRunFilters = { part_number: '', status: '', stand: '', serial_number: '' };
  private _selects = {} as Record<SelectName, HTMLSelectElement>;
  private _search: HTMLInputElement;
  private _searchTimer = 0;
  private _view: 'runs' | 'history' = 'runs';
  private _viewButtons = {} as Record<'runs' | 'history', HTMLButtonElement>;
  private _runsView: HTMLDivElement;
  private _history: HistoryView;
  private _values: IFilterValues | null = null;
  private _page: IRunPage | null = null;
  private _error: string | null = null;
  private _loaded = PAGE_SIZE;
  private _request = 0;
  private _list: HTMLUListElement;
  private _status: HTMLDivElement;
  private _store: HTMLDivElement;
  private _more: HTMLButtonElement;
  private _poll: Poll<void, Error, 'standby'>;
  private _runOpened = new Signal<this, string>(this);
}
