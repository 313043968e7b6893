/**
 * "Run HardPy plan…": choose a plan folder, get a `%hardpy run PATH` cell.
 *
 * The command only writes the cell; running it is the user's choice (and the
 * `%hardpy` magic's work, in the kernel).
 */

import { Dialog, showDialog } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { FileDialog } from '@jupyterlab/filebrowser';
import { NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { Contents } from '@jupyterlab/services';

/**
 * `path` as one shell word: left alone when it is plain, otherwise in single
 * quotes (the magic splits its line as a POSIX shell does).
 */
export function shellWord(path: string): string {
  if (/^[\w@%+=:,./-]+$/.test(path)) {
    return path;
  }
  return `'${path.replace(/'/g, `'"'"'`)}'`;
}

/**
 * The `%hardpy run` line for a folder, as seen from the notebook's folder
 * (where its kernel starts): `%hardpy run board`, `%hardpy run ../plans/x`,
 * `%hardpy run .`.
 */
export function runLine(notebookPath: string, folder: string): string {
  const relative = PathExt.relative(PathExt.dirname(notebookPath), folder) || '.';
  return `%hardpy run ${shellWord(relative)}`;
}

/**
 * Whether a folder listing looks like a test plan (pytest files or a hardpy.toml).
 *
 * Any item but a folder counts: with jupytext installed the contents API
 * lists `.py` files as type `notebook`, not `file`.
 */
export function looksLikePlan(listing: Contents.IModel): boolean {
  const items = (listing.content ?? []) as Contents.IModel[];
  return items.some(
    item =>
      item.type !== 'directory' &&
      (item.name === 'hardpy.toml' || /^test_.*\.py$/.test(item.name) || /_test\.py$/.test(item.name))
  );
}

/** Put `text` in the active cell if it is an empty code cell, else in a new cell below it. */
export function insertCell(panel: NotebookPanel, text: string): void {
  const notebook = panel.content;
  const active = notebook.activeCell;
  const reuse =
    active !== null &&
    active.model.type === 'code' &&
    active.model.sharedModel.getSource().trim() === '';
  if (!reuse) {
    NotebookActions.insertBelow(notebook);
    if (notebook.activeCell?.model.type !== 'code') {
      NotebookActions.changeCellType(notebook, 'code');
    }
  }
  notebook.activeCell?.model.sharedModel.setSource(text);
  notebook.mode = 'edit';
}

/**
 * Ask for a plan folder and write its `%hardpy run` line into the notebook.
 *
 * @returns The line written, or null if the user cancelled.
 */
export async function runPlanCommand(
  panel: NotebookPanel,
  manager: IDocumentManager
): Promise<string | null> {
  const notebookPath = panel.context.path;
  const result = await FileDialog.getExistingDirectory({
    manager,
    title: 'Run HardPy plan… choose the plan folder',
    defaultPath: PathExt.dirname(notebookPath)
  });
  if (!result.button.accept || !result.value || result.value.length === 0) {
    return null;
  }
  const folder = result.value[0].path;
  const listing = await manager.services.contents.get(folder, { content: true });
  if (!looksLikePlan(listing)) {
    const answer = await showDialog({
      title: 'Not a test plan?',
      body:
        `${folder || 'The root folder'} has no test_*.py files and no hardpy.toml. ` +
        'Insert the %hardpy run line anyway?',
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Insert' })]
    });
    if (!answer.button.accept) {
      return null;
    }
  }
  const line = runLine(notebookPath, folder);
  insertCell(panel, line);
  return line;
}
