/**
 * hardlab for JupyterLab.
 *
 * - `hardlab:runs`: the "Test runs" side panel and the run reports it opens
 *   (commands `hardlab:show-runs`, `hardlab:refresh-runs`, `hardlab:open-report`).
 * - `hardlab:run-plan`: the "Run HardPy plan…" command, in the command palette
 *   and on the notebook toolbar (schema/run-plan.json).
 *
 * Both talk to hardlab's jupyter_server extension (`hardlab.labext`).
 */

import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker } from '@jupyterlab/notebook';
import { LabIcon } from '@jupyterlab/ui-components';

import { RunsPanel } from './panel';
import { createReportWidget, ReportContent } from './report';
import { runPlanCommand } from './runplan';

/** The command ids. */
export namespace CommandIDs {
  export const showRuns = 'hardlab:show-runs';
  export const refreshRuns = 'hardlab:refresh-runs';
  export const openReport = 'hardlab:open-report';
  export const runPlan = 'hardlab:run-plan';
}

const CATEGORY = 'hardlab';

/** A clipboard with a check mark: test runs. */
export const runsIcon = new LabIcon({
  name: 'hardlab:runs',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">' +
    '<path class="jp-icon3" fill="#616161" d="M9 2h6a1 1 0 0 1 1 1v1h2a2 2 0 0 1 2 2v14a2 2 0 0 1-2 ' +
    '2H6a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2h2V3a1 1 0 0 1 1-1zm1 2v2h4V4h-4zM6 6v14h12V6h-2v2H8V6H6zm4.3 ' +
    '10.7-2.5-2.5 1.4-1.4 1.1 1.1 4-4 1.4 1.4-5.4 5.4z"/></svg>'
});

/** A play triangle in a folder: run a plan folder. */
export const runPlanIcon = new LabIcon({
  name: 'hardlab:run-plan',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">' +
    '<path class="jp-icon3" fill="#616161" d="M4 4h6l2 2h8a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H4a2 2 0 0 ' +
    '1-2-2V6a2 2 0 0 1 2-2zm6 5v7l5.5-3.5L10 9z"/></svg>'
});

const runsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'hardlab:runs',
  description: 'The "Test runs" panel: stored hardlab runs and their reports.',
  autoStart: true,
  requires: [ILabShell],
  optional: [ICommandPalette, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    shell: ILabShell,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ) => {
    const panel = new RunsPanel();
    panel.title.icon = runsIcon;
    shell.add(panel, 'left', { rank: 850 });

    const reports = new WidgetTracker<MainAreaWidget<ReportContent>>({
      namespace: 'hardlab-report'
    });

    app.commands.addCommand(CommandIDs.openReport, {
      label: args => (args.id ? `Open the report of run ${args.id}` : 'Open a run report'),
      execute: args => {
        const runId = String(args.id ?? '');
        if (!runId) {
          return;
        }
        const open = reports.find(widget => widget.content.runId === runId);
        if (open) {
          shell.activateById(open.id);
          return open;
        }
        const widget = createReportWidget(runId);
        void reports.add(widget);
        shell.add(widget, 'main');
        shell.activateById(widget.id);
        return widget;
      }
    });
    app.commands.addCommand(CommandIDs.showRuns, {
      label: 'Show Test runs',
      caption: 'Show the Test runs panel (hardlab)',
      icon: runsIcon,
      execute: () => shell.activateById(panel.id)
    });
    app.commands.addCommand(CommandIDs.refreshRuns, {
      label: 'Refresh Test runs',
      caption: 'Fetch the runs in the Test runs panel again',
      execute: () => panel.refresh()
    });
    panel.runOpened.connect((_, runId) => {
      void app.commands.execute(CommandIDs.openReport, { id: runId });
    });

    if (palette) {
      palette.addItem({ command: CommandIDs.showRuns, category: CATEGORY });
      palette.addItem({ command: CommandIDs.refreshRuns, category: CATEGORY });
    }
    if (restorer) {
      restorer.add(panel, 'hardlab-runs');
      void restorer.restore(reports, {
        command: CommandIDs.openReport,
        args: widget => ({ id: widget.content.runId }),
        name: widget => widget.content.runId
      });
    }
  }
};

const runPlanPlugin: JupyterFrontEndPlugin<void> = {
  id: 'hardlab:run-plan',
  description: 'The "Run HardPy plan…" command: a %hardpy run cell for a chosen folder.',
  autoStart: true,
  requires: [INotebookTracker, IDocumentManager],
  optional: [ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    manager: IDocumentManager,
    palette: ICommandPalette | null
  ) => {
    app.commands.addCommand(CommandIDs.runPlan, {
      // on the notebook toolbar the icon and the tooltip (caption) speak
      label: args => (args.toolbar ? '' : 'Run HardPy plan…'),
      caption: 'Run HardPy plan…: choose a test plan folder and insert a %hardpy run cell for it',
      icon: args => (args.toolbar ? runPlanIcon : undefined),
      isEnabled: () => notebooks.currentWidget !== null,
      execute: async () => {
        const panel = notebooks.currentWidget;
        if (!panel) {
          return null;
        }
        return runPlanCommand(panel, manager);
      }
    });
    notebooks.currentChanged.connect(() => app.commands.notifyCommandChanged(CommandIDs.runPlan));
    if (palette) {
      palette.addItem({ command: CommandIDs.runPlan, category: CATEGORY });
    }
  }
};

export default [runsPlugin, runPlanPlugin];
