// Answers not yet sent stay on the phone: a resident whose page is closed or reloaded halfway
// (WeChat's browser drops a page left for a chat) opens the link again and finds their answers;
// once sent, the phone keeps nothing. Run with the server's Content-Security-Policy in force,
// as a resident's phone has it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { startMinyi } from './lib/server.mjs';
import { launchChromium, phone } from './lib/phone.mjs';
import { assertAccessible } from './lib/checks.mjs';
import { SURVEY, answerEverythingWithOneMistake, question, submit, tap } from './lib/resident.mjs';

let minyi;
let browser;

before(async () => {
  minyi = await startMinyi();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await minyi?.stop();
});

const KEY = `minyi:draft:${SURVEY}`;

/** Opens the survey link in a new tab of `context`, failing on any script error or policy refusal. */
async function openSurvey(context) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  // A form sent back with a problem (422) is logged as a failed load: not a script's doing.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  await page.goto(`${minyi.url}/s/${SURVEY}`);
  await page.waitForLoadState('load');
  return { page, problems };
}

const checked = (page, number, label) => question(page, number).getByLabel(label, { exact: true }).isChecked();

test('half-answered and closed, the form opens again with the answers, and "clear" starts over', async () => {
  const context = await phone(browser, { enforceCSP: true });
  const first = await openSurvey(context);
  assert.equal(await first.page.locator('#draft-kept').isVisible(), true, 'the resident is told the answers stay on the phone');
  const firstToken = await first.page.locator('input[name="_token"]').inputValue();
  await tap(first.page, 1, '嘉善县');
  await tap(first.page, 4, '比较满意');
  await tap(first.page, 10, '是');
  await tap(first.page, 11, '其他途径');
  await question(first.page, 12).locator('textarea').fill('居委会的微信群');
  await first.page.close();

  const again = await openSurvey(context);
  const { page } = again;
  assert.equal(await page.locator('#draft-restored').isVisible(), true, 'the page says the answers came back');
  assert.equal(await checked(page, 1, '嘉善县'), true, 'q1 back');
  assert.equal(await checked(page, 4, '比较满意'), true, 'q4 back');
  assert.equal(await checked(page, 11, '其他途径'), true, 'a ticked box back');
  assert.equal(await question(page, 12).isVisible(), true, 'the question shown after "other" shows again');
  assert.equal(await question(page, 12).locator('textarea').inputValue(), '居委会的微信群', 'typed text back');
  assert.equal(await checked(page, 2, '女'), false, 'nothing unanswered is made up');
  assert.equal(await page.getByRole('link', { name: '跳到第一道还没答的题 ↓' }).getAttribute('href'), '#q2', 'the way on is to the first gap');
  const started = () => page.locator('input[name="_started"]').inputValue();
  assert.notEqual(await page.locator('input[name="_token"]').inputValue(), firstToken, 'a new page, a token of its own');
  assert.equal(await started(), firstToken, 'the time taken counts from the page the form was begun on');

  await page.getByRole('button', { name: '清空这些答案，重新填写' }).click();
  assert.equal(await checked(page, 1, '嘉善县'), false, 'cleared');
  assert.equal(await question(page, 12).isVisible(), false);
  assert.equal(await page.locator('#draft-restored').isVisible(), false);
  assert.equal(await started(), '', 'begun again on this page');
  await page.close();
  const cleared = await openSurvey(context);
  assert.equal(await checked(cleared.page, 1, '嘉善县'), false, 'and not kept');
  assert.equal(await cleared.page.locator('#draft-restored').isVisible(), false);
  assert.deepEqual([...first.problems, ...again.problems, ...cleared.problems], [], 'no script error, nothing refused by the policy');
  await context.close();
});

test('once the answers are sent, the phone keeps none of them', async () => {
  const context = await phone(browser, { enforceCSP: true });
  const { page, problems } = await openSurvey(context);
  // Someone else in the household has an invitation's form under way on this phone.
  const invitation = `${KEY}:invitation`;
  const theirs = JSON.stringify({ at: Date.now(), answers: [['stratum', 'haiyan']] });
  await page.evaluate(([key, value]) => localStorage.setItem(key, value), [invitation, theirs]);
  await answerEverythingWithOneMistake(page);
  assert.notEqual(await page.evaluate((key) => localStorage.getItem(key), KEY), null, 'kept while unsent');
  await submit(page);
  assert.equal(await checked(page, 1, '南湖区'), true, 'the form sent back holds the answers');
  await question(page, 15).getByLabel('假冒伪劣食品', { exact: true }).uncheck();
  await submit(page);

  assert.match(page.url(), new RegExp(`/s/${SURVEY}/thanks$`), 'the thank-you page');
  assert.equal(await page.evaluate((key) => localStorage.getItem(key), KEY), null, 'deleted on the thank-you page');
  assert.equal(await page.evaluate((key) => localStorage.getItem(key), invitation), theirs, 'the invitation’s copy stays');
  const later = await openSurvey(context);
  assert.equal(await checked(later.page, 1, '南湖区'), false, 'a second visit starts empty');
  assert.deepEqual([...problems, ...later.problems], []);
  await context.close();
});

test('a form sent back, changed, then reloaded keeps the changes, here and on the phone', async () => {
  const context = await phone(browser, { enforceCSP: true });
  const { page, problems } = await openSurvey(context);
  await answerEverythingWithOneMistake(page);
  await submit(page);
  // Back with the four worries marked: the resident fixes that and writes another comment...
  await question(page, 15).getByLabel('假冒伪劣食品', { exact: true }).uncheck();
  await question(page, 22).locator('textarea').fill('改过的意见');
  // ...and the page is reloaded (pull to refresh), which sends the form as it first went.
  await page.reload();
  await page.waitForLoadState('load');
  assert.equal(await question(page, 15).getByLabel('假冒伪劣食品', { exact: true }).isChecked(), false, 'the fix stays');
  assert.equal(await question(page, 22).locator('textarea').inputValue(), '改过的意见', 'the later comment stays');
  assert.equal(await checked(page, 1, '南湖区'), true, 'and the rest');
  const copy = await page.evaluate((key) => localStorage.getItem(key), KEY);
  assert.match(copy, /改过的意见/, 'the copy on the phone is the later one');
  assert.doesNotMatch(copy, /fake_inferior/, 'without the worry unticked');
  // Nothing required is left: the way on to "the first gap" is not offered for optional ones.
  await question(page, 22).locator('textarea').fill('');
  await page.close();
  const again = await openSurvey(context);
  assert.equal(await again.page.locator('#draft-restored').isVisible(), true);
  assert.equal(await again.page.locator('#draft-next').isVisible(), false, 'no gap to go to: q22 may be left empty');
  assert.deepEqual([...problems, ...again.problems], []);
  await context.close();
});

test('a phone that keeps no cookies still forgets the answers it sent, and only those', async () => {
  const context = await phone(browser, { enforceCSP: true });
  const { page, problems } = await openSurvey(context);
  // The server's answer to the form arrives without its cookies, as on a browser set to refuse
  // them (the fetch here keeps what it is sent in the phone's cookie jar: emptied again).
  await page.route(`**/s/${SURVEY}`, async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    const response = await route.fetch({ maxRedirects: 0 });
    await context.clearCookies();
    const headers = { ...response.headers() };
    delete headers['set-cookie'];
    await route.fulfill({ response, headers });
  });
  await answerEverythingWithOneMistake(page);
  await submit(page);
  await question(page, 15).getByLabel('假冒伪劣食品', { exact: true }).uncheck();
  await submit(page);
  assert.match(page.url(), new RegExp(`/s/${SURVEY}/thanks$`));
  assert.equal(await page.getByRole('heading', { name: '如果您刚提交了问卷，回答已经保存' }).isVisible(), true,
    'without the cookie the page cannot tell it was this phone');
  assert.equal(await page.evaluate((key) => localStorage.getItem(key), KEY), null,
    'the answers this phone just sent are not kept');

  // The same page forwarded in a chat, opened where answers are under way but were never sent.
  const other = await openSurvey(context);
  await tap(other.page, 1, '嘉善县');
  await context.clearCookies();
  await other.page.goto(`${minyi.url}/s/${SURVEY}/thanks`);
  assert.notEqual(await other.page.evaluate((key) => localStorage.getItem(key), KEY), null,
    'answers never sent stay');
  // Answers sent long ago whose thanks never came (the network dropped) stay too.
  await other.page.evaluate((key) => {
    const copy = JSON.parse(localStorage.getItem(key));
    copy.sent = Date.now() - 60 * 60 * 1000;
    localStorage.setItem(key, JSON.stringify(copy));
  }, KEY);
  await other.page.reload();
  assert.notEqual(await other.page.evaluate((key) => localStorage.getItem(key), KEY), null,
    'a sending an hour ago is not this page’s');
  assert.deepEqual([...problems, ...other.problems], []);
  await context.close();
});

test('answers kept longer than three days are not put back, and go, whatever survey they were for', async () => {
  const context = await phone(browser, { enforceCSP: true });
  const first = await openSurvey(context);
  const day = 24 * 60 * 60 * 1000;
  await first.page.evaluate(({ key, day }) => {
    const answers = [['county', 'jiashan']];
    localStorage.setItem(key, JSON.stringify({ at: Date.now() - 3 * day - 60000, answers }));
    localStorage.setItem('minyi:draft:another-survey', JSON.stringify({ at: Date.now() + day, answers }));
    localStorage.setItem('minyi:draft:a-third-survey', JSON.stringify({ at: Date.now() - day, answers }));
  }, { key: KEY, day });
  await first.page.close();

  const { page, problems } = await openSurvey(context);
  assert.equal(await checked(page, 1, '嘉善县'), false, 'not put back');
  assert.equal(await page.locator('#draft-restored').isVisible(), false);
  const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('minyi:draft:')).sort());
  assert.deepEqual(left, ['minyi:draft:a-third-survey'], 'the old copy and one dated in the future are deleted, a day-old one kept');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the form with its answers back is as accessible as a fresh one', async () => {
  // The checks inject a script of their own: this phone ignores the policy.
  const context = await phone(browser);
  const first = await openSurvey(context);
  await tap(first.page, 1, '嘉善县');
  await first.page.close();
  const { page } = await openSurvey(context);
  assert.equal(await page.locator('#draft-restored').isVisible(), true);
  await assertAccessible(page, 'survey with the answers kept on the phone');
  await context.close();
});
