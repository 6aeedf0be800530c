/**
 * One background screen in the panel: its progress while it runs (the page follows the API's job
 * every second), then its ranked molecules as the screen page shows them, or why it failed.
 */
import { html } from 'hono/html';
import type { Principal } from '../../auth/index.js';
import { ENDED_SCREENING_STATUSES, type ScreeningJobRow } from '../../db/index.js';
import { fractionRead } from '../screening-jobs.js';
import type { LibraryScreenResult } from '../../screening/library-screen.js';
import { panelLayout } from './layout.js';
import { screenResults, sizeOf } from './screen-page.js';

export interface ScreenJobPageInput {
  campaignId: string;
  name: string;
  job: ScreeningJobRow;
  /** The operator may cancel it. */
  mayCancel: boolean;
}

/** What has happened so far, in words (re-rendered every second while the job runs: the page's data-live section). */
export function progressText(job: Pick<ScreeningJobRow, 'status' | 'progress' | 'libraryBytes'>): string {
  const p = job.progress;
  if (job.status === 'queued') return 'waiting for a worker';
  if (!p) return 'starting';
  const read = `${(p.read ?? 0).toLocaleString('en')} rows read (${sizeOf(Math.min(p.bytesRead ?? 0, job.libraryBytes))} of ${sizeOf(job.libraryBytes)})`;
  const counts = `${(p.screened ?? 0).toLocaleString('en')} molecules scored, ${(p.rejected ?? 0).toLocaleString('en')} set aside`;
  const rate = p.seconds && p.seconds > 0 ? ` · ${p.seconds.toFixed(p.seconds < 10 ? 1 : 0)} s, ${Math.round((p.read ?? 0) / p.seconds).toLocaleString('en')} rows/s` : '';
  return `${read}: ${counts}${rate}`;
}

export function screenJobPage(principal: Principal, input: ScreenJobPageInput) {
  const { job } = input;
  const settings = job.settings as { role?: string; top?: number };
  const ended = ENDED_SCREENING_STATUSES.includes(job.status);
  const fraction = fractionRead(job) ?? 0;
  const pageUrl = `/campaigns/${input.campaignId}/screens/${job.id}`;
  const apiUrl = `/api/campaigns/${input.campaignId}/screens/${job.id}`;
  const body = html`<nav aria-label="Breadcrumb" class="crumbs"><a href="/">Campaigns</a> › <a href="/campaigns/${input.campaignId}">${input.name}</a> › <a href="/campaigns/${input.campaignId}/screen">Screen a library</a> ›</nav>
<div class="page-head"><h1>${job.libraryName} as ${settings.role ?? '?'}</h1></div>
<section class="card" id="screen-job" data-live${ended ? '' : html` data-running`}>
  <p>Status: <strong id="job-status" class="status status-${job.status}">${job.status}</strong> · ${sizeOf(job.libraryBytes)} uploaded by ${job.actor} at ${job.createdAt.toISOString().replace('T', ' ').slice(0, 19)} UTC${job.finishedAt ? html` · ended ${job.finishedAt.toISOString().replace('T', ' ').slice(0, 19)} UTC` : ''}</p>
  <p><progress id="job-progress" max="1" value="${fraction.toFixed(4)}" aria-label="Share of the library read"></progress> <span id="job-progress-text" class="small">${progressText(job)}</span></p>
  ${job.error ? html`<p class="error" role="alert" id="job-error">${job.error.message}</p>` : ''}
  ${!ended && input.mayCancel ? html`<p><button type="button" id="job-cancel" data-cancel-url="${apiUrl}">Cancel this screen</button></p>` : ''}
  ${!ended ? html`<p class="small muted">The screen runs on the service; this page follows it and shows the molecules when it is done. You may leave and come back.</p>` : ''}
</section>
${job.status === 'done' && job.result ? screenResults(job.result as unknown as LibraryScreenResult, job.libraryName, `${apiUrl}/ranked.csv`) : ''}`;
  // while it runs, the panel script re-renders the data-live section from this page every second
  return panelLayout({ title: `${job.libraryName} · screen · ${input.name}`, principal, body, ...(ended ? {} : { pageData: { live: pageUrl } }) });
}
