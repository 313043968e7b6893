/**
 * The REST API of hardlab's jupyter_server extension (`hardlab.labext`), typed.
 *
 * Every request goes through JupyterLab's `ServerConnection`, so it carries
 * the same token and XSRF cookie as JupyterLab's own requests.
 */

import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** A run as the run list shows it (`GET /hardlab/api/runs`). */
export interface IRunSummary {
  id: string;
  name: string | null;
  status: string;
  /** ISO 8601, UTC. */
  started_at: string | null;
  stopped_at: string | null;
  /** Null while the run goes on. */
  duration_s: number | null;
  duration_text: string;
  serial_number: string | null;
  part_number: string | null;
  dut_name: string | null;
  stand: string | null;
  stand_location: string | null;
  user: string | null;
  process: string | null;
  batch_serial_number: string | null;
  error_code: number | null;
  cases_passed: number | null;
  cases_failed: number | null;
  cases_skipped: number | null;
  source: string | null;
}

/** One page of runs. */
export interface IRunPage {
  runs: IRunSummary[];
  /** Runs matching the filters, on every page. */
  total: number;
  limit: number;
  offset: number;
  /** Whether a run on this page is still going. */
  live: boolean;
  store: { url: string | null; exists: boolean };
}

/** The values the filters can take (`GET /hardlab/api/filters`). */
export interface IFilterValues {
  part_number: string[];
  stand: string[];
  status: string[];
  statuses: string[];
}

/** The filters of the run list; an empty string means "any". */
export interface IRunFilters {
  part_number: string;
  status: string;
  stand: string;
  /** A DUT's serial number, exactly (what a scanner types). */
  serial_number: string;
}

/** One UTC day of first-pass yield (`GET /hardlab/api/history`). */
export interface IYieldDay {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  units: number;
  first_pass: number;
  /** 0 to 1. */
  first_pass_yield: number | null;
}

/** One value of a measurement's trend, with the limits in force. */
export interface ITrendPoint {
  run_id: string;
  started_at: string | null;
  serial_number: string | null;
  value: number;
  result: boolean | null;
  lower: number | null;
  upper: number | null;
}

/** What the history view draws (`GET /hardlab/api/history`). */
export interface IHistory {
  yield: IYieldDay[];
  measurements: { name: string; unit: string | null; n: number }[];
  trend: {
    name: string;
    unit: string | null;
    /** Values stored; `points` holds the newest of them. */
    total: number;
    points: ITrendPoint[];
  } | null;
  store: { url: string | null; exists: boolean };
}

/** What the history view asks about; an empty string means "any" / "none". */
export interface IHistoryQuery {
  part_number: string;
  stand: string;
  /** ISO 8601: runs started since then. */
  since: string;
  measurement: string;
}

export interface IMeasurement {
  name: string | null;
  type: 'numeric' | 'string';
  value: number | string;
  unit: string | null;
  value_text: string;
  limits_text: string;
  operation: string | null;
  comparison_value: number | string | null;
  lower_limit: number | null;
  upper_limit: number | null;
  result: boolean | null;
}

export interface IChart {
  title: string | null;
  x_label: string | null;
  y_label: string | null;
  series: number;
  /** An SVG document (drawn by hardlab, labels escaped). */
  svg: string;
}

export interface ICase {
  id: string;
  name: string;
  /** The case as operators name it: `Functional › Status LED`. */
  title: string;
  status: string;
  group: string;
  attempt: number;
  started_at: string | null;
  duration_s: number | null;
  duration_text: string;
  /** Why the case failed, for operators: the assertion's message (hardlab._format). */
  failure_text: string | null;
  /** pytest's crash text, as stored (HardPy's `assertion_msg`). */
  assertion_msg: string | null;
  messages: Record<string, unknown>;
  measurements: IMeasurement[];
  chart: IChart | null;
  artifact: Record<string, unknown>;
}

export interface IModule {
  id: string;
  name: string;
  status: string;
  group: string;
  duration_s: number | null;
  duration_text: string;
  artifact: Record<string, unknown>;
  cases: ICase[];
}

/** A run's read-only report (`GET /hardlab/api/runs/{id}`). */
export interface IReportView {
  run: IRunSummary & {
    /** Why the plan could not run (status `error`): pytest's whole text. */
    plan_error: string | null;
    /** The same, brief: each problem's file, line and error. */
    plan_error_brief: string | null;
  };
  report: {
    name: string;
    status: string;
    started_at: string | null;
    stopped_at: string | null;
    user: string | null;
    batch_serial_number: string | null;
    error_code: number | null;
    caused_dut_failure_id: string | null;
    /** The first failing case as operators name it (`Functional › Status LED`). */
    caused_dut_failure: string | null;
    dut: Record<string, unknown>;
    test_stand: Record<string, unknown>;
    process: Record<string, unknown>;
    artifact: Record<string, unknown>;
    modules: IModule[];
  };
}

/** An error answer of the API, with the server's message (which says what to do). */
export class HardlabAPIError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
    this.name = 'HardlabAPIError';
  }
}

async function request(
  parts: string[],
  query: [string, string][] = []
): Promise<Response> {
  const settings = ServerConnection.makeSettings();
  const params = new URLSearchParams(query).toString();
  const url =
    URLExt.join(settings.baseUrl, 'hardlab', 'api', ...parts.map(encodeURIComponent)) +
    (params ? `?${params}` : '');
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, {}, settings);
  } catch (error) {
    throw new HardlabAPIError(0, `The Jupyter server cannot be reached: ${error}`);
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json();
      if (body && typeof body.message === 'string') {
        message = body.message;
      }
    } catch {
      // not a JSON error body (a proxy's page, say): keep the status line
    }
    if (response.status === 404 && message.startsWith('404')) {
      message =
        "hardlab's server extension is not enabled on this Jupyter server " +
        '(jupyter server extension enable hardlab.labext)';
    }
    throw new HardlabAPIError(response.status, message);
  }
  return response;
}

/** One page of runs, newest first. */
export async function fetchRuns(
  filters: IRunFilters,
  limit: number,
  offset = 0
): Promise<IRunPage> {
  const query: [string, string][] = [
    ['limit', String(limit)],
    ['offset', String(offset)]
  ];
  for (const name of ['part_number', 'status', 'stand', 'serial_number'] as const) {
    if (filters[name]) {
      query.push([name, filters[name]]);
    }
  }
  return (await request(['runs'], query)).json();
}

/** First-pass yield by day and a measurement's trend. */
export async function fetchHistory(query: IHistoryQuery): Promise<IHistory> {
  const params: [string, string][] = [];
  for (const name of ['part_number', 'stand', 'since', 'measurement'] as const) {
    if (query[name]) {
      params.push([name, query[name]]);
    }
  }
  return (await request(['history'], params)).json();
}

/** The values the filters can take. */
export async function fetchFilters(): Promise<IFilterValues> {
  return (await request(['filters'])).json();
}

/** A run's report view. */
export async function fetchReport(runId: string): Promise<IReportView> {
  return (await request(['runs', runId])).json();
}

/** The run as a HardPy JSON report (the text of the file). */
export async function fetchHardpyJson(runId: string): Promise<string> {
  return (await request(['runs', runId, 'export'], [['format', 'hardpy-json']])).text();
}

/** The run's unit report: one self-contained HTML page (what `hardlab report` writes). */
export async function fetchUnitReport(runId: string): Promise<string> {
  return (await request(['runs', runId, 'report'])).text();
}
