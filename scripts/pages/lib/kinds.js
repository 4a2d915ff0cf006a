'use strict';
// Page kinds: what each URL of the portal shows, so that the summary can say which kinds were
// checked as which role, and the check can fail when a kind is no longer reached at all.

const P = '[^/]+'; // a plan key, an item key, …

// [regex on the path (digits kept), label]; the first match wins.
const RULES = [
  [/^\/$/, 'home (plan overview)'],
  [/^\/login$/, 'login'],
  [/^\/account$/, 'account'],
  [/^\/account\/password$/, 'account password'],
  [/^\/account\/contact$/, 'account contact'],
  [/^\/plans$/, 'plan list'],
  [new RegExp(`^/plans/${P}$`), 'plan overview'],
  [new RegExp(`^/plans/${P}/items/indicator-\\d+$`), 'item: indicator'],
  [new RegExp(`^/plans/${P}/items/subtarget-\\d+$`), 'item: sub-target'],
  [new RegExp(`^/plans/${P}/items/task-\\d+$`), 'item: task'],
  [new RegExp(`^/plans/${P}/items/project-\\d+$`), 'item: project'],
  [new RegExp(`^/plans/${P}/items/category-\\d+$`), 'item: category'],
  [new RegExp(`^/plans/${P}/items/column-\\d+$`), 'item: special column'],
  [new RegExp(`^/plans/${P}/items/column-\\d+-\\d+$`), 'item: column entry'],
  [new RegExp(`^/plans/${P}/items/principle-\\d+$`), 'item: principle'],
  [new RegExp(`^/plans/${P}/items/requirement-\\d+$`), 'item: requirement'],
  [new RegExp(`^/plans/${P}/items/${P}$`), 'item: other'],
  [/^\/units$/, 'units index'],
  [/^\/units\/\d+$/, 'unit'],
  [/^\/groups\/\d+$/, 'group'],
  [/^\/search$/, 'search results'],
  [/^\/todo$/, 'to-do'],
  [/^\/rounds$/, 'rounds'],
  [/^\/rounds\/\d+\/board$/, 'board'],
  [/^\/rounds\/\d+\/units\/\d+\/batch$/, 'batch sheet'],
  [/^\/rounds\/\d+\/units\/\d+\/print$/, 'printable report sheet'],
  [new RegExp(`^/rounds/\\d+/reports/${P}/\\d+/versions/\\d+$`), 'report version'],
  [new RegExp(`^/rounds/\\d+/reports/${P}/\\d+$`), 'report'],
  [new RegExp(`^/plans/${P}/dashboard$`), 'dashboard'],
  [new RegExp(`^/plans/${P}/dashboard/items$`), 'dashboard items'],
  [new RegExp(`^/plans/${P}/rules$`), 'rules'],
  [new RegExp(`^/plans/${P}/supervision$`), 'supervision ledger'],
  [new RegExp(`^/plans/${P}/bulletin$`), 'bulletin'],
  [new RegExp(`^/plans/${P}/evaluations$`), 'evaluations'],
  [new RegExp(`^/plans/${P}/evaluations/compare$`), 'evaluation compare'],
  [new RegExp(`^/plans/${P}/evaluations/\\d+$`), 'evaluation report'],
  [/^\/admin\/audit$/, 'audit log'],
  [/^\/admin\/users$/, 'admin users'],
  [/^\/admin\/users\/new$/, 'admin user form (new)'],
  [/^\/admin\/users\/\d+$/, 'admin user form (edit)'],
  [/^\/admin\/users\/\d+\/contact$/, 'admin user contact'],
  [/^\/admin\/notifications$/, 'admin notifications'],
  [/^\/admin\/seeds(\/\w+)?$/, 'admin seeds'],
  [/^\/admin\/import(\/\w+)?$/, 'admin import'],
  [/^\/admin\/plans$/, 'admin plans'],
  [/^\/admin\/units$/, 'admin units'],
  [/^\/admin\/units\/new$/, 'admin unit form (new)'],
  [/^\/admin\/units\/\d+$/, 'admin unit form (edit)'],
  [/^\/admin\/assignments$/, 'admin assignments'],
  [new RegExp(`^/admin/assignments/${P}$`), 'admin assignment item'],
  [/^\/admin\/groups\/\d+$/, 'admin group'],
];

/**
 * The kind of a fetched page. `extra` names a page reached by a POST (a form with errors, …).
 * Report pages are told apart by what their owner may do there.
 */
function kindOf({ path, status, html, extra }) {
  if (status === 404) return 'error 404';
  if (status === 403) return 'error 403';
  if (status >= 400 && !extra) return `error ${status}`;
  const u = new URL(path, 'http://x');
  let label = 'other ' + u.pathname.replace(/\d+/g, '{n}');
  for (const [re, l] of RULES) {
    if (re.test(u.pathname)) {
      label = l;
      break;
    }
  }
  if (label === 'report') {
    if (/class="[^"]*report-form/.test(html)) label = 'report (editable)';
    else if (/action="[^"]*\/review"/.test(html)) label = 'report (review/sign-off)';
    else label = 'report (read-only)';
  }
  if (label === 'dashboard items' && u.searchParams.has('item')) label = 'dashboard items (item=)';
  if (label === 'dashboard' && u.searchParams.get('view')) label = `dashboard (${u.searchParams.get('view')})`;
  if (label === 'audit log' && ['actor', 'action', 'object', 'from', 'to'].some((k) => u.searchParams.get(k))) {
    label = 'audit log (filtered)';
  }
  if (label === 'login' && u.searchParams.has('next')) label = 'login (sent from a protected page)';
  if (extra) label += ` [${extra}]`;
  return label;
}

// Kinds the check must reach (as some role) or it fails: a page nobody checks is a gap.
const REQUIRED = [
  'login', 'home (plan overview)', 'plan list', 'plan overview',
  'item: indicator', 'item: sub-target', 'item: task', 'item: project',
  'units index', 'unit', 'group', 'search results', 'to-do', 'rounds', 'board',
  'report (editable)', 'report (read-only)', 'report (review/sign-off)', 'report version',
  'dashboard', 'dashboard (indicators)', 'dashboard (units)', 'dashboard (periods)',
  'dashboard items', 'dashboard items (item=)',
  'rules', 'supervision ledger', 'evaluations', 'evaluation report', 'evaluation compare',
  'audit log', 'audit log (filtered)', 'account', 'account password', 'account contact',
  'bulletin', 'printable report sheet', 'admin user contact', 'admin notifications',
  'admin users', 'admin user form (new)', 'admin user form (edit)', 'admin seeds',
  'admin import', 'admin import [import preview]', 'admin import [import refused]', 'admin plans',
  'admin units', 'admin unit form (new)', 'admin unit form (edit)',
  'admin assignments', 'admin assignment item', 'admin group',
  'error 404', 'error 403',
];

module.exports = { kindOf, REQUIRED };
