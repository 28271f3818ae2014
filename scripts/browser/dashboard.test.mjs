// The publisher's fieldwork dashboard on a phone: signing in, each county against its target,
// the printable bulletin (and how it prints), a move's confirmation page, an interviewer link
// issued and used for an interview on another phone, closing the survey
// with JavaScript switched off, then publishing simulated responses refused without its box and
// their deletion. Every page passes the same accessibility checks as the
// resident's (axe-core, labels, 44 px touch targets, no sideways scrolling, text at 200%).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startMinyi } from './lib/server.mjs';
import { launchChromium, phone } from './lib/phone.mjs';
import { assertAccessible, assertNoWordSplit } from './lib/checks.mjs';
import { SURVEY, answerEverythingWithOneMistake, question, submit } from './lib/resident.mjs';

const EMAIL = 'publisher@example.org';
const DASHBOARD = `/admin/surveys/${SURVEY}`;

let minyi;
let browser;
let password;

before(async () => {
  minyi = await startMinyi();
  browser = await launchChromium();
  minyi.cli('simulate', SURVEY, '--responses', '300', '--seed', '5');
  // Three invited residents: the dashboard's invitation section and its table.
  const list = join(mkdtempSync(join(tmpdir(), 'minyi-invite-')), 'frame.csv');
  writeFileSync(list, 'email,county\na@example.org,nanhu\nb@example.org,nanhu\nc@example.org,haiyan\n');
  minyi.cli('invite', SURVEY, '--emails', list, '--after-fieldwork');
  // No password on standard input: one is generated and printed once.
  const added = minyi.cli('user', 'add', '--email', EMAIL, '--role', 'publisher');
  password = added.match(/password \(shown once[^)]*\): (\S+)/)[1];
});

after(async () => {
  await browser?.close();
  await minyi?.stop();
});

async function screenshot(page, name) {
  const dir = process.env.MINYI_SCREENSHOTS;
  if (dir) await page.screenshot({ path: join(dir, `${name}.png`) });
}

/** Signs in on the sign-in page and lands on `next`. */
async function signIn(page, next) {
  await page.goto(`${minyi.url}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('电子邮箱').fill(EMAIL);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForLoadState('load');
  assert.equal(new URL(page.url()).pathname, next.split('?')[0], 'signed in and sent on');
}

test('the dashboard, a confirmation page and the bulletin are accessible on a phone', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await signIn(page, DASHBOARD);

  assert.equal(await page.locator('tr[id^=county-]').count(), 7, 'a row for each county');
  assert.match(await page.locator('#county-nanhu').innerText(), /\/ 200/, 'completed against the target');
  assert.equal(await page.locator('script').count(), 0, 'no script');
  assert.equal(await page.locator('#invitations tbody tr').count(), 2, 'the two counties invited');
  assert.match(await page.locator('#invitations tfoot').innerText(), /合计\s+3\s+0\s+0\.0%/);
  assert.doesNotMatch(await page.locator('#invitations').innerText(), /未发出/, 'no failed mail, none said');
  await screenshot(page, 'dashboard');
  await page.locator('#invitations').screenshot({ path: join(process.env.MINYI_SCREENSHOTS ?? tmpdir(), 'dashboard-invitations.png') });
  await assertAccessible(page, 'fieldwork dashboard');

  await page.getByRole('link', { name: '结束调查' }).click();
  await page.waitForLoadState('load');
  assert.match(page.url(), /\/close$/, 'the button leads to a confirmation page first');
  await assertAccessible(page, 'confirmation page');

  // English words are long for a phone's table: whole words (the bulletin's cells never wrap).
  await page.goto(`${minyi.url}${DASHBOARD}?lang=en`);
  await assertAccessible(page, 'fieldwork dashboard in English');
  await assertNoWordSplit(page, 'th, td', 'fieldwork dashboard in English');
  await page.goto(`${minyi.url}${DASHBOARD}/bulletin`);
  await assertAccessible(page, 'printable bulletin');
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.bar').isVisible(), false, 'no language bar on paper');
  assert.equal(await page.locator('.noprint').first().isVisible(), false, 'no links on paper');
  assert.equal(await page.locator('tfoot').isVisible(), true, 'the table is printed');
  await context.close();
});

test('an interviewer link issued on the dashboard is shown once, then takes one interview after another', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await signIn(page, DASHBOARD);
  await page.getByLabel('链接名称').fill('A07');
  await page.getByRole('button', { name: '发放访员链接' }).click();
  await page.waitForLoadState('load');
  const address = (await page.locator('strong.link').innerText()).trim();
  assert.match(address, /\/iv\/[0-9a-f]{32}$/, 'the address, shown once');
  assert.equal(await page.locator('.qr svg').count(), 1, 'with its QR code');
  await screenshot(page, 'interviewer-link');
  await assertAccessible(page, 'interviewer link issued');

  // The interviewer's phone: the form says how to ask, and keeps nothing between residents.
  const device = await phone(browser);
  const form = await device.newPage();
  await form.goto(address);
  assert.match(await form.getByRole('note').innerText(), /^访员填写/);
  await assertAccessible(form, 'the interviewer\'s form');
  await answerEverythingWithOneMistake(form);
  await submit(form);
  await question(form, 15).getByLabel('假冒伪劣食品', { exact: true }).uncheck();
  await submit(form);
  assert.match(form.url(), /\/iv\/[0-9a-f]{32}\?saved=1$/, 'straight on to the next interview');
  assert.match(await form.getByRole('status').first().innerText(), /上一份答卷已保存/);
  assert.equal(await question(form, 1).getByLabel('南湖区', { exact: true }).isChecked(), false, 'a fresh form');
  assert.equal(await form.evaluate(() => localStorage.length), 0, 'no answers kept on the device');
  await device.close();

  await page.goto(`${minyi.url}${DASHBOARD}`);
  assert.match(await page.locator('#interviewers tbody').innerText(), /A07[\s\S]*使用中/, 'listed, working');
  await page.locator('#interviewers').screenshot({ path: join(process.env.MINYI_SCREENSHOTS ?? tmpdir(), 'dashboard-interviewers.png') });
  assert.match(await page.locator('#county-nanhu').innerText(), /\d/, 'the interview counted');
  await context.close();
});

test('closing the survey with JavaScript switched off', async () => {
  const context = await phone(browser, { javaScript: false });
  const page = await context.newPage();
  await signIn(page, DASHBOARD);

  await page.getByRole('link', { name: '结束调查' }).click();
  await page.waitForLoadState('load');
  await page.getByRole('button', { name: '确认结束调查' }).click();
  await page.waitForLoadState('load');

  assert.match(page.url(), new RegExp(`${DASHBOARD}\\?done=close$`), 'back on the dashboard');
  assert.equal(await page.getByRole('status').innerText(), '调查已结束，不再接受答卷。');
  assert.equal(await page.getByRole('link', { name: '发布结果' }).count(), 1, 'now it can be published');

  // The 300 simulated responses: publishing them needs their box ticked.
  await page.getByRole('link', { name: '发布结果' }).click();
  await page.waitForLoadState('load');
  await page.getByRole('button', { name: '确认发布结果' }).click();
  assert.match(page.url(), /\/publish$/, 'the box unticked, the browser does not send the form');
  await context.close();
});

test('the closed survey\'s simulated responses: the publish warning and their deletion, accessible', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await signIn(page, `${DASHBOARD}/publish`);
  await screenshot(page, 'publish-simulated');
  await assertAccessible(page, 'publish confirmation with simulated responses');

  await page.getByRole('link', { name: '删除模拟答卷' }).click();
  await page.waitForLoadState('load');
  await assertAccessible(page, 'deleting the simulated responses');
  await page.getByRole('button', { name: '确认删除 300 份模拟答卷' }).click();
  await page.waitForLoadState('load');
  assert.equal(await page.getByRole('status').innerText(), '模拟答卷已全部删除，居民的答卷不受影响。');
  await context.close();
});
