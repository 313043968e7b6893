/**
 * Small DOM and text helpers shared by the panel and the report view.
 *
 * Every text from the store goes into the page as text (`textContent`),
 * never as markup: serial numbers, messages and artifacts are user data.
 */

type Child = Node | string | null | undefined | false;

/** An element with classes, attributes and children (strings become text nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { class?: string; title?: string; attrs?: Record<string, string> } = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.class) {
    element.className = props.class;
  }
  if (props.title) {
    element.title = props.title;
  }
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    element.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

/** The statuses a run, module or case can have, as CSS class suffixes. */
const KNOWN_STATUSES = new Set([
  'passed',
  'failed',
  'skipped',
  'error',
  'run',
  'ready',
  'stopped',
  'interrupted'
]);

/** How a status reads in the UI (`run` is a run still going). */
export function statusLabel(status: string): string {
  return status === 'run' ? 'running' : status;
}

/** A status badge: `<span class="hl-Status hl-Status-passed">passed</span>`. */
export function statusBadge(status: string): HTMLSpanElement {
  const known = KNOWN_STATUSES.has(status) ? status : 'unknown';
  return h(
    'span',
    { class: `hl-Status hl-Status-${known}`, attrs: { 'data-status': status } },
    statusLabel(status)
  );
}

/** An ISO time as local date and time, e.g. `2026-11-21 14:03:07`. */
export function localTime(iso: string | null): string {
  if (!iso) {
    return '';
  }
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) {
    return iso;
  }
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())} ` +
    `${pad(when.getHours())}:${pad(when.getMinutes())}:${pad(when.getSeconds())}`
  );
}

/** How long a run has been going: `12s`, `4m05s`, `1h02m`. */
export function elapsed(startIso: string | null, now: Date = new Date()): string {
  if (!startIso) {
    return '';
  }
  const seconds = Math.max(0, Math.round((now.getTime() - new Date(startIso).getTime()) / 1000));
  if (seconds < 60) {
    return `${seconds}s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  }
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** A value of a report's free-form fields (messages, artifacts, info) as text. */
export function plain(value: unknown): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (typeof value === 'string') {
    return value;
  }
  if (Array.isArray(value)) {
    return value.map(plain).join('\n');
  }
  if (typeof value === 'object') {
    // {"name": "PSU", "part_number": "X", "comment": null} -> "name: PSU, part_number: X"
    return Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => !isEmpty(item))
      .map(([key, item]) => `${key}: ${typeof item === 'object' ? JSON.stringify(item) : item}`)
      .join(', ');
  }
  return String(value);
}

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === '') {
    return true;
  }
  if (Array.isArray(value)) {
    return value.length === 0;
  }
  return typeof value === 'object' && Object.keys(value as object).length === 0;
}

/** Whether a message key is one HardPy made up (a UUID), not one the plan chose. */
export function generatedKey(key: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(key);
}

/** A definition list of the non-empty entries of a record (DUT, stand, artifacts...). */
export function fieldList(
  record: Record<string, unknown>,
  className = 'hl-Fields'
): HTMLDListElement | null {
  const entries = Object.entries(record).filter(([, value]) => !isEmpty(value));
  if (entries.length === 0) {
    return null;
  }
  const list = h('dl', { class: className });
  for (const [name, value] of entries) {
    const text = plain(value);
    list.append(
      h('dt', {}, name.replace(/_/g, ' ')),
      h('dd', {}, text.includes('\n') ? h('pre', {}, text) : text)
    );
  }
  return list;
}
