/** The page frame every panel page shares: header, navigation, who is signed in, local assets only. */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Principal } from '../../auth/index.js';
import { assetUrl } from './assets.js';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface PageOptions {
  title: string;
  principal: Principal | undefined;
  body: Html;
  /** Data for the page script (which live stream to follow). */
  pageData?: Record<string, string>;
  current?: 'campaigns' | 'new' | 'compare' | 'predict' | 'tokens' | 'docs';
}

export function panelLayout({ title, principal, body, pageData = {}, current }: PageOptions) {
  const dataAttributes = Object.entries(pageData)
    .map(([k, v]) => `data-${k}="${v.replace(/[&"<>]/g, (ch) => `&#${ch.charCodeAt(0)};`)}"`)
    .join(' ');
  const navLink = (href: string, label: string, key: PageOptions['current']) =>
    html`<a href="${href}"${current === key ? html` aria-current="page"` : ''}>${label}</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · Athanor</title>
<link rel="icon" href="${assetUrl('favicon.svg')}" type="image/svg+xml">
<link rel="stylesheet" href="${assetUrl('panel.css')}">
<script src="${assetUrl('panel.js')}" defer></script>
</head>
<body ${raw(dataAttributes)}>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/"><img src="${assetUrl('favicon.svg')}" alt="" width="22" height="22"> Athanor</a>
  <nav aria-label="Main">${navLink('/', 'Campaigns', 'campaigns')}${principal?.role === 'operator' ? navLink('/campaigns/new', 'New campaign', 'new') : ''}${navLink('/compare', 'Compare', 'compare')}${navLink('/predict', 'Predict', 'predict')}${principal?.role === 'operator' ? navLink('/tokens', 'Tokens', 'tokens') : ''}${navLink('/api/docs', 'API', 'docs')}</nav>
  ${
    principal
      ? html`<form class="who" method="post" action="/signout"><span title="${principal.role} token">${principal.name} <span class="role">${principal.role}</span></span> <button type="submit" class="link">Sign out</button></form>`
      : html`<a class="who" href="/signin">Sign in</a>`
  }
</header>
<main id="main" tabindex="-1">${body}</main>
<div id="toast" class="toast" role="status" aria-live="polite"></div>
</body>
</html>`;
}
