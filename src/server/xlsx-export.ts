/**
 * A campaign's experiments as an Excel workbook (exceljs writes the Office Open XML; nothing here is
 * hand-built XLSX): one sheet of experiments with typed cells (numbers as numbers, text as text, so
 * no cell is ever evaluated as a formula), a header row frozen and filterable, and a sheet stating
 * what the campaign is.
 */
import ExcelJS from 'exceljs';

export interface WorkbookSheet {
  name: string;
  header: string[];
  rows: readonly (readonly (string | number | undefined)[])[];
}

export async function workbookOf(sheets: readonly WorkbookSheet[], meta: { title: string }): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Athanor';
  workbook.title = meta.title;
  workbook.created = new Date();
  for (const sheet of sheets) {
    const ws = workbook.addWorksheet(sheet.name.slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.addRow(sheet.header);
    ws.getRow(1).font = { bold: true };
    for (const row of sheet.rows) {
      // a string cell is stored as a shared string, never as a formula, whatever it starts with
      ws.addRow(row.map((cell) => (cell === undefined ? null : cell)));
    }
    if (sheet.rows.length > 0) ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: sheet.header.length } };
    ws.columns.forEach((column, i) => {
      const longest = Math.max(sheet.header[i]?.length ?? 0, ...sheet.rows.slice(0, 200).map((r) => String(r[i] ?? '').length));
      column.width = Math.min(60, Math.max(8, longest + 2));
    });
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
